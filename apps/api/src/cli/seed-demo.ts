// `npm run seed:demo`: loads the demo organisation into the configured database and prints one
// API token per demo identity.
import { loadConfig } from "../config.ts";
import { openDatabase } from "../db/database.ts";
import { toGlobalId } from "../domain/global-id.ts";
import { loadDemoOrganisation } from "../demo/demo-organisation.ts";

const config = loadConfig();
const db = await openDatabase(config.databaseUrl);
try {
  const org = await loadDemoOrganisation(db);
  console.log("Demo organisation loaded. API tokens (shown once):\n");
  for (const person of org.people) {
    console.log(`  ${person.displayName.padEnd(16)} ${person.email.padEnd(28)} ${org.tokens[person.key]}`);
  }
  console.log(`\nGitHub Write Access:       ${toGlobalId("Resource", org.resources.writeAccess)}`);
  console.log(`GitHub Organisation Owner: ${toGlobalId("Resource", org.resources.orgOwner)}`);
  const host = config.host.includes(":") ? `[${config.host}]` : config.host;
  console.log(
    `\nOpen http://${host}:${config.port}/ (the dashboard) or http://${host}:${config.port}/graphql and send a token as the Authorization header: Bearer <token>`,
  );
} finally {
  await db.close();
}
