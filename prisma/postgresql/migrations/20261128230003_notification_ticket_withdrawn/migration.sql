-- AlterEnum
ALTER TYPE "NotificationKind" ADD VALUE 'TICKET_WITHDRAWN';

