-- CreateEnum
CREATE TYPE "ReviewStatus" AS ENUM ('OPEN', 'CLOSED');

-- CreateEnum
CREATE TYPE "ReviewerRule" AS ENUM ('MANAGER', 'RESOURCE_APPROVERS', 'NAMED');

-- CreateEnum
CREATE TYPE "ReviewDecision" AS ENUM ('KEEP', 'REVOKE');

-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "AuditAction" ADD VALUE 'GRANT_EXTENDED';
ALTER TYPE "AuditAction" ADD VALUE 'REVIEW_STARTED';
ALTER TYPE "AuditAction" ADD VALUE 'REVIEW_ITEM_DECIDED';
ALTER TYPE "AuditAction" ADD VALUE 'REVIEW_CLOSED';

-- AlterTable
ALTER TABLE "Resource" ADD COLUMN     "maxGrantDuration" INTEGER;

-- AlterTable
ALTER TABLE "Request" ADD COLUMN     "grantExpiresAt" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "RequestItem" ADD COLUMN     "extendsGrantId" TEXT,
ADD COLUMN     "grantExpiresAt" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "Job" ADD COLUMN     "grantId" TEXT;

-- CreateTable
CREATE TABLE "AccessReview" (
    "id" TEXT NOT NULL,
    "number" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "status" "ReviewStatus" NOT NULL,
    "reviewerRule" "ReviewerRule" NOT NULL,
    "onDeadline" "ReviewDecision" NOT NULL,
    "deadline" TIMESTAMP(3) NOT NULL,
    "startedById" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "closedAt" TIMESTAMP(3),

    CONSTRAINT "AccessReview_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AccessReviewItem" (
    "id" TEXT NOT NULL,
    "reviewId" TEXT NOT NULL,
    "grantId" TEXT NOT NULL,
    "identityId" TEXT NOT NULL,
    "resourceId" TEXT NOT NULL,
    "assignedToAdmins" BOOLEAN NOT NULL DEFAULT false,
    "decision" "ReviewDecision",
    "decidedById" TEXT,
    "decidedAt" TIMESTAMP(3),
    "comment" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AccessReviewItem_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "_AccessReviewToSystem" (
    "A" TEXT NOT NULL,
    "B" TEXT NOT NULL,

    CONSTRAINT "_AccessReviewToSystem_AB_pkey" PRIMARY KEY ("A","B")
);

-- CreateTable
CREATE TABLE "_AccessReviewToResource" (
    "A" TEXT NOT NULL,
    "B" TEXT NOT NULL,

    CONSTRAINT "_AccessReviewToResource_AB_pkey" PRIMARY KEY ("A","B")
);

-- CreateTable
CREATE TABLE "_ReviewNamedReviewers" (
    "A" TEXT NOT NULL,
    "B" TEXT NOT NULL,

    CONSTRAINT "_ReviewNamedReviewers_AB_pkey" PRIMARY KEY ("A","B")
);

-- CreateTable
CREATE TABLE "_ReviewItemReviewers" (
    "A" TEXT NOT NULL,
    "B" TEXT NOT NULL,

    CONSTRAINT "_ReviewItemReviewers_AB_pkey" PRIMARY KEY ("A","B")
);

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
CREATE INDEX "_AccessReviewToSystem_B_index" ON "_AccessReviewToSystem"("B");

-- CreateIndex
CREATE INDEX "_AccessReviewToResource_B_index" ON "_AccessReviewToResource"("B");

-- CreateIndex
CREATE INDEX "_ReviewNamedReviewers_B_index" ON "_ReviewNamedReviewers"("B");

-- CreateIndex
CREATE INDEX "_ReviewItemReviewers_B_index" ON "_ReviewItemReviewers"("B");

-- CreateIndex
CREATE INDEX "Grant_status_expiresAt_idx" ON "Grant"("status", "expiresAt");

-- CreateIndex
CREATE INDEX "Job_grantId_idx" ON "Job"("grantId");

-- AddForeignKey
ALTER TABLE "RequestItem" ADD CONSTRAINT "RequestItem_extendsGrantId_fkey" FOREIGN KEY ("extendsGrantId") REFERENCES "Grant"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Job" ADD CONSTRAINT "Job_grantId_fkey" FOREIGN KEY ("grantId") REFERENCES "Grant"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccessReview" ADD CONSTRAINT "AccessReview_startedById_fkey" FOREIGN KEY ("startedById") REFERENCES "Identity"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccessReviewItem" ADD CONSTRAINT "AccessReviewItem_reviewId_fkey" FOREIGN KEY ("reviewId") REFERENCES "AccessReview"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccessReviewItem" ADD CONSTRAINT "AccessReviewItem_grantId_fkey" FOREIGN KEY ("grantId") REFERENCES "Grant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccessReviewItem" ADD CONSTRAINT "AccessReviewItem_identityId_fkey" FOREIGN KEY ("identityId") REFERENCES "Identity"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccessReviewItem" ADD CONSTRAINT "AccessReviewItem_resourceId_fkey" FOREIGN KEY ("resourceId") REFERENCES "Resource"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccessReviewItem" ADD CONSTRAINT "AccessReviewItem_decidedById_fkey" FOREIGN KEY ("decidedById") REFERENCES "Identity"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_AccessReviewToSystem" ADD CONSTRAINT "_AccessReviewToSystem_A_fkey" FOREIGN KEY ("A") REFERENCES "AccessReview"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_AccessReviewToSystem" ADD CONSTRAINT "_AccessReviewToSystem_B_fkey" FOREIGN KEY ("B") REFERENCES "System"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_AccessReviewToResource" ADD CONSTRAINT "_AccessReviewToResource_A_fkey" FOREIGN KEY ("A") REFERENCES "AccessReview"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_AccessReviewToResource" ADD CONSTRAINT "_AccessReviewToResource_B_fkey" FOREIGN KEY ("B") REFERENCES "Resource"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_ReviewNamedReviewers" ADD CONSTRAINT "_ReviewNamedReviewers_A_fkey" FOREIGN KEY ("A") REFERENCES "AccessReview"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_ReviewNamedReviewers" ADD CONSTRAINT "_ReviewNamedReviewers_B_fkey" FOREIGN KEY ("B") REFERENCES "Identity"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_ReviewItemReviewers" ADD CONSTRAINT "_ReviewItemReviewers_A_fkey" FOREIGN KEY ("A") REFERENCES "AccessReviewItem"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_ReviewItemReviewers" ADD CONSTRAINT "_ReviewItemReviewers_B_fkey" FOREIGN KEY ("B") REFERENCES "Identity"("id") ON DELETE CASCADE ON UPDATE CASCADE;

