// A cancelled request withdraws the tickets that waited on people: they are told, with the reason
// the canceller gave (TICKET_WITHDRAWN), and the canceller is not told about what they did.
import { CancelRequest, CreateRequest, MyNotifications } from "@access/contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accepted, dataOf, gid, present, startTestServer, type TestServer } from "./harness.ts";

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

const withdrawn = async (token: string) =>
  (await dataOf(t.gql(token, MyNotifications, { first: 100 }))).myNotifications.edges
    .map((e) => e.node)
    .filter((n) => n.kind === "TICKET_WITHDRAWN");

async function requestThenCancel(reason: string | null) {
  const created = accepted(
    (
      await dataOf(
        t.gql(t.org.tokens.alice, CreateRequest, {
          input: { resourceIds: [gid("Resource", t.org.resources.writeAccess)], justification: "withdrawn test" },
        }),
      )
    ).createRequest,
    "request",
  );
  const request = present(created.request, "request");
  accepted(
    (await dataOf(t.gql(t.org.tokens.alice, CancelRequest, { input: { requestId: request.id, reason } })))
      .cancelRequest,
    "cancel",
  );
  await t.server.notifier.settle();
  return request;
}

describe("a withdrawn ticket", () => {
  it("tells the approver it waited on, with the reason, and not the requester who cancelled", async () => {
    const request = await requestThenCancel("Found another way to get it done.");
    const bob = await withdrawn(t.org.tokens.bob);
    const told = present(
      bob.find((n) => n.request?.id === request.id),
      "Bob's notification",
    );
    expect(told.title).toBe(`REQ-${request.number} was cancelled: nothing left for you to do`);
    expect(told.body).toContain("Alice Employee cancelled the request, so TKT-");
    expect(told.body).toContain("Reason: Found another way to get it done.");
    expect((await withdrawn(t.org.tokens.alice)).filter((n) => n.request?.id === request.id)).toEqual([]);
  });

  it("says when no reason was given", async () => {
    const request = await requestThenCancel(null);
    const told = present(
      (await withdrawn(t.org.tokens.bob)).find((n) => n.request?.id === request.id),
      "Bob's notification",
    );
    expect(told.body).toContain("No reason was given.");
  });
});
