-- AlterTable
ALTER TABLE "Identity" ADD COLUMN "externalId" TEXT;
ALTER TABLE "Identity" ADD COLUMN "familyName" TEXT;
ALTER TABLE "Identity" ADD COLUMN "givenName" TEXT;

-- AlterTable
ALTER TABLE "Group" ADD COLUMN "externalId" TEXT;

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_ApiToken" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "identityId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "scope" TEXT NOT NULL DEFAULT 'API',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" DATETIME,
    "expiresAt" DATETIME,
    "revokedAt" DATETIME,
    CONSTRAINT "ApiToken_identityId_fkey" FOREIGN KEY ("identityId") REFERENCES "Identity" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
INSERT INTO "new_ApiToken" ("createdAt", "expiresAt", "id", "identityId", "lastUsedAt", "name", "revokedAt", "tokenHash") SELECT "createdAt", "expiresAt", "id", "identityId", "lastUsedAt", "name", "revokedAt", "tokenHash" FROM "ApiToken";
DROP TABLE "ApiToken";
ALTER TABLE "new_ApiToken" RENAME TO "ApiToken";
CREATE UNIQUE INDEX "ApiToken_tokenHash_key" ON "ApiToken"("tokenHash");
CREATE INDEX "ApiToken_identityId_idx" ON "ApiToken"("identityId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "Identity_externalId_idx" ON "Identity"("externalId");

-- CreateIndex
CREATE INDEX "Group_externalId_idx" ON "Group"("externalId");

