-- AlterTable
ALTER TABLE "Grant" ADD COLUMN "endReason" TEXT;

