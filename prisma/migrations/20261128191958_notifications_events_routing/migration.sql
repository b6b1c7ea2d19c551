-- AlterTable
ALTER TABLE "System" ADD COLUMN "ticketSlaHours" INTEGER;

-- AlterTable
ALTER TABLE "Resource" ADD COLUMN "ticketSlaHours" INTEGER;

-- CreateTable
CREATE TABLE "Settings" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "fallbackGroupId" TEXT,
    "ticketSlaHours" INTEGER NOT NULL DEFAULT 24,
    "mandatoryEmailKinds" TEXT NOT NULL DEFAULT '[]',
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Settings_fallbackGroupId_fkey" FOREIGN KEY ("fallbackGroupId") REFERENCES "Group" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Delegation" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "delegatorId" TEXT NOT NULL,
    "delegateId" TEXT NOT NULL,
    "startsAt" DATETIME NOT NULL,
    "endsAt" DATETIME NOT NULL,
    "reason" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "endedAt" DATETIME,
    CONSTRAINT "Delegation_delegatorId_fkey" FOREIGN KEY ("delegatorId") REFERENCES "Identity" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Delegation_delegateId_fkey" FOREIGN KEY ("delegateId") REFERENCES "Identity" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Cursor" (
    "name" TEXT NOT NULL PRIMARY KEY,
    "sequence" INTEGER NOT NULL
);

-- CreateTable
CREATE TABLE "Notification" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "identityId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "sequence" INTEGER NOT NULL,
    "title" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "requestId" TEXT,
    "ticketId" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "readAt" DATETIME,
    CONSTRAINT "Notification_identityId_fkey" FOREIGN KEY ("identityId") REFERENCES "Identity" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "EmailMessage" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "identityId" TEXT NOT NULL,
    "toAddress" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "sequence" INTEGER NOT NULL,
    "subject" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "html" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "runAt" DATETIME NOT NULL,
    "lockedUntil" DATETIME,
    "lockedBy" TEXT,
    "lastError" TEXT,
    "sentAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "EmailMessage_identityId_fkey" FOREIGN KEY ("identityId") REFERENCES "Identity" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "EventEndpoint" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "secret" TEXT,
    "topics" TEXT NOT NULL,
    "systemId" TEXT,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "deliveredSequence" INTEGER NOT NULL,
    "failures" INTEGER NOT NULL DEFAULT 0,
    "retryAt" DATETIME,
    "lastError" TEXT,
    "lockedUntil" DATETIME,
    "lockedBy" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "EventEndpoint_systemId_fkey" FOREIGN KEY ("systemId") REFERENCES "System" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "EventDelivery" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "endpointId" TEXT NOT NULL,
    "sequence" INTEGER NOT NULL,
    "type" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "httpStatus" INTEGER,
    "error" TEXT,
    "durationMs" INTEGER NOT NULL,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "EventDelivery_endpointId_fkey" FOREIGN KEY ("endpointId") REFERENCES "EventEndpoint" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Identity" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "email" TEXT NOT NULL,
    "displayName" TEXT NOT NULL,
    "role" TEXT NOT NULL DEFAULT 'END_USER',
    "active" BOOLEAN NOT NULL DEFAULT true,
    "givenName" TEXT,
    "familyName" TEXT,
    "externalId" TEXT,
    "managerId" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "mutedEmailKinds" TEXT NOT NULL DEFAULT '[]',
    CONSTRAINT "Identity_managerId_fkey" FOREIGN KEY ("managerId") REFERENCES "Identity" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_Identity" ("active", "createdAt", "displayName", "email", "externalId", "familyName", "givenName", "id", "managerId", "role", "updatedAt") SELECT "active", "createdAt", "displayName", "email", "externalId", "familyName", "givenName", "id", "managerId", "role", "updatedAt" FROM "Identity";
DROP TABLE "Identity";
ALTER TABLE "new_Identity" RENAME TO "Identity";
CREATE UNIQUE INDEX "Identity_email_key" ON "Identity"("email");
CREATE INDEX "Identity_managerId_idx" ON "Identity"("managerId");
CREATE INDEX "Identity_role_active_idx" ON "Identity"("role", "active");
CREATE INDEX "Identity_externalId_idx" ON "Identity"("externalId");
CREATE TABLE "new_Ticket" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "number" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "requestId" TEXT NOT NULL,
    "itemId" TEXT NOT NULL,
    "resourceId" TEXT NOT NULL,
    "step" INTEGER,
    "assigneeGroupId" TEXT,
    "assignedToAdmins" BOOLEAN NOT NULL DEFAULT false,
    "decidedById" TEXT,
    "decidedAt" DATETIME,
    "routingNote" TEXT,
    "remindedAt" DATETIME,
    "escalatedAt" DATETIME,
    "claimedById" TEXT,
    "delegatedFromId" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Ticket_requestId_fkey" FOREIGN KEY ("requestId") REFERENCES "Request" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Ticket_itemId_fkey" FOREIGN KEY ("itemId") REFERENCES "RequestItem" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Ticket_resourceId_fkey" FOREIGN KEY ("resourceId") REFERENCES "Resource" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Ticket_assigneeGroupId_fkey" FOREIGN KEY ("assigneeGroupId") REFERENCES "Group" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "Ticket_decidedById_fkey" FOREIGN KEY ("decidedById") REFERENCES "Identity" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "Ticket_claimedById_fkey" FOREIGN KEY ("claimedById") REFERENCES "Identity" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "Ticket_delegatedFromId_fkey" FOREIGN KEY ("delegatedFromId") REFERENCES "Identity" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_Ticket" ("assignedToAdmins", "assigneeGroupId", "createdAt", "decidedAt", "decidedById", "id", "itemId", "kind", "number", "requestId", "resourceId", "status", "step", "updatedAt") SELECT "assignedToAdmins", "assigneeGroupId", "createdAt", "decidedAt", "decidedById", "id", "itemId", "kind", "number", "requestId", "resourceId", "status", "step", "updatedAt" FROM "Ticket";
DROP TABLE "Ticket";
ALTER TABLE "new_Ticket" RENAME TO "Ticket";
CREATE UNIQUE INDEX "Ticket_number_key" ON "Ticket"("number");
CREATE INDEX "Ticket_requestId_idx" ON "Ticket"("requestId");
CREATE INDEX "Ticket_itemId_idx" ON "Ticket"("itemId");
CREATE INDEX "Ticket_status_number_idx" ON "Ticket"("status", "number");
CREATE INDEX "Ticket_assigneeGroupId_status_idx" ON "Ticket"("assigneeGroupId", "status");
CREATE INDEX "Ticket_decidedById_idx" ON "Ticket"("decidedById");
CREATE INDEX "Ticket_status_createdAt_idx" ON "Ticket"("status", "createdAt");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

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

