// The HTTP surface: authentication, GraphiQL, health, malformed and abusive requests, query
// errors with extensions.code, node visibility and authorization of queries.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gid, startTestServer, type TestServer } from "./harness.ts";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

describe("authentication", () => {
  it("answers 401 UNAUTHENTICATED without a token or with a bad one", async () => {
    for (const token of [null, "art_not-a-real-token"]) {
      const res = await t.gql(token, `{ viewer { id } }`);
      expect(res.status).toBe(401);
      expect(res.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    }
  });

  it("answers viewer from the row authentication read, the same as reading the identity", async () => {
    const fields = `id email displayName role active createdAt manager { displayName } groups { name }`;
    const viewer = await t.gql(t.org.tokens.alice, `{ viewer { ${fields} } }`);
    const node = await t.gql(
      t.org.tokens.admin,
      `query($id: ID!) { node(id: $id) { ... on Identity { ${fields} } } }`,
      {
        id: gid("Identity", t.org.ids.alice),
      },
    );
    expect(viewer.errors).toBeUndefined();
    expect(viewer.data?.viewer).toEqual(node.data?.node);
    expect(viewer.data?.viewer.manager.displayName).toBeTruthy();
    expect(viewer.data?.viewer.groups.length).toBeGreaterThanOrEqual(0);
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
      const res = await t.gql(t.org.tokens.alice, `query($first: Int) { requests(first: $first) { totalCount } }`, {
        first,
      });
      expect(res.errors?.[0]?.extensions?.code).toBe("VALIDATION");
    }
  });

  it("answers malformed and wrongly typed ids in queries with VALIDATION, and unknown ones with null", async () => {
    expect((await t.gql(t.org.tokens.alice, `{ request(id: "%%%") { id } }`)).errors?.[0]?.extensions?.code).toBe(
      "VALIDATION",
    );
    const wrongType = await t.gql(t.org.tokens.alice, `query($id: ID!) { request(id: $id) { id } }`, {
      id: gid("Ticket", "x"),
    });
    expect(wrongType.errors?.[0]?.extensions).toMatchObject({ code: "VALIDATION", field: ["id"] });
    const unknown = await t.gql(
      t.org.tokens.alice,
      `query($id: ID!) { request(id: $id) { id } node(id: $id) { id } }`,
      { id: gid("Request", "nope") },
    );
    expect(unknown.errors).toBeUndefined();
    expect(unknown.data).toEqual({ request: null, node: null });
  });

  it("answers a bad cursor with VALIDATION, not an internal error", async () => {
    const res = await t.gql(t.org.tokens.alice, `{ requests(after: "garbage") { totalCount } }`);
    expect(res.errors?.[0]?.extensions?.code).toBe("VALIDATION");
  });
});

describe("search", () => {
  it("finds resources by name or system, whatever the case", async () => {
    const byName = await t.gql(
      t.org.tokens.alice,
      `{ resources(search: "write ACCESS") { totalCount edges { node { name } } } }`,
    );
    expect(byName.data?.resources).toEqual({ totalCount: 1, edges: [{ node: { name: "GitHub Write Access" } }] });
    const bySystem = await t.gql(t.org.tokens.alice, `{ resources(search: "github") { totalCount } }`);
    expect(bySystem.data?.resources.totalCount).toBe(2);
  });
});

describe("authorization of queries", () => {
  it("keeps the audit trail, the directory lists and others' grants from end users (FORBIDDEN)", async () => {
    for (const query of [
      `{ auditEvents { totalCount } }`,
      `{ identities { totalCount } }`,
      `{ groups { totalCount } }`,
    ]) {
      expect((await t.gql(t.org.tokens.alice, query)).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    }
    const grants = await t.gql(
      t.org.tokens.alice,
      `query($id: ID!) { node(id: $id) { ... on Identity { grants { totalCount } } } }`,
      {
        id: gid("Identity", t.org.ids.bob),
      },
    );
    expect(grants.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });

  it("shows end users only their own requests, in lists, by id and through node()", async () => {
    const created = await t.gql(
      t.org.tokens.dave,
      `mutation($input: CreateRequestInput!) { createRequest(input: $input) { request { id } } }`,
      {
        input: { resourceIds: [gid("Resource", t.org.resources.writeAccess)], justification: "build bot" },
      },
    );
    const id = created.data?.createRequest.request.id;
    const asCarol = await t.gql(
      t.org.tokens.carol,
      `query($id: ID!) { request(id: $id) { id } node(id: $id) { id } requests { totalCount } tickets { totalCount } }`,
      { id },
    );
    expect(asCarol.data).toEqual({
      request: null,
      node: null,
      requests: { totalCount: 0 },
      tickets: { totalCount: 0 },
    });
    const asBob = await t.gql(t.org.tokens.bob, `query($id: ID!) { request(id: $id) { id } node(id: $id) { id } }`, {
      id,
    });
    expect(asBob.data).toEqual({ request: { id }, node: { id } });
    const asAdmin = await t.gql(
      t.org.tokens.admin,
      `query($id: ID!) { request(id: $id) { id } requests { totalCount } }`,
      { id },
    );
    expect(asAdmin.data?.request).toEqual({ id });
    expect(asAdmin.data?.requests.totalCount).toBeGreaterThanOrEqual(1);
  });
});
