// Shared steps of the connector suites: a connector system, an auto-approved resource on it
// requested by Alice (so the request goes straight to the connector), and polling helpers.
import { expect } from "vitest";
import { gid, type TestServer } from "./harness.ts";

export async function asAdmin(
  t: TestServer,
  query: string,
  variables?: Record<string, unknown>,
): Promise<Record<string, any>> {
  const res = await t.gql(t.org.tokens.admin, query, variables);
  expect(res.errors).toBeUndefined();
  return res.data as Record<string, any>;
}

export async function createConnectorSystem(
  t: TestServer,
  name: string,
  connector: string,
  connectorConfig: unknown,
): Promise<string> {
  const created = await asAdmin(
    t,
    `mutation($input: CreateSystemInput!) { createSystem(input: $input) { system { id } errors { code field message } } }`,
    {
      input: { name, connector, connectorConfig, fulfillersGroupId: gid("Group", t.org.fulfillersGroupId) },
    },
  );
  expect(created.createSystem.errors).toEqual([]);
  return created.createSystem.system.id;
}

let counter = 0;
export async function requestOnConnector(
  t: TestServer,
  systemId: string,
  connectorTarget: unknown,
): Promise<{ requestId: string; ticketId: string }> {
  counter += 1;
  const resource = await asAdmin(
    t,
    `mutation($input: CreateResourceInput!) { createResource(input: $input) { resource { id } errors { code field message } } }`,
    {
      input: { systemId, name: `Connected ${counter}`, sensitivity: "STANDARD", approvalSteps: [], connectorTarget },
    },
  );
  expect(resource.createResource.errors).toEqual([]);
  const res = await t.gql(
    t.org.tokens.alice,
    `mutation($input: CreateRequestInput!) { createRequest(input: $input) { request { id tickets { id status } } errors { code } } }`,
    {
      input: { resourceIds: [resource.createResource.resource.id], justification: "connector test" },
    },
  );
  const request = res.data?.createRequest.request;
  expect(request.tickets).toEqual([{ id: expect.any(String), status: "IN_PROGRESS" }]);
  return { requestId: request.id, ticketId: request.tickets[0].id };
}

export async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out; last value ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const requestState = (t: TestServer, id: string) =>
  t
    .gql(t.org.tokens.admin, `query($id: ID!) { request(id: $id) { status tickets { status } } }`, { id })
    .then((r) => r.data?.request);

export const connectorEvents = (t: TestServer, requestId: string) =>
  asAdmin(
    t,
    `query($id: ID!) { auditEvents(filter: { requestId: $id, action: [CONNECTOR_CALLED] }) { edges { node { data } } } }`,
    { id: requestId },
  ).then((d) => d.auditEvents.edges.map((e: { node: { data: Record<string, unknown> } }) => e.node.data));

export const systemHealth = (t: TestServer, systemId: string) =>
  asAdmin(t, `query($id: ID!) { node(id: $id) { ... on System { health { status message } } } }`, {
    id: systemId,
  }).then((d) => d.node.health);
