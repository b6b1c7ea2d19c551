// The HTTP surface: authentication, GraphiQL, health, malformed and abusive requests, query
// errors with extensions.code, node visibility and authorization of queries.
import {
  AdminTickets,
  AuditEvents,
  CreateRequest,
  graphql,
  Groups,
  Identities,
  IdentityDetail,
  IdentityFields,
  IdentityGrants,
  Node,
  RequestDetail,
  Requests,
  Resources,
  Viewer,
} from "@access/contract";
import { rmSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dataOf, gid, present, startTestServer, type TestServer } from "./harness.ts";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

describe("authentication", () => {
  it("answers 401 UNAUTHENTICATED without a token or with a bad one", async () => {
    for (const token of [null, "art_not-a-real-token"]) {
      const res = await t.gql(token, Viewer);
      expect(res.status).toBe(401);
      expect(res.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    }
  });

  it("answers viewer from the row authentication read, the same as reading the identity", async () => {
    // Dave has a manager and a group: the relations Pothos loads by id from that row.
    const id = gid("Identity", t.org.ids.dave);
    const { node } = await dataOf(t.gql(t.org.tokens.admin, IdentityDetail, { id }));
    if (node?.__typename !== "Identity") throw new Error(`not an identity: ${JSON.stringify(node)}`);
    const { __typename, ...identity } = node;
    const { viewer } = await dataOf(t.gql(t.org.tokens.dave, Viewer));
    const { manager, groups, ...fields } = identity;
    expect(viewer).toEqual(fields);
    // A probe, not an operation of the product (the dashboard's Viewer reads no relation).
    const withRelations = graphql(
      `
        query ViewerRelationsProbe {
          viewer {
            ...IdentityFields
          }
        }
      `,
      [IdentityFields],
    );
    expect((await dataOf(t.gql(t.org.tokens.dave, withRelations))).viewer).toEqual(identity);
    expect(manager?.displayName).toBe("Bob Manager");
    expect(groups.map((g) => g.name)).toEqual(["IT Fulfillers"]);
  });

  it("serves the self-contained GraphiQL page without a token", async () => {
    const res = await fetch(`${t.url}/graphql`, { headers: { accept: "text/html" } });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("GraphiQL");
    expect(html).not.toMatch(/unpkg\.com|jsdelivr/);
  });
});

describe("health", () => {
  it("reports liveness and readiness", async () => {
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${t.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "ready" });
  });
});

describe("bad requests", () => {
  const post = (body: string) =>
    fetch(`${t.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${t.org.tokens.alice}` },
      body,
    });

  it("answers 400 to malformed JSON without leaking internals", async () => {
    const res = await post("{not json");
    expect(res.status).toBe(400);
    expect(await res.text()).not.toContain("originalError");
  });

  it("answers 400 to a query nested too deep or with too many aliases", async () => {
    const deep = `{ viewer ${"{ manager ".repeat(16)}{ id }${" }".repeat(16)} }`;
    const res = await post(JSON.stringify({ query: deep }));
    expect(res.status).toBe(400);
    const aliases = `{ ${Array.from({ length: 40 }, (_, i) => `a${i}: viewer { id }`).join(" ")} }`;
    expect((await post(JSON.stringify({ query: aliases }))).status).toBe(400);
  });

  it("refuses bodies over the size limit with 413", async () => {
    const res = await post(JSON.stringify({ query: `{ viewer { id } }`, pad: "x".repeat(1_100_000) }));
    expect(res.status).toBe(413);
  });

  it("refuses page sizes outside 1..100 with VALIDATION", async () => {
    for (const first of [0, 101, -1]) {
      const res = await t.gql(t.org.tokens.alice, Requests, { first });
      expect(res.errors?.[0]?.extensions?.code).toBe("VALIDATION");
    }
  });

  it("answers null to lookups by ids that name nothing: malformed, wrongly typed or unknown", async () => {
    for (const id of ["%%%", gid("Ticket", "x"), gid("Request", "nope")]) {
      expect(await dataOf(t.gql(t.org.tokens.alice, RequestDetail, { id }))).toEqual({ request: null });
      expect(await dataOf(t.gql(t.org.tokens.alice, Node, { id }))).toEqual({ node: null });
    }
  });

  it("answers a bad cursor with VALIDATION, not an internal error", async () => {
    const res = await t.gql(t.org.tokens.alice, Requests, { after: "garbage" });
    expect(res.errors?.[0]?.extensions?.code).toBe("VALIDATION");
  });
});

describe("search", () => {
  it("finds resources by name or system, whatever the case", async () => {
    const byName = await dataOf(t.gql(t.org.tokens.alice, Resources, { search: "write ACCESS" }));
    expect(byName.resources.totalCount).toBe(1);
    expect(byName.resources.edges.map((e) => e.node.name)).toEqual(["GitHub Write Access"]);
    const bySystem = await dataOf(t.gql(t.org.tokens.alice, Resources, { search: "github" }));
    expect(bySystem.resources.totalCount).toBe(2);
  });
});

describe("authorization of queries", () => {
  it("keeps the audit trail, the directory lists and others' grants from end users (FORBIDDEN)", async () => {
    const refusals = await Promise.all([
      t.gql(t.org.tokens.alice, AuditEvents),
      t.gql(t.org.tokens.alice, Identities),
      t.gql(t.org.tokens.alice, Groups),
      t.gql(t.org.tokens.alice, IdentityGrants, { id: gid("Identity", t.org.ids.bob) }),
    ]);
    expect(refusals.map((res) => res.errors?.[0]?.extensions?.code)).toEqual([
      "FORBIDDEN",
      "FORBIDDEN",
      "FORBIDDEN",
      "FORBIDDEN",
    ]);
  });

  it("shows end users only their own requests, in lists, by id and through node()", async () => {
    const { createRequest } = await dataOf(
      t.gql(t.org.tokens.dave, CreateRequest, {
        input: { resourceIds: [gid("Resource", t.org.resources.writeAccess)], justification: "build bot" },
      }),
    );
    const id = present(createRequest.request, "the created request").id;
    /** What `token` sees of the request: by id, through node(), and how many requests and tickets it lists. */
    const seen = async (token: string) => {
      const [byId, node, requests, tickets] = await Promise.all([
        dataOf(t.gql(token, RequestDetail, { id })),
        dataOf(t.gql(token, Node, { id })),
        dataOf(t.gql(token, Requests)),
        dataOf(t.gql(token, AdminTickets)),
      ]);
      return {
        request: byId.request?.id ?? null,
        node: node.node,
        requests: requests.requests.totalCount,
        tickets: tickets.tickets.totalCount,
      };
    };
    expect(await seen(t.org.tokens.carol)).toEqual({ request: null, node: null, requests: 0, tickets: 0 });
    expect(await seen(t.org.tokens.bob)).toMatchObject({ request: id, node: { __typename: "Request", id } });
    const asAdmin = await seen(t.org.tokens.admin);
    expect(asAdmin.request).toBe(id);
    expect(asAdmin.requests).toBeGreaterThanOrEqual(1);
  });
});

describe("readiness without a database", () => {
  it("answers 503 'database unreachable' to anyone, and logs the driver's reason", async () => {
    const lines: { level: number; msg: string; err?: { message?: string } }[] = [];
    const logger = pino({ level: "warn" }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const own = await startTestServer({ logger });
    try {
      expect((await fetch(`${own.url}/readyz`)).status).toBe(200);
      if (own.server.db.provider === "sqlite") {
        // SQLite: the file's folder goes away and the read connection must open it again.
        const file =
          (await own.server.db.read.$queryRawUnsafe<{ file: string }[]>("PRAGMA database_list"))[0]?.file ?? "";
        rmSync(path.dirname(file), { recursive: true, force: true });
        await own.server.db.read.$disconnect();
      } else {
        // PostgreSQL: the database itself is dropped under the running instance.
        const name = (
          await own.server.db.read.$queryRawUnsafe<{ name: string }[]>("SELECT current_database() AS name")
        )[0]?.name;
        const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
        await admin.connect();
        await admin.query(`DROP DATABASE "${name}" WITH (FORCE)`);
        await admin.end();
      }
      const res = await fetch(`${own.url}/readyz`);
      expect(res.status).toBe(503);
      // Exactly these words (and Redis's state, when the suite runs with Redis): no driver text.
      const { redis: _redis, ...body } = (await res.json()) as Record<string, unknown>;
      expect(body).toEqual({ status: "not ready", database: "database unreachable" });
      const logged = lines.find((line) => line.msg === "readiness: the database does not answer");
      expect(logged?.err?.message).toBeTruthy();
    } finally {
      await own.close().catch(() => undefined);
    }
  });
});
