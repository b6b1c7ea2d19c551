// The inbound SCIM 2.0 service at /scim/v2 over real HTTP, as Okta and Entra ID call it (the
// request shapes their documentation gives): users created, found by filter, renamed, given a
// manager, deactivated (their API tokens and live connections end at once) and deleted (which
// deactivates); groups created, renamed, given and relieved of members, deleted unless something
// depends on them. Also: SCIM tokens and API tokens each refused where the other belongs,
// filters, paging, uniqueness, discovery, bad input that changes nothing, and the audit event
// of every change.
import {
  CreateIdentity,
  IdentityDetail,
  IssueApiToken,
  IssueScimToken,
  RevokeApiToken,
  UpdateIdentity,
  Viewer,
} from "@access/contract";
import type { Client as WsClient } from "graphql-ws";
import { createRequest } from "../src/domain/requests/request-actions.ts";
import { decideTicket, fulfillTicket } from "../src/domain/tickets/ticket-actions.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codes, dataOf, gid, present, startTestServer, type TestServer } from "./harness.ts";

const CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const ERROR = "urn:ietf:params:scim:api:messages:2.0:Error";

let t: TestServer;
let scimToken = "";
let scimTokenId = "";

/** What a SCIM answer carried. */
interface ScimAnswer {
  status: number;
  type: string | null;
  location: string | null;
  body: Record<string, unknown>;
}

async function scim(
  method: string,
  path: string,
  body?: unknown,
  options: { token?: string | null; contentType?: string } = {},
): Promise<ScimAnswer> {
  const token = options.token === undefined ? scimToken : options.token;
  const res = await fetch(`${t.url}/scim/v2${path}`, {
    method,
    headers: {
      accept: "application/scim+json",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { "content-type": options.contentType ?? "application/scim+json" }),
    },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    type: res.headers.get("content-type"),
    location: res.headers.get("location"),
    body: text === "" ? {} : (JSON.parse(text) as Record<string, unknown>),
  };
}

const patch = (operations: unknown[]) => ({ schemas: [PATCH_OP], Operations: operations });
const filterUsers = (filter: string) => scim("GET", `/Users?filter=${encodeURIComponent(filter)}`);
const resources = (answer: ScimAnswer) => answer.body.Resources as Record<string, unknown>[];

/** The SCIM error an answer must be. */
function expectError(answer: ScimAnswer, status: number, scimType?: string): void {
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);
  expect(answer.type).toContain("application/scim+json");
  expect(answer.body).toMatchObject({ schemas: [ERROR], status: String(status) });
  if (scimType) expect(answer.body.scimType).toBe(scimType);
  expect(typeof answer.body.detail).toBe("string");
}

/** The audit events written after `sequence`: the trail's own record of what SCIM changed. */
async function eventsAfter(sequence: number) {
  const rows = await t.server.db.read.auditEvent.findMany({
    where: { sequence: { gt: sequence } },
    orderBy: { sequence: "asc" },
  });
  return rows.map((row) => ({
    action: row.action,
    actorId: row.actorId,
    data: JSON.parse(row.data) as Record<string, unknown>,
  }));
}

const lastSequence = async () =>
  (await t.server.db.read.auditEvent.findFirst({ orderBy: { sequence: "desc" }, select: { sequence: true } }))
    ?.sequence ?? 0;

/** Every event after `sequence` is a configuration change by the token's admin, marked as SCIM's. */
async function expectScimEvents(sequence: number, changes: { entity: string; change: string }[]) {
  const events = await eventsAfter(sequence);
  expect(events.map((e) => ({ entity: e.data.entity, change: e.data.change }))).toEqual(changes);
  for (const event of events) {
    expect(event).toMatchObject({
      action: "CONFIG_CHANGED",
      actorId: t.org.ids.admin,
      data: { source: "SCIM", tokenId: scimTokenId },
    });
  }
  return events;
}

async function issueScimToken(token: string, name: string) {
  return (await dataOf(t.gql(token, IssueScimToken, { input: { name } }))).issueScimToken;
}

/** An API token for an identity (by its global id, which is also its SCIM id). */
async function apiTokenFor(identityId: string): Promise<string> {
  const { issueApiToken } = await dataOf(
    t.gql(t.org.tokens.admin, IssueApiToken, { input: { identityId, name: "laptop" } }),
  );
  return present(issueApiToken.token, "the API token");
}

/** A graphql-ws connection that is up; `closed` resolves with its close code. */
async function liveConnection(token: string): Promise<{ client: WsClient; closed: Promise<number> }> {
  const client = t.ws(token);
  const closed = new Promise<number>((resolve) =>
    client.on("closed", (event) => resolve((event as { code: number }).code)),
  );
  await Promise.race([new Promise((resolve) => client.on("connected", resolve)), closed]);
  return { client, closed };
}

beforeAll(async () => {
  t = await startTestServer();
  const issued = await issueScimToken(t.org.tokens.admin, "Okta");
  expect(issued.errors).toEqual([]);
  scimToken = present(issued.token, "the SCIM token");
  const metadata = present(issued.apiToken, "the SCIM token's metadata");
  expect(metadata.scope).toBe("SCIM");
  scimTokenId = metadata.id;
});
afterAll(() => t.close());

describe("SCIM tokens", () => {
  it("are issued by admins only", async () => {
    const refused = await issueScimToken(t.org.tokens.alice, "mine");
    expect(refused.token).toBeNull();
    expect(codes(refused.errors)).toEqual(["FORBIDDEN"]);
  });

  it("refuses requests without a token, with a bad token, and with API tokens (even an admin's)", async () => {
    for (const token of [null, "art_never-issued", t.org.tokens.alice, t.org.tokens.admin]) {
      const answer = await scim("GET", "/Users", undefined, { token });
      expectError(answer, 401);
    }
  });

  it("is refused on /graphql, on the audit export and on the WebSocket", async () => {
    const graphql = await t.gql(scimToken, Viewer);
    expect(graphql.status).toBe(401);
    expect(graphql.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    const exported = await fetch(`${t.url}/audit/export.jsonl`, { headers: { authorization: `Bearer ${scimToken}` } });
    expect(exported.status).toBe(401);
    const { closed } = await liveConnection(scimToken);
    expect(await closed).toBe(4403);
  });

  it("stops working once revoked with revokeApiToken", async () => {
    const issued = await issueScimToken(t.org.tokens.admin, "Entra ID (to revoke)");
    const token = present(issued.token, "the token");
    expect((await scim("GET", "/ServiceProviderConfig", undefined, { token })).status).toBe(200);
    const tokenId = present(issued.apiToken, "its metadata").id;
    const { revokeApiToken } = await dataOf(t.gql(t.org.tokens.admin, RevokeApiToken, { input: { tokenId } }));
    expect(revokeApiToken.errors).toEqual([]);
    expectError(await scim("GET", "/ServiceProviderConfig", undefined, { token }), 401);
  });
});

describe("the admin a SCIM token belongs to", () => {
  it("cannot be deactivated through their own token, and nothing changes", async () => {
    const admin = gid("Identity", t.org.ids.admin);
    const before = await lastSequence();
    expectError(await scim("PATCH", `/Users/${admin}`, patch([{ op: "replace", value: { active: false } }])), 400);
    expectError(await scim("DELETE", `/Users/${admin}`), 400);
    expect(await eventsAfter(before)).toEqual([]);
    expect((await scim("GET", `/Users/${admin}`)).body.active).toBe(true);
  });

  it("ends the token's use when they stop being an admin", async () => {
    const { createIdentity } = await dataOf(
      t.gql(t.org.tokens.admin, CreateIdentity, {
        input: { email: "second.admin@example.com", displayName: "Second Admin", role: "ADMIN" },
      }),
    );
    const secondAdmin = present(createIdentity.identity, "the second admin").id;
    const issued = await issueScimToken(await apiTokenFor(secondAdmin), "Entra ID");
    const token = present(issued.token, "their SCIM token");
    expect((await scim("GET", "/Users?count=1", undefined, { token })).status).toBe(200);
    const { updateIdentity } = await dataOf(
      t.gql(t.org.tokens.admin, UpdateIdentity, { input: { identityId: secondAdmin, role: "END_USER" } }),
    );
    expect(updateIdentity.errors).toEqual([]);
    expectError(await scim("GET", "/Users?count=1", undefined, { token }), 403);
  });
});

describe("discovery", () => {
  it("describes the service: PATCH and filters yes; bulk, sorting and ETags no; bearer tokens", async () => {
    const config = await scim("GET", "/ServiceProviderConfig");
    expect(config.status).toBe(200);
    expect(config.type).toContain("application/scim+json");
    expect(config.body).toMatchObject({
      patch: { supported: true },
      bulk: { supported: false },
      filter: { supported: true, maxResults: 100 },
      sort: { supported: false },
      etag: { supported: false },
      authenticationSchemes: [expect.objectContaining({ type: "oauthbearertoken" })],
    });
  });

  it("lists the schemas and resource types, and answers each by its id", async () => {
    const schemas = await scim("GET", "/Schemas");
    expect(resources(schemas).map((s) => s.id)).toEqual([CORE_USER, ENTERPRISE, CORE_GROUP]);
    const user = await scim("GET", `/Schemas/${CORE_USER}`);
    expect((user.body.attributes as { name: string }[]).map((a) => a.name)).toContain("userName");
    const types = await scim("GET", "/ResourceTypes");
    expect(resources(types).map((r) => [r.name, r.endpoint])).toEqual([
      ["User", "/Users"],
      ["Group", "/Groups"],
    ]);
    expect((await scim("GET", "/ResourceTypes/Group")).body.schema).toBe(CORE_GROUP);
    expectError(await scim("GET", "/Schemas/urn:nothing"), 404);
  });
});

describe("Okta's requests", () => {
  let userId = "";

  it("looks a user up by userName, creates them, and reads them back", async () => {
    const missing = await scim(
      "GET",
      `/Users?filter=${encodeURIComponent('userName eq "ola.okta@example.com"')}&startIndex=1&count=100`,
    );
    expect(missing.body).toMatchObject({ totalResults: 0, Resources: [] });
    const before = await lastSequence();
    const created = await scim("POST", "/Users", {
      schemas: [CORE_USER],
      userName: "Ola.Okta@example.com",
      name: { givenName: "Ola", familyName: "Okta" },
      emails: [{ primary: true, value: "ola.okta@example.com", type: "work" }],
      displayName: "Ola Okta",
      locale: "en-US",
      externalId: "00u1okta",
      groups: [],
      password: "never-stored-1!",
      active: true,
    });
    expect(created.status).toBe(201);
    expect(created.type).toContain("application/scim+json");
    userId = String(created.body.id);
    expect(created.location).toBe(`${t.url}/scim/v2/Users/${userId}`);
    expect(created.body).toMatchObject({
      schemas: [CORE_USER],
      userName: "ola.okta@example.com",
      externalId: "00u1okta",
      displayName: "Ola Okta",
      name: { givenName: "Ola", familyName: "Okta", formatted: "Ola Okta" },
      active: true,
      emails: [{ value: "ola.okta@example.com", type: "work", primary: true }],
      meta: { resourceType: "User", location: created.location },
    });
    expect(JSON.stringify(created.body)).not.toContain("never-stored");
    const [event] = await expectScimEvents(before, [{ entity: "Identity", change: "created" }]);
    expect(event?.data).toMatchObject({ entityId: userId, email: "ola.okta@example.com", externalId: "00u1okta" });
    const found = await filterUsers('userName eq "ola.okta@example.com"');
    expect(found.body).toMatchObject({ totalResults: 1, startIndex: 1, itemsPerPage: 1 });
    expect(resources(found)[0]).toEqual(created.body);
    expect((await scim("GET", `/Users/${userId}`)).body).toEqual(created.body);
  });

  it("updates a profile with PUT, and writes nothing when nothing changed", async () => {
    const body = {
      schemas: [CORE_USER],
      id: userId,
      userName: "ola.okta@example.com",
      name: { givenName: "Ola", familyName: "Okta-Berg" },
      displayName: "Ola Okta-Berg",
      active: true,
    };
    let before = await lastSequence();
    const replaced = await scim("PUT", `/Users/${userId}`, body);
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({
      displayName: "Ola Okta-Berg",
      name: { familyName: "Okta-Berg" },
      externalId: "00u1okta",
    });
    const [event] = await expectScimEvents(before, [{ entity: "Identity", change: "updated" }]);
    expect(event?.data).toMatchObject({ familyName: "Okta-Berg", displayName: "Ola Okta-Berg" });
    before = await lastSequence();
    expect((await scim("PUT", `/Users/${userId}`, body)).status).toBe(200);
    expect(await eventsAfter(before)).toEqual([]);
  });

  it("deactivates with a path-less replace of { active: false }; the person's API token and live connection end at once", async () => {
    const token = await apiTokenFor(userId);
    expect((await t.gql(token, Viewer)).status).toBe(200);
    const live = await liveConnection(token);
    const before = await lastSequence();
    const answer = await scim("PATCH", `/Users/${userId}`, patch([{ op: "replace", value: { active: false } }]));
    expect(answer.status).toBe(200);
    expect(answer.body.active).toBe(false);
    const [event] = await expectScimEvents(before, [{ entity: "Identity", change: "updated" }]);
    expect(event?.data).toMatchObject({ entityId: userId, active: false });
    const refused = await t.gql(token, Viewer);
    expect(refused.status).toBe(401);
    expect(await live.closed).toBe(4403);
  });

  it("reactivates with { active: true }, and the identity signs in again", async () => {
    const answer = await scim("PATCH", `/Users/${userId}`, patch([{ op: "replace", value: { active: true } }]));
    expect(answer.body.active).toBe(true);
    expect((await t.gql(await apiTokenFor(userId), Viewer)).status).toBe(200);
  });

  it("pushes a group, adds a member, removes them by a value filter, and renames the group", async () => {
    let before = await lastSequence();
    const created = await scim("POST", "/Groups", {
      schemas: [CORE_GROUP],
      displayName: "Okta Engineers",
      members: [],
    });
    expect(created.status).toBe(201);
    const groupId = String(created.body.id);
    expect(created.body).toMatchObject({ schemas: [CORE_GROUP], displayName: "Okta Engineers", members: [] });
    await expectScimEvents(before, [{ entity: "Group", change: "created" }]);

    before = await lastSequence();
    const added = await scim(
      "PATCH",
      `/Groups/${groupId}`,
      patch([{ op: "add", path: "members", value: [{ value: userId, display: "ola.okta@example.com" }] }]),
    );
    expect(added.status).toBe(204);
    const events = await expectScimEvents(before, [{ entity: "Group", change: "member added" }]);
    expect(events[0]?.data.identityId).toBe(userId);
    const read = await scim("GET", `/Groups/${groupId}`);
    expect(read.body.members).toEqual([
      { value: userId, display: "Ola Okta-Berg", type: "User", $ref: `${t.url}/scim/v2/Users/${userId}` },
    ]);
    const user = await scim("GET", `/Users/${userId}`);
    expect(user.body.groups).toEqual([expect.objectContaining({ value: groupId, display: "Okta Engineers" })]);

    // The same add again changes nothing: directories repeat themselves.
    before = await lastSequence();
    await scim("PATCH", `/Groups/${groupId}`, patch([{ op: "add", path: "members", value: [{ value: userId }] }]));
    expect(await eventsAfter(before)).toEqual([]);

    before = await lastSequence();
    const removed = await scim(
      "PATCH",
      `/Groups/${groupId}`,
      patch([{ op: "remove", path: `members[value eq "${userId}"]` }]),
    );
    expect(removed.status).toBe(204);
    await expectScimEvents(before, [{ entity: "Group", change: "member removed" }]);
    expect((await scim("GET", `/Groups/${groupId}`)).body.members).toEqual([]);

    const renamed = await scim(
      "PATCH",
      `/Groups/${groupId}`,
      patch([{ op: "replace", value: { id: groupId, displayName: "Okta Engineering" } }]),
    );
    expect(renamed.status).toBe(204);
    expect((await scim("GET", `/Groups/${groupId}`)).body.displayName).toBe("Okta Engineering");
  });
});

describe("Entra ID's requests", () => {
  let userId = "";
  const bobId = () => gid("Identity", t.org.ids.bob);

  it("finds no user by a userName query, then creates one with the enterprise schema", async () => {
    const res = await fetch(`${t.url}/scim/v2/Users?filter=userName+eq+"ed.entra%40example.com"`, {
      headers: { authorization: `Bearer ${scimToken}` },
    });
    expect(await res.json()).toMatchObject({ totalResults: 0, Resources: [] });
    const created = await scim("POST", "/Users", {
      schemas: [CORE_USER, ENTERPRISE],
      externalId: "ed.entra",
      userName: "ed.entra@example.com",
      active: true,
      emails: [{ primary: true, type: "work", value: "ed.entra@example.com" }],
      meta: { resourceType: "User" },
      name: { formatted: "Ed Entra", familyName: "Entra", givenName: "Ed" },
      roles: [],
    });
    expect(created.status).toBe(201);
    userId = String(created.body.id);
    // No displayName sent: name.formatted stands in.
    expect(created.body).toMatchObject({
      userName: "ed.entra@example.com",
      displayName: "Ed Entra",
      externalId: "ed.entra",
    });
    const byExternalId = await filterUsers('externalId eq "ed.entra"');
    expect(resources(byExternalId).map((r) => r.id)).toEqual([userId]);
  });

  it("updates with capitalised ops and filtered paths (the work email is userName's, so it is not kept)", async () => {
    const answer = await scim(
      "PATCH",
      `/Users/${userId}`,
      patch([
        { op: "Replace", path: 'emails[type eq "work"].value', value: "updatedEmail@example.com" },
        { op: "Replace", path: "name.familyName", value: "updatedFamilyName" },
      ]),
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      userName: "ed.entra@example.com",
      name: { givenName: "Ed", familyName: "updatedFamilyName" },
      emails: [{ value: "ed.entra@example.com", type: "work", primary: true }],
    });
  });

  it("changes userName with a single-valued replace", async () => {
    const answer = await scim(
      "PATCH",
      `/Users/${userId}`,
      patch([{ op: "Replace", path: "userName", value: "Ed.Entra2@example.com" }]),
    );
    expect(answer.body.userName).toBe("ed.entra2@example.com");
  });

  it("sets the manager by its SCIM id through the enterprise extension's URN, which routing then uses", async () => {
    const before = await lastSequence();
    const answer = await scim(
      "PATCH",
      `/Users/${userId}`,
      patch([{ op: "Add", path: `${ENTERPRISE}:manager`, value: bobId() }]),
    );
    expect(answer.status).toBe(200);
    expect(answer.body.schemas).toEqual([CORE_USER, ENTERPRISE]);
    expect(answer.body[ENTERPRISE]).toEqual({
      manager: { value: bobId(), displayName: "Bob Manager", $ref: `${t.url}/scim/v2/Users/${bobId()}` },
    });
    const [event] = await expectScimEvents(before, [{ entity: "Identity", change: "updated" }]);
    expect(event?.data.managerId).toBe(bobId());
    const { node } = await dataOf(t.gql(t.org.tokens.admin, IdentityDetail, { id: userId }));
    expect(node?.__typename === "Identity" ? node.manager?.id : null).toBe(bobId());
  });

  it("takes an object value whose keys are paths, and keeps no enterprise attribute but the manager", async () => {
    const answer = await scim(
      "PATCH",
      `/Users/${userId}`,
      patch([
        {
          op: "replace",
          value: { "name.givenName": "Edward", displayName: "Edward Entra", [`${ENTERPRISE}:department`]: "HR" },
        },
      ]),
    );
    expect(answer.body).toMatchObject({ displayName: "Edward Entra", name: { givenName: "Edward" } });
    expect(JSON.stringify(answer.body)).not.toContain("HR");
  });

  it("removes the manager", async () => {
    const answer = await scim("PATCH", `/Users/${userId}`, patch([{ op: "Remove", path: `${ENTERPRISE}:manager` }]));
    expect(answer.body[ENTERPRISE]).toBeUndefined();
    expect(answer.body.schemas).toEqual([CORE_USER]);
  });

  it('deactivates with active "False" (a string), and the person\'s API token stops working', async () => {
    const token = await apiTokenFor(userId);
    expect((await t.gql(token, Viewer)).status).toBe(200);
    const answer = await scim("PATCH", `/Users/${userId}`, patch([{ op: "Replace", path: "active", value: "False" }]));
    expect(answer.body.active).toBe(false);
    expect((await t.gql(token, Viewer)).status).toBe(401);
    const found = await filterUsers(`userName eq "ed.entra2@example.com"`);
    expect(resources(found)[0]?.active).toBe(false);
  });

  it("creates a group, finds it by displayName without members, and adds and removes members by value", async () => {
    const created = await scim("POST", "/Groups", {
      externalId: "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
      displayName: "Entra Finance",
      meta: { resourceType: "Group" },
      schemas: [CORE_GROUP],
    });
    expect(created.status).toBe(201);
    const groupId = String(created.body.id);
    const found = await scim(
      "GET",
      `/Groups?excludedAttributes=members&filter=${encodeURIComponent('displayName eq "Entra Finance"')}`,
    );
    expect(resources(found)).toEqual([
      {
        schemas: [CORE_GROUP],
        id: groupId,
        externalId: "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
        displayName: "Entra Finance",
        meta: expect.objectContaining({ resourceType: "Group" }),
      },
    ]);
    const members = [
      { $ref: null, value: userId },
      { $ref: null, value: bobId() },
    ];
    expect(
      (await scim("PATCH", `/Groups/${groupId}`, patch([{ op: "Add", path: "members", value: members }]))).status,
    ).toBe(204);
    const byId = await scim("GET", `/Groups/${groupId}`);
    expect((byId.body.members as { value: string }[]).map((m) => m.value).sort()).toEqual([userId, bobId()].sort());
    const before = await lastSequence();
    await scim(
      "PATCH",
      `/Groups/${groupId}`,
      patch([{ op: "Remove", path: "members", value: [{ $ref: null, value: userId }] }]),
    );
    await expectScimEvents(before, [{ entity: "Group", change: "member removed" }]);
    expect((await scim("GET", `/Groups/${groupId}`)).body.members).toEqual([
      expect.objectContaining({ value: bobId() }),
    ]);
    await scim(
      "PATCH",
      `/Groups/${groupId}`,
      patch([{ op: "Replace", path: "displayName", value: "Entra Finance EU" }]),
    );
    expect((await scim("GET", `/Groups/${groupId}?excludedAttributes=members`)).body).toEqual({
      schemas: [CORE_GROUP],
      id: groupId,
      externalId: "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
      displayName: "Entra Finance EU",
      meta: expect.objectContaining({ resourceType: "Group" }),
    });
  });

  it("deletes a group nothing depends on", async () => {
    const created = await scim("POST", "/Groups", { schemas: [CORE_GROUP], displayName: "Short-lived" });
    const groupId = String(created.body.id);
    const before = await lastSequence();
    expect((await scim("DELETE", `/Groups/${groupId}`)).status).toBe(204);
    await expectScimEvents(before, [{ entity: "Group", change: "deleted" }]);
    expectError(await scim("GET", `/Groups/${groupId}`), 404);
  });

  it("refuses to delete a group that fulfils a system (409), and changes nothing", async () => {
    const fulfillers = gid("Group", t.org.fulfillersGroupId);
    const before = await lastSequence();
    expectError(await scim("DELETE", `/Groups/${fulfillers}`), 409);
    expect(await eventsAfter(before)).toEqual([]);
    expect((await scim("GET", `/Groups/${fulfillers}`)).status).toBe(200);
  });

  it("deletes a user by deactivating them: they stay, inactive, for the audit trail", async () => {
    const created = await scim("POST", "/Users", {
      schemas: [CORE_USER],
      userName: "leaver@example.com",
      displayName: "Leaver",
    });
    const id = String(created.body.id);
    const token = await apiTokenFor(id);
    const before = await lastSequence();
    expect((await scim("DELETE", `/Users/${id}`)).status).toBe(204);
    const [event] = await expectScimEvents(before, [{ entity: "Identity", change: "updated" }]);
    expect(event?.data.active).toBe(false);
    expect((await scim("GET", `/Users/${id}`)).body.active).toBe(false);
    expect((await t.gql(token, Viewer)).status).toBe(401);
  });
});

describe("filters and paging", () => {
  it("refuses filters other than equality on the supported attributes with invalidFilter", async () => {
    for (const filter of [
      'userName co "ali"',
      'title eq "x"',
      'userName eq "a" and active eq true',
      "userName eq alice",
    ]) {
      expectError(await filterUsers(filter), 400, "invalidFilter");
    }
    expectError(
      await scim("GET", `/Groups?filter=${encodeURIComponent('members[value eq "x"]')}`),
      400,
      "invalidFilter",
    );
  });

  it("compares userName without regard to case, and accepts the attribute qualified by its schema", async () => {
    const found = await filterUsers(`${CORE_USER}:userName eq "ALICE@example.com"`);
    expect(resources(found).map((r) => r.userName)).toEqual(["alice@example.com"]);
  });

  it("pages with startIndex and count: the pages together are the whole list, once each", async () => {
    const all = await scim("GET", "/Users");
    const total = Number(all.body.totalResults);
    expect(total).toBeGreaterThan(5);
    expect(resources(all)).toHaveLength(total);
    const seen: unknown[] = [];
    for (let start = 1; start <= total; start += 2) {
      const page = await scim("GET", `/Users?startIndex=${start}&count=2`);
      expect(page.body).toMatchObject({ totalResults: total, startIndex: start, itemsPerPage: resources(page).length });
      seen.push(...resources(page).map((r) => r.id));
    }
    expect(seen).toEqual(resources(all).map((r) => r.id));
    const none = await scim("GET", "/Users?count=0");
    expect(none.body).toMatchObject({ totalResults: total, itemsPerPage: 0, Resources: [] });
    expectError(await scim("GET", "/Users?count=ten"), 400, "invalidValue");
  });

  it("returns only the attributes asked for (and id and schemas)", async () => {
    const answer = await scim("GET", `/Users/${gid("Identity", t.org.ids.alice)}?attributes=userName,name.givenName`);
    expect(Object.keys(answer.body).sort()).toEqual(["id", "name", "schemas", "userName"]);
  });
});

describe("bad input changes nothing", () => {
  it("answers 409 uniqueness for a userName or displayName that exists", async () => {
    const before = await lastSequence();
    expectError(
      await scim("POST", "/Users", { schemas: [CORE_USER], userName: "ALICE@example.com" }),
      409,
      "uniqueness",
    );
    expectError(
      await scim("POST", "/Groups", { schemas: [CORE_GROUP], displayName: "IT Fulfillers" }),
      409,
      "uniqueness",
    );
    const bob = gid("Identity", t.org.ids.bob);
    expectError(
      await scim("PATCH", `/Users/${bob}`, patch([{ op: "replace", path: "userName", value: "alice@example.com" }])),
      409,
      "uniqueness",
    );
    expect(await eventsAfter(before)).toEqual([]);
  });

  it("applies no operation of a PATCH when one of them is refused", async () => {
    const alice = gid("Identity", t.org.ids.alice);
    const before = await lastSequence();
    expectError(
      await scim(
        "PATCH",
        `/Users/${alice}`,
        patch([
          { op: "replace", path: "displayName", value: "Not Alice" },
          { op: "replace", path: "favouriteColour", value: "green" },
        ]),
      ),
      400,
      "invalidPath",
    );
    expectError(
      await scim("PATCH", `/Users/${alice}`, patch([{ op: "replace", path: `${ENTERPRISE}:manager`, value: alice }])),
      400,
      "invalidValue",
    );
    expectError(
      await scim("PATCH", `/Users/${alice}`, patch([{ op: "replace", path: "active", value: "maybe" }])),
      400,
      "invalidValue",
    );
    expectError(await scim("PATCH", `/Users/${alice}`, patch([{ op: "move", path: "active" }])), 400, "invalidSyntax");
    expect(await eventsAfter(before)).toEqual([]);
    expect((await scim("GET", `/Users/${alice}`)).body).toMatchObject({ displayName: "Alice Employee", active: true });
  });

  it("refuses malformed bodies, other content types, unknown ids and members that are no users", async () => {
    expectError(await scim("POST", "/Users", "{not json"), 400, "invalidSyntax");
    expectError(await scim("POST", "/Users", "userName=x", { contentType: "application/x-www-form-urlencoded" }), 415);
    expectError(await scim("POST", "/Users", { schemas: [CORE_USER], userName: "not-an-email" }), 400, "invalidValue");
    expectError(
      await scim("POST", "/Users", { schemas: [CORE_USER], displayName: "No user name" }),
      400,
      "invalidValue",
    );
    expectError(await scim("POST", "/Users", { userName: "nul\u0000@example.com" }), 400, "invalidValue");
    expectError(await scim("GET", `/Users/${gid("Group", t.org.fulfillersGroupId)}`), 404);
    expectError(await scim("GET", "/Users/%E0%A4%A"), 404);
    expectError(
      await scim("PATCH", `/Users/${gid("Identity", "missing")}`, patch([{ op: "replace", value: { active: false } }])),
      404,
    );
    const fulfillers = gid("Group", t.org.fulfillersGroupId);
    expectError(
      await scim(
        "PATCH",
        `/Groups/${fulfillers}`,
        patch([{ op: "add", path: "members", value: [{ value: fulfillers }] }]),
      ),
      400,
      "invalidValue",
    );
    expectError(await scim("DELETE", "/Users"), 405);
    expectError(await scim("GET", "/Elsewhere"), 404);
  });

  it("refuses a body over the size limit with 413", async () => {
    const answer = await scim("POST", "/Users", { userName: "big@example.com", displayName: "x".repeat(1024 * 1024) });
    expectError(answer, 413);
  });
});

describe("a leaver deactivated through SCIM", () => {
  it("loses open requests and access exactly as through the API: cancelled, revoked, a revocation ticket opened", async () => {
    const { db } = t.server;
    const alice = { id: t.org.ids.alice, role: "END_USER" as const };
    // An active grant (requested, approved by Bob, fulfilled by Dave) and one open request.
    const granted = await db.transact((work) =>
      createRequest(work, alice, { resourceIds: [t.org.resources.writeAccess], justification: "granted" }),
    );
    const approval = await db.read.ticket.findFirstOrThrow({ where: { requestId: granted.requestId } });
    await db.transact((work) =>
      decideTicket(work, { id: t.org.ids.bob, role: "END_USER" }, { ticketId: approval.id }, "APPROVED"),
    );
    const fulfillment = await db.read.ticket.findFirstOrThrow({
      where: { requestId: granted.requestId, kind: "FULFILLMENT" },
    });
    await db.transact((work) =>
      fulfillTicket(work, { id: t.org.ids.dave, role: "END_USER" }, { ticketId: fulfillment.id, comment: "added" }),
    );
    const open = await db.transact((work) =>
      createRequest(work, alice, { resourceIds: [t.org.resources.orgOwner], justification: "still open" }),
    );
    const before = await lastSequence();

    const answer = await scim(
      "PATCH",
      `/Users/${gid("Identity", t.org.ids.alice)}`,
      patch([{ op: "replace", value: { active: false } }]),
    );
    expect(answer.status).toBe(200);

    const requests = await db.read.request.findMany({
      where: { id: { in: [granted.requestId, open.requestId] } },
      select: { id: true, status: true },
    });
    expect(Object.fromEntries(requests.map((r) => [r.id, r.status]))).toEqual({
      [granted.requestId]: "FULFILLED",
      [open.requestId]: "CANCELLED",
    });
    const grant = await db.read.grant.findFirstOrThrow({ where: { requestId: granted.requestId } });
    expect(grant.status).toBe("REVOKED");
    const revocation = await db.read.ticket.findFirstOrThrow({
      where: { requestId: granted.requestId, kind: "REVOCATION" },
    });
    expect(revocation.status).toBe("OPEN");
    const actions = (await eventsAfter(before)).map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining(["CONFIG_CHANGED", "REQUEST_CANCELLED", "GRANT_REVOKED", "TICKET_CREATED"]),
    );
  });
});

describe("resource locations", () => {
  it("point at PUBLIC_URL when it is set, whatever Host the request names", async () => {
    const own = await startTestServer({ env: { PUBLIC_URL: "https://access.example.com" } });
    try {
      const issued = await dataOf(own.gql(own.org.tokens.admin, IssueScimToken, { input: { name: "Okta" } }));
      const res = await fetch(`${own.url}/scim/v2/Users`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${present(issued.issueScimToken.token, "the SCIM token")}`,
          "content-type": "application/scim+json",
          host: "evil.example",
          "x-forwarded-proto": "http",
        },
        body: JSON.stringify({ schemas: [CORE_USER], userName: "located@example.com", active: true }),
      });
      expect(res.status).toBe(201);
      expect(res.headers.get("location")).toMatch(/^https:\/\/access\.example\.com\/scim\/v2\/Users\//);
    } finally {
      await own.close();
    }
  });
});
