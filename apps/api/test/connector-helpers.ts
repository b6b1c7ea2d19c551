// Shared steps of the connector suites: a connector system, an auto-approved resource on it
// requested by Alice (so the request goes straight to the connector), and polling helpers.
import {
  AuditEvents,
  type ConnectorKind,
  CreateRequest,
  CreateResource,
  CreateSystem,
  RequestDetail,
  SystemDetail,
} from "@access/contract";
import { expect } from "vitest";
import { dataOf, gid, jsonObject, present, type TestServer } from "./harness.ts";

export async function createConnectorSystem(
  t: TestServer,
  name: string,
  connector: ConnectorKind,
  connectorConfig: unknown,
): Promise<string> {
  const { createSystem } = await dataOf(
    t.gql(t.org.tokens.admin, CreateSystem, {
      input: { name, connector, connectorConfig, fulfillersGroupId: gid("Group", t.org.fulfillersGroupId) },
    }),
  );
  expect(createSystem.errors).toEqual([]);
  return present(createSystem.system, "the created system").id;
}

let counter = 0;
export async function requestOnConnector(
  t: TestServer,
  systemId: string,
  connectorTarget: unknown,
): Promise<{ requestId: string; ticketId: string }> {
  counter += 1;
  const { createResource } = await dataOf(
    t.gql(t.org.tokens.admin, CreateResource, {
      input: { systemId, name: `Connected ${counter}`, sensitivity: "STANDARD", approvalSteps: [], connectorTarget },
    }),
  );
  expect(createResource.errors).toEqual([]);
  const { createRequest } = await dataOf(
    t.gql(t.org.tokens.alice, CreateRequest, {
      input: {
        resourceIds: [present(createResource.resource, "the created resource").id],
        justification: "connector test",
      },
    }),
  );
  const request = present(createRequest.request, "the created request");
  expect(request.tickets.map((ticket) => ticket.status)).toEqual(["IN_PROGRESS"]);
  return { requestId: request.id, ticketId: present(request.tickets[0], "the fulfillment ticket").id };
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

/** The request as the admin sees it. */
export const requestState = async (t: TestServer, id: string) =>
  present((await dataOf(t.gql(t.org.tokens.admin, RequestDetail, { id }))).request, `request ${id}`);

/** The data of the request's CONNECTOR_CALLED events, oldest first. */
export const connectorEvents = async (t: TestServer, requestId: string) =>
  (
    await dataOf(t.gql(t.org.tokens.admin, AuditEvents, { filter: { requestId, action: ["CONNECTOR_CALLED"] } }))
  ).auditEvents.edges.map((e) => jsonObject(e.node.data, "a CONNECTOR_CALLED event's data"));

export async function systemHealth(t: TestServer, systemId: string) {
  const { node } = await dataOf(t.gql(t.org.tokens.admin, SystemDetail, { id: systemId }));
  if (node?.__typename !== "System") throw new Error(`${systemId} is not a system: ${JSON.stringify(node)}`);
  return node.health;
}
