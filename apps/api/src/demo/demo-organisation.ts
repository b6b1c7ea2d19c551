// The demo organisation of the product's story ("An employee requests
// GitHub Write Access. The manager approves, a fulfillment ticket is completed, and the request
// is marked fulfilled."). Written through the domain functions, so every row is audited, and
// safe to run twice: what exists is kept, and each run prints fresh tokens.
import type { Database } from "../db/database.ts";
import { createResource, createSystem } from "../domain/catalog/catalog.ts";
import { createGroup, createIdentity } from "../domain/directory/directory.ts";
import { issueApiToken } from "../domain/tokens/tokens.ts";

export type DemoPerson = "admin" | "bob" | "alice" | "dave" | "carol";

const people: {
  key: DemoPerson;
  email: string;
  displayName: string;
  role: "ADMIN" | "END_USER";
  manager?: DemoPerson;
}[] = [
  { key: "admin", email: "erin.admin@example.com", displayName: "Erin Admin", role: "ADMIN" },
  { key: "bob", email: "bob.manager@example.com", displayName: "Bob Manager", role: "END_USER" },
  { key: "alice", email: "alice@example.com", displayName: "Alice Employee", role: "END_USER", manager: "bob" },
  { key: "dave", email: "dave.it@example.com", displayName: "Dave Fulfiller", role: "END_USER", manager: "bob" },
  { key: "carol", email: "carol.security@example.com", displayName: "Carol Security", role: "END_USER" },
];

export interface DemoOrganisation {
  ids: Record<DemoPerson, string>;
  tokens: Record<DemoPerson, string>;
  people: typeof people;
  fulfillersGroupId: string;
  githubSystemId: string;
  resources: { writeAccess: string; orgOwner: string };
}

/** Loads (or completes) the demo organisation and issues one fresh token per person. */
export function loadDemoOrganisation(db: Database): Promise<DemoOrganisation> {
  return db.transact(async (work) => {
    const ids = new Map<DemoPerson, string>();
    for (const person of people) {
      const existing = await work.tx.identity.findUnique({ where: { email: person.email }, select: { id: true } });
      const managerId = person.manager ? ids.get(person.manager) : null;
      ids.set(
        person.key,
        existing?.id ??
          (await createIdentity(work, null, {
            email: person.email,
            displayName: person.displayName,
            role: person.role,
            managerId,
          })),
      );
    }
    const id = (key: DemoPerson) => ids.get(key) ?? "";

    const fulfillers =
      (await work.tx.group.findUnique({ where: { name: "IT Fulfillers" }, select: { id: true } }))?.id ??
      (await createGroup(work, null, {
        name: "IT Fulfillers",
        description: "Works manual fulfillment tickets",
        memberIds: [id("dave")],
      }));

    const github =
      (await work.tx.system.findUnique({ where: { name: "GitHub" }, select: { id: true } }))?.id ??
      (await createSystem(work, null, {
        name: "GitHub",
        description: "The company's GitHub organisation",
        connector: "MANUAL",
        fulfillersGroupId: fulfillers,
      }));

    const resource = async (name: string, create: () => Promise<string>) =>
      (await work.tx.resource.findFirst({ where: { systemId: github, name }, select: { id: true } }))?.id ??
      (await create());
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

    const tokens = {} as Record<DemoPerson, string>;
    for (const person of people) {
      tokens[person.key] = (await issueApiToken(work, null, { identityId: id(person.key), name: "seed:demo" })).token;
    }
    return {
      ids: Object.fromEntries(ids) as Record<DemoPerson, string>,
      tokens,
      people,
      fulfillersGroupId: fulfillers,
      githubSystemId: github,
      resources: { writeAccess, orgOwner },
    };
  });
}
