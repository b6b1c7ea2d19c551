-- AlterTable
ALTER TABLE "Resource" ADD COLUMN "connectorTarget" TEXT;

-- CreateTable
CREATE TABLE "Job" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "kind" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'PENDING',
    "systemId" TEXT NOT NULL,
    "ticketId" TEXT,
    "identityId" TEXT NOT NULL,
    "resourceId" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "maxAttempts" INTEGER NOT NULL,
    "runAt" DATETIME NOT NULL,
    "lockedUntil" DATETIME,
    "lockedBy" TEXT,
    "lastError" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Job_systemId_fkey" FOREIGN KEY ("systemId") REFERENCES "System" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Job_ticketId_fkey" FOREIGN KEY ("ticketId") REFERENCES "Ticket" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_System" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "connector" TEXT NOT NULL,
    "connectorConfig" TEXT,
    "fulfillersGroupId" TEXT,
    "healthStatus" TEXT NOT NULL DEFAULT 'UNKNOWN',
    "healthCheckedAt" DATETIME,
    "healthMessage" TEXT,
    "healthFailures" INTEGER NOT NULL DEFAULT 0,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "System_fulfillersGroupId_fkey" FOREIGN KEY ("fulfillersGroupId") REFERENCES "Group" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_System" ("connector", "connectorConfig", "createdAt", "description", "fulfillersGroupId", "healthCheckedAt", "healthMessage", "healthStatus", "id", "name", "updatedAt") SELECT "connector", "connectorConfig", "createdAt", "description", "fulfillersGroupId", "healthCheckedAt", "healthMessage", "healthStatus", "id", "name", "updatedAt" FROM "System";
DROP TABLE "System";
ALTER TABLE "new_System" RENAME TO "System";
CREATE UNIQUE INDEX "System_name_key" ON "System"("name");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "Job_status_runAt_idx" ON "Job"("status", "runAt");

-- CreateIndex
CREATE INDEX "Job_ticketId_idx" ON "Job"("ticketId");

