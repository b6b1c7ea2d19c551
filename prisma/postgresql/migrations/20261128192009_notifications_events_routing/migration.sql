-- CreateEnum
CREATE TYPE "NotificationKind" AS ENUM ('TICKET_ASSIGNED', 'TICKET_REMINDER', 'REQUEST_DECIDED', 'REQUEST_FULFILLED', 'REQUEST_FAILED', 'ACCESS_ENDED', 'ADMIN_ALERT');

-- CreateEnum
CREATE TYPE "EmailStatus" AS ENUM ('PENDING', 'SENT', 'FAILED');

-- CreateEnum
CREATE TYPE "EndpointKind" AS ENUM ('CLOUDEVENTS', 'CHAT');

-- CreateEnum
CREATE TYPE "DeliveryOutcome" AS ENUM ('DELIVERED', 'FAILED');

-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "AuditAction" ADD VALUE 'TICKET_REMINDED';
ALTER TYPE "AuditAction" ADD VALUE 'TICKET_ESCALATED';
ALTER TYPE "AuditAction" ADD VALUE 'TICKET_CLAIMED';
ALTER TYPE "AuditAction" ADD VALUE 'DELEGATION_SET';
ALTER TYPE "AuditAction" ADD VALUE 'DELEGATION_ENDED';
ALTER TYPE "AuditAction" ADD VALUE 'NOTIFICATION_SETTINGS_CHANGED';

-- AlterTable
ALTER TABLE "Identity" ADD COLUMN     "mutedEmailKinds" TEXT NOT NULL DEFAULT '[]';

-- AlterTable
ALTER TABLE "System" ADD COLUMN     "ticketSlaHours" INTEGER;

-- AlterTable
ALTER TABLE "Resource" ADD COLUMN     "ticketSlaHours" INTEGER;

-- AlterTable
ALTER TABLE "Ticket" ADD COLUMN     "claimedById" TEXT,
ADD COLUMN     "delegatedFromId" TEXT,
ADD COLUMN     "escalatedAt" TIMESTAMP(3),
ADD COLUMN     "remindedAt" TIMESTAMP(3),
ADD COLUMN     "routingNote" TEXT;

-- CreateTable
CREATE TABLE "Settings" (
    "id" INTEGER NOT NULL,
    "fallbackGroupId" TEXT,
    "ticketSlaHours" INTEGER NOT NULL DEFAULT 24,
    "mandatoryEmailKinds" TEXT NOT NULL DEFAULT '[]',
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Settings_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Delegation" (
    "id" TEXT NOT NULL,
    "delegatorId" TEXT NOT NULL,
    "delegateId" TEXT NOT NULL,
    "startsAt" TIMESTAMP(3) NOT NULL,
    "endsAt" TIMESTAMP(3) NOT NULL,
    "reason" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "endedAt" TIMESTAMP(3),

    CONSTRAINT "Delegation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Cursor" (
    "name" TEXT NOT NULL,
    "sequence" INTEGER NOT NULL,

    CONSTRAINT "Cursor_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "Notification" (
    "id" TEXT NOT NULL,
    "identityId" TEXT NOT NULL,
    "kind" "NotificationKind" NOT NULL,
    "sequence" INTEGER NOT NULL,
    "title" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "requestId" TEXT,
    "ticketId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "readAt" TIMESTAMP(3),

    CONSTRAINT "Notification_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EmailMessage" (
    "id" TEXT NOT NULL,
    "identityId" TEXT NOT NULL,
    "toAddress" TEXT NOT NULL,
    "kind" "NotificationKind" NOT NULL,
    "sequence" INTEGER NOT NULL,
    "subject" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "html" TEXT NOT NULL,
    "status" "EmailStatus" NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "runAt" TIMESTAMP(3) NOT NULL,
    "lockedUntil" TIMESTAMP(3),
    "lockedBy" TEXT,
    "lastError" TEXT,
    "sentAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EmailMessage_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EventEndpoint" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "EndpointKind" NOT NULL,
    "url" TEXT NOT NULL,
    "secret" TEXT,
    "topics" TEXT NOT NULL,
    "systemId" TEXT,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "deliveredSequence" INTEGER NOT NULL,
    "failures" INTEGER NOT NULL DEFAULT 0,
    "retryAt" TIMESTAMP(3),
    "lastError" TEXT,
    "lockedUntil" TIMESTAMP(3),
    "lockedBy" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "EventEndpoint_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EventDelivery" (
    "id" TEXT NOT NULL,
    "endpointId" TEXT NOT NULL,
    "sequence" INTEGER NOT NULL,
    "type" TEXT NOT NULL,
    "outcome" "DeliveryOutcome" NOT NULL,
    "httpStatus" INTEGER,
    "error" TEXT,
    "durationMs" INTEGER NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EventDelivery_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Delegation_delegatorId_endsAt_idx" ON "Delegation"("delegatorId", "endsAt");

-- CreateIndex
CREATE INDEX "Delegation_delegateId_idx" ON "Delegation"("delegateId");

-- CreateIndex
CREATE INDEX "Notification_identityId_readAt_idx" ON "Notification"("identityId", "readAt");

-- CreateIndex
CREATE INDEX "Notification_identityId_createdAt_idx" ON "Notification"("identityId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "Notification_identityId_sequence_kind_key" ON "Notification"("identityId", "sequence", "kind");

-- CreateIndex
CREATE INDEX "EmailMessage_status_runAt_idx" ON "EmailMessage"("status", "runAt");

-- CreateIndex
CREATE UNIQUE INDEX "EmailMessage_identityId_sequence_kind_key" ON "EmailMessage"("identityId", "sequence", "kind");

-- CreateIndex
CREATE UNIQUE INDEX "EventEndpoint_name_key" ON "EventEndpoint"("name");

-- CreateIndex
CREATE INDEX "EventDelivery_endpointId_at_idx" ON "EventDelivery"("endpointId", "at");

-- CreateIndex
CREATE INDEX "EventDelivery_endpointId_sequence_idx" ON "EventDelivery"("endpointId", "sequence");

-- CreateIndex
CREATE INDEX "Ticket_status_createdAt_idx" ON "Ticket"("status", "createdAt");

-- AddForeignKey
ALTER TABLE "Ticket" ADD CONSTRAINT "Ticket_claimedById_fkey" FOREIGN KEY ("claimedById") REFERENCES "Identity"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Ticket" ADD CONSTRAINT "Ticket_delegatedFromId_fkey" FOREIGN KEY ("delegatedFromId") REFERENCES "Identity"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Settings" ADD CONSTRAINT "Settings_fallbackGroupId_fkey" FOREIGN KEY ("fallbackGroupId") REFERENCES "Group"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Delegation" ADD CONSTRAINT "Delegation_delegatorId_fkey" FOREIGN KEY ("delegatorId") REFERENCES "Identity"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Delegation" ADD CONSTRAINT "Delegation_delegateId_fkey" FOREIGN KEY ("delegateId") REFERENCES "Identity"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Notification" ADD CONSTRAINT "Notification_identityId_fkey" FOREIGN KEY ("identityId") REFERENCES "Identity"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EmailMessage" ADD CONSTRAINT "EmailMessage_identityId_fkey" FOREIGN KEY ("identityId") REFERENCES "Identity"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EventEndpoint" ADD CONSTRAINT "EventEndpoint_systemId_fkey" FOREIGN KEY ("systemId") REFERENCES "System"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EventDelivery" ADD CONSTRAINT "EventDelivery_endpointId_fkey" FOREIGN KEY ("endpointId") REFERENCES "EventEndpoint"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

