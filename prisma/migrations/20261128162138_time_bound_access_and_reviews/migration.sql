-- AlterTable
ALTER TABLE "Resource" ADD COLUMN "maxGrantDuration" INTEGER;

-- AlterTable
ALTER TABLE "Request" ADD COLUMN "grantExpiresAt" DATETIME;

-- CreateTable
CREATE TABLE "AccessReview" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "number" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "status" TEXT NOT NULL,
    "reviewerRule" TEXT NOT NULL,
    "onDeadline" TEXT NOT NULL,
    "deadline" DATETIME NOT NULL,
    "startedById" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "closedAt" DATETIME,
    CONSTRAINT "AccessReview_startedById_fkey" FOREIGN KEY ("startedById") REFERENCES "Identity" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "AccessReviewItem" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "reviewId" TEXT NOT NULL,
    "grantId" TEXT NOT NULL,
    "identityId" TEXT NOT NULL,
    "resourceId" TEXT NOT NULL,
    "assignedToAdmins" BOOLEAN NOT NULL DEFAULT false,
    "decision" TEXT,
    "decidedById" TEXT,
    "decidedAt" DATETIME,
    "comment" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "AccessReviewItem_reviewId_fkey" FOREIGN KEY ("reviewId") REFERENCES "AccessReview" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "AccessReviewItem_grantId_fkey" FOREIGN KEY ("grantId") REFERENCES "Grant" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "AccessReviewItem_identityId_fkey" FOREIGN KEY ("identityId") REFERENCES "Identity" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "AccessReviewItem_resourceId_fkey" FOREIGN KEY ("resourceId") REFERENCES "Resource" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "AccessReviewItem_decidedById_fkey" FOREIGN KEY ("decidedById") REFERENCES "Identity" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "_AccessReviewToSystem" (
    "A" TEXT NOT NULL,
    "B" TEXT NOT NULL,
    CONSTRAINT "_AccessReviewToSystem_A_fkey" FOREIGN KEY ("A") REFERENCES "AccessReview" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "_AccessReviewToSystem_B_fkey" FOREIGN KEY ("B") REFERENCES "System" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "_AccessReviewToResource" (
    "A" TEXT NOT NULL,
    "B" TEXT NOT NULL,
    CONSTRAINT "_AccessReviewToResource_A_fkey" FOREIGN KEY ("A") REFERENCES "AccessReview" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "_AccessReviewToResource_B_fkey" FOREIGN KEY ("B") REFERENCES "Resource" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "_ReviewNamedReviewers" (
    "A" TEXT NOT NULL,
    "B" TEXT NOT NULL,
    CONSTRAINT "_ReviewNamedReviewers_A_fkey" FOREIGN KEY ("A") REFERENCES "AccessReview" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "_ReviewNamedReviewers_B_fkey" FOREIGN KEY ("B") REFERENCES "Identity" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "_ReviewItemReviewers" (
    "A" TEXT NOT NULL,
    "B" TEXT NOT NULL,
    CONSTRAINT "_ReviewItemReviewers_A_fkey" FOREIGN KEY ("A") REFERENCES "AccessReviewItem" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "_ReviewItemReviewers_B_fkey" FOREIGN KEY ("B") REFERENCES "Identity" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_RequestItem" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "requestId" TEXT NOT NULL,
    "resourceId" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "openKey" TEXT,
    "grantExpiresAt" DATETIME,
    "extendsGrantId" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "RequestItem_requestId_fkey" FOREIGN KEY ("requestId") REFERENCES "Request" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "RequestItem_resourceId_fkey" FOREIGN KEY ("resourceId") REFERENCES "Resource" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "RequestItem_extendsGrantId_fkey" FOREIGN KEY ("extendsGrantId") REFERENCES "Grant" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_RequestItem" ("createdAt", "id", "openKey", "requestId", "resourceId", "status", "updatedAt") SELECT "createdAt", "id", "openKey", "requestId", "resourceId", "status", "updatedAt" FROM "RequestItem";
DROP TABLE "RequestItem";
ALTER TABLE "new_RequestItem" RENAME TO "RequestItem";
CREATE UNIQUE INDEX "RequestItem_openKey_key" ON "RequestItem"("openKey");
CREATE INDEX "RequestItem_requestId_idx" ON "RequestItem"("requestId");
CREATE INDEX "RequestItem_resourceId_idx" ON "RequestItem"("resourceId");
CREATE TABLE "new_Job" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "kind" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'PENDING',
    "systemId" TEXT NOT NULL,
    "ticketId" TEXT,
    "grantId" TEXT,
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
    CONSTRAINT "Job_ticketId_fkey" FOREIGN KEY ("ticketId") REFERENCES "Ticket" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "Job_grantId_fkey" FOREIGN KEY ("grantId") REFERENCES "Grant" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_Job" ("attempts", "createdAt", "id", "identityId", "kind", "lastError", "lockedBy", "lockedUntil", "maxAttempts", "resourceId", "runAt", "status", "systemId", "ticketId", "updatedAt") SELECT "attempts", "createdAt", "id", "identityId", "kind", "lastError", "lockedBy", "lockedUntil", "maxAttempts", "resourceId", "runAt", "status", "systemId", "ticketId", "updatedAt" FROM "Job";
DROP TABLE "Job";
ALTER TABLE "new_Job" RENAME TO "Job";
CREATE INDEX "Job_status_runAt_idx" ON "Job"("status", "runAt");
CREATE INDEX "Job_ticketId_idx" ON "Job"("ticketId");
CREATE INDEX "Job_grantId_idx" ON "Job"("grantId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE UNIQUE INDEX "AccessReview_number_key" ON "AccessReview"("number");

-- CreateIndex
CREATE INDEX "AccessReview_status_deadline_idx" ON "AccessReview"("status", "deadline");

-- CreateIndex
CREATE INDEX "AccessReviewItem_reviewId_decision_idx" ON "AccessReviewItem"("reviewId", "decision");

-- CreateIndex
CREATE INDEX "AccessReviewItem_grantId_idx" ON "AccessReviewItem"("grantId");

-- CreateIndex
CREATE INDEX "AccessReviewItem_identityId_idx" ON "AccessReviewItem"("identityId");

-- CreateIndex
CREATE UNIQUE INDEX "AccessReviewItem_reviewId_grantId_key" ON "AccessReviewItem"("reviewId", "grantId");

-- CreateIndex
CREATE UNIQUE INDEX "_AccessReviewToSystem_AB_unique" ON "_AccessReviewToSystem"("A", "B");

-- CreateIndex
CREATE INDEX "_AccessReviewToSystem_B_index" ON "_AccessReviewToSystem"("B");

-- CreateIndex
CREATE UNIQUE INDEX "_AccessReviewToResource_AB_unique" ON "_AccessReviewToResource"("A", "B");

-- CreateIndex
CREATE INDEX "_AccessReviewToResource_B_index" ON "_AccessReviewToResource"("B");

-- CreateIndex
CREATE UNIQUE INDEX "_ReviewNamedReviewers_AB_unique" ON "_ReviewNamedReviewers"("A", "B");

-- CreateIndex
CREATE INDEX "_ReviewNamedReviewers_B_index" ON "_ReviewNamedReviewers"("B");

-- CreateIndex
CREATE UNIQUE INDEX "_ReviewItemReviewers_AB_unique" ON "_ReviewItemReviewers"("A", "B");

-- CreateIndex
CREATE INDEX "_ReviewItemReviewers_B_index" ON "_ReviewItemReviewers"("B");

-- CreateIndex
CREATE INDEX "Grant_status_expiresAt_idx" ON "Grant"("status", "expiresAt");

