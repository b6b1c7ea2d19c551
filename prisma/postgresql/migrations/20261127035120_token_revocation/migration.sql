-- AlterEnum
ALTER TYPE "AuditAction" ADD VALUE 'TOKEN_REVOKED';

