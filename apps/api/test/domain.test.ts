// Domain functions on a real SQLite database, without GraphQL: the in-memory visibility check
// of the live feed agrees with the SQL filter of the queries, and a refused transition writes
// nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadDemoOrganisation, type DemoOrganisation, type DemoPerson } from "../src/demo/demo-organisation.ts";
import { openDatabase, type Database } from "../src/db/database.ts";
import { DomainError } from "../src/domain/errors.ts";
import { audienceSelect, canSeeRequest, toAudience, visibleRequestWhere } from "../src/domain/policy/visibility.ts";
import { createRequest } from "../src/domain/requests/request-actions.ts";
import { decideTicket } from "../src/domain/tickets/ticket-actions.ts";
import { authenticateToken, ensureBootstrapAdmin, revokeApiToken } from "../src/domain/tokens/tokens.ts";
import type { Actor } from "../src/domain/work.ts";
import { freshDatabase, type TestDatabase } from "./databases.ts";

let database: TestDatabase;
let db: Database;
let org: DemoOrganisation;
const actor = (who: DemoPerson): Actor => ({ id: org.ids[who], role: who === "admin" ? "ADMIN" : "END_USER" });

beforeAll(async () => {
  database = await freshDatabase();
  db = await openDatabase(database.url);
  org = await loadDemoOrganisation(db);
});
afterAll(async () => {
  await db.close();
  await database.drop();
});

describe("visibility", () => {
  it("gives the same answer in memory (live feed) and in SQL (queries) for every demo identity", async () => {
    const mine = await db.transact((work) =>
      createRequest(work, actor("alice"), { resourceIds: [org.resources.orgOwner], justification: "x" }),
    );
    const ticket = await db.read.ticket.findFirstOrThrow({ where: { requestId: mine.requestId } });
    await db.transact((work) => decideTicket(work, actor("bob"), { ticketId: ticket.id }, "APPROVED"));
    await db.transact((work) =>
      createRequest(work, actor("dave"), { resourceIds: [org.resources.writeAccess], justification: "y" }),
    );
    const requests = await db.read.request.findMany({ select: { id: true, ...audienceSelect } });
    for (const who of ["admin", "bob", "alice", "dave", "carol"] as const) {
      const viewer = actor(who);
      const bySql = new Set(
        (await db.read.request.findMany({ where: visibleRequestWhere(viewer), select: { id: true } })).map((r) => r.id),
      );
      const inMemory = new Set(requests.filter((r) => canSeeRequest(viewer, toAudience(r))).map((r) => r.id));
      expect(inMemory, who).toEqual(bySql);
    }
  });
});

describe("transactions", () => {
  it("leaves no trace of a refused transition", async () => {
    const before = await db.read.auditHead.findUniqueOrThrow({ where: { id: 1 } });
    const counts = async () => [
      await db.read.request.count(),
      await db.read.ticket.count(),
      await db.read.auditEvent.count(),
    ];
    const countsBefore = await counts();
    await expect(
      db.transact((work) =>
        createRequest(work, actor("alice"), {
          resourceIds: [org.resources.writeAccess, "missing"],
          justification: "z",
        }),
      ),
    ).rejects.toBeInstanceOf(DomainError);
    expect(await counts()).toEqual(countsBefore);
    expect(await db.read.auditHead.findUniqueOrThrow({ where: { id: 1 } })).toEqual(before);
  });
});

describe("BOOTSTRAP_ADMIN_TOKEN", () => {
  it("creates admin@localhost with the token once, and changes nothing on the next start", async () => {
    const token = "bootstrap-token-0123456789";
    await db.transact((work) => ensureBootstrapAdmin(work, token));
    const events = await db.read.auditEvent.count();
    await db.transact((work) => ensureBootstrapAdmin(work, token));
    expect(await db.read.auditEvent.count()).toBe(events);
    const viewer = await authenticateToken(db.read, token);
    const admin = await db.read.identity.findUniqueOrThrow({ where: { email: "admin@localhost" } });
    expect(viewer).toMatchObject({ id: admin.id, role: "ADMIN", identity: admin });
  });

  it("leaves a revoked bootstrap token revoked on the next start, and touches nothing else", async () => {
    const token = "bootstrap-token-to-retire-0123456789abcdef";
    expect(await db.transact((work) => ensureBootstrapAdmin(work, token))).toBe("ready");
    const admin = await db.read.identity.findUniqueOrThrow({ where: { email: "admin@localhost" } });
    const issued = await authenticateToken(db.read, token);
    await db.transact((work) =>
      revokeApiToken(work, { id: admin.id, role: "ADMIN" }, { tokenId: issued?.tokenId ?? "" }),
    );
    const events = await db.read.auditEvent.count();
    expect(await db.transact((work) => ensureBootstrapAdmin(work, token))).toBe("revoked");
    expect(await db.read.auditEvent.count()).toBe(events);
    expect(await authenticateToken(db.read, token)).toBeNull();
  });
});
