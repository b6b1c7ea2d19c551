// What waits on a person (the dashboard's count): `tickets(filter: { assignedToViewer: true })`
// lists the open tickets assigned to the viewer by name, through a group, or to the admins — and
// leaves out what an admin could only override, which `actionableByViewer` includes.
import { CreateRequest, WaitingOnMe } from "@access/contract";
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
