// Lets Prisma 7's CLI run `generate` offline. The CLI resolves a native schema-engine binary
// before any command and downloads it from Prisma's own host when it is missing; `generate` never
// runs it. Naming any existing file stops the download (verified with 7.10), so we name this
// module itself: it always exists where the configs do, and no binary-looking placeholder has to
// be committed. A value the user set (a real engine binary) is kept.
import { fileURLToPath } from "node:url";

export function offlineEngine(): void {
  process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= fileURLToPath(import.meta.url);
}
