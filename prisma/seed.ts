// `npm run seed:demo`: the demo organisation of the product's story ("An employee requests
// GitHub Write Access. The manager approves, a fulfillment ticket is completed, and the request
// is marked fulfilled."). Written through the domain functions, so every row is audited, and
// safe to run twice: what exists is kept, and each run prints fresh tokens.
import { loadConfig } from "../apps/api/src/config.ts";
import { openDatabase } from "../apps/api/src/db/database.ts";
import { createResource, createSystem } from "../apps/api/src/domain/catalog/catalog.ts";
import { createGroup, createIdentity } from "../apps/api/src/domain/directory/directory.ts";
import { toGlobalId } from "../apps/api/src/domain/global-id.ts";
import { issueApiToken } from "../apps/api/src/domain/tokens/tokens.ts";

const people = [
  { key: "admin", email: "erin.admin@example.com", displayName: "Erin Admin", role: "ADMIN" as const },
  { key: "bob", email: "bob.manager@example.com", displayName: "Bob Manager", role: "END_USER" as const },
  { key: "alice", email: "alice@example.com", displayName: "Alice Employee", role: "END_USER" as const, manager: "bob" },
  { key: "dave", email: "dave.it@example.com", displayName: "Dave Fulfiller", role: "END_USER" as const, manager: "bob" },
  { key: "carol", email: "carol.security@example.com", displayName: "Carol Security", role: "END_USER" as const },
];

const config = loadConfig();
const db = await openDatabase(config.databaseUrl);
try {
  const summary = await db.transact(async (work) => {
    const ids = new Map<string, string>();
    for (const person of people) {
      const existing = await work.tx.identity.findUnique({ where: { email: person.email }, select: { id: true } });
      const managerId = person.manager ? ids.get(person.manager) : null;
      ids.set(
        person.key,
        existing?.id ??
          (await createIdentity(work, null, { email: person.email, displayName: person.displayName, role: person.role, managerId })),
      );
    }
    const id = (key: string) => ids.get(key) ?? "";

    const fulfillers =
      (await work.tx.group.findUnique({ where: { name: "IT Fulfillers" }, select: { id: true } }))?.id ??
      (await createGroup(work, null, { name: "IT Fulfillers", description: "Works manual fulfillment tickets", memberIds: [id("dave")] }));

    const github =
      (await work.tx.system.findUnique({ where: { name: "GitHub" }, select: { id: true } }))?.id ??
      (await createSystem(work, null, {
        name: "GitHub",
        description: "The company's GitHub organisation",
        connector: "MANUAL",
        fulfillersGroupId: fulfillers,
      }));

    const resource = async (name: string, create: () => Promise<string>) =>
      (await work.tx.resource.findFirst({ where: { systemId: github, name }, select: { id: true } }))?.id ?? (await create());
    const writeAccess = await resource("GitHub Write Access", () =>
      createResource(work, null, {
        systemId: github,
        name: "GitHub Write Access",
        description: "Push to the company's repositories",
        sensitivity: "STANDARD",
      }),
    );
    const orgOwner = await resource("GitHub Organisation Owner", () =>
      createResource(work, null, {
        systemId: github,
        name: "GitHub Organisation Owner",
        description: "Administer the whole organisation",
        sensitivity: "PRIVILEGED",
        approvalSteps: [{ kind: "MANAGER" }, { kind: "EXPLICIT", approverIds: [id("carol")] }],
        requiresFulfillmentEvidence: true,
      }),
    );

    const tokens: { who: string; email: string; token: string }[] = [];
    for (const person of people) {
      const token = await issueApiToken(work, null, { identityId: id(person.key), name: "seed:demo" });
      tokens.push({ who: person.displayName, email: person.email, token });
    }
    return { tokens, resources: { writeAccess, orgOwner } };
  });

  console.log("Demo organisation loaded. API tokens (shown once):\n");
  for (const t of summary.tokens) console.log(`  ${t.who.padEnd(16)} ${t.email.padEnd(28)} ${t.token}`);
  console.log(`\nGitHub Write Access:       ${toGlobalId("Resource", summary.resources.writeAccess)}`);
  console.log(`GitHub Organisation Owner: ${toGlobalId("Resource", summary.resources.orgOwner)}`);
  console.log("\nOpen http://127.0.0.1:4000/graphql and send a token as the Authorization header: Bearer <token>");
} finally {
  await db.close();
}
