-- CreateEnum
CREATE TYPE "TokenScope" AS ENUM ('API', 'SCIM');

-- AlterTable
ALTER TABLE "Identity" ADD COLUMN     "externalId" TEXT,
ADD COLUMN     "familyName" TEXT,
ADD COLUMN     "givenName" TEXT;

-- AlterTable
ALTER TABLE "Group" ADD COLUMN     "externalId" TEXT;

-- AlterTable
ALTER TABLE "ApiToken" ADD COLUMN     "scope" "TokenScope" NOT NULL DEFAULT 'API';

-- CreateIndex
CREATE INDEX "Identity_externalId_idx" ON "Identity"("externalId");

-- CreateIndex
CREATE INDEX "Group_externalId_idx" ON "Group"("externalId");

