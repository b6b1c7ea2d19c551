// What waits on a person (the dashboard's count): `tickets(filter: { assignedToViewer: true })`
// lists the open tickets assigned to the viewer by name, through a group, or to the admins — and
// leaves out what an admin could only override, which `actionableByViewer` includes. And
// `people(search:)`, how anyone picks a person (a delegate).
import { CreateIdentity, CreateRequest, People, UpdateIdentity, WaitingOnMe } from "@access/contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dataOf, gid, startTestServer, type TestServer } from "./harness.ts";

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

const waitingOn = async (token: string) => (await dataOf(t.gql(token, WaitingOnMe, {}))).tickets;

describe("tickets waiting on the viewer", () => {
  it("counts the manager's approval for the manager only, not for the requester nor an admin who could override", async () => {
    const before = { bob: (await waitingOn(t.org.tokens.bob)).totalCount };
    const asked = await dataOf(
      t.gql(t.org.tokens.alice, CreateRequest, {
        input: { resourceIds: [gid("Resource", t.org.resources.writeAccess)], justification: "waiting count" },
      }),
    );
    expect(asked.createRequest.errors).toEqual([]);
    const ticketId = asked.createRequest.request?.tickets[0]?.id;

    const bob = await waitingOn(t.org.tokens.bob);
    expect(bob.totalCount).toBe(before.bob + 1);
    expect(bob.edges.map((e) => e.node.id)).toContain(ticketId);
    expect((await waitingOn(t.org.tokens.alice)).edges.map((e) => e.node.id)).not.toContain(ticketId);
    expect((await waitingOn(t.org.tokens.admin)).edges.map((e) => e.node.id)).not.toContain(ticketId);
  });
});

describe("people to pick from", () => {
  it("finds active people by part of a name or email for anyone signed in, and refuses a search too short to mean anything", async () => {
    const found = await dataOf(t.gql(t.org.tokens.alice, People, { search: "bob" }));
    expect(found.people.map((p) => p.displayName)).toEqual(["Bob Manager"]);
    expect(found.people[0]?.id).toBe(gid("Identity", t.org.ids.bob));

    const short = await t.gql(t.org.tokens.alice, People, { search: " b " });
    expect(short.errors?.map((e) => e.extensions?.code)).toEqual(["VALIDATION"]);

    const created = await dataOf(
      t.gql(t.org.tokens.admin, CreateIdentity, {
        input: { email: "leaver.bobby@example.com", displayName: "Bobby Leaver" },
      }),
    );
    const id = created.createIdentity.identity?.id ?? "";
    expect((await dataOf(t.gql(t.org.tokens.alice, People, { search: "bob" }))).people).toHaveLength(2);
    const deactivated = await dataOf(
      t.gql(t.org.tokens.admin, UpdateIdentity, { input: { identityId: id, active: false } }),
    );
    expect(deactivated.updateIdentity.errors).toEqual([]);
    expect((await dataOf(t.gql(t.org.tokens.alice, People, { search: "bob" }))).people.map((p) => p.id)).toEqual([
      gid("Identity", t.org.ids.bob),
    ]);
  });
});
