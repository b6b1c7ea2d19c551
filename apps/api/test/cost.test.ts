// The cost limit (graphql/cost.ts) prices an operation with the page sizes it will really run
// with: literals, variables and the default page size, over HTTP and WebSocket; and every
// operation the product's own clients send stays under it at the largest page size.
import * as contract from "@access/contract";
import { type DocumentNode, Kind, parse, print } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_COST, operationCost } from "../src/graphql/cost.ts";
import { schema } from "../src/schema/index.ts";
import { startTestServer, type TestServer } from "./harness.ts";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

const NESTED = `query($n: Int, $m: Int) { systems(first: $n) { edges { node { resources(first: $m) { edges { node { approvalSteps { approvers { id email displayName } } } } } } } } }`;

const post = async (query: string, variables?: Record<string, unknown>) => {
  const res = await fetch(`${t.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${t.org.tokens.admin}` },
    body: JSON.stringify({ query, variables }),
  });
  return {
    status: res.status,
    body: (await res.json()) as { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] },
  };
};

describe("the cost limit", () => {
  it("prices page sizes given as variables as it prices literals", async () => {
    const literal = await post(
      NESTED.replace("query($n: Int, $m: Int) ", "")
        .replace("first: $n", "first: 100")
        .replace("first: $m", "first: 100"),
    );
    const variables = await post(NESTED, { n: 100, m: 100 });
    for (const answer of [literal, variables]) {
      expect(answer.status).toBe(400);
      expect(answer.body.data ?? null).toBeNull();
      expect(answer.body.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
      expect(answer.body.errors?.[0]?.message).toMatch(/above the limit of 100000/);
    }
    const small = await post(NESTED, { n: 5, m: 5 });
    expect(small.status).toBe(200);
    expect(small.body.errors).toBeUndefined();
  });

  it("prices a connection without a page size at the default page size, and nested ones multiply", () => {
    const document = parse(NESTED);
    const withDefaults = operationCost(schema, document, null, {});
    const withTwenty = operationCost(schema, document, null, { n: 20, m: 20 });
    expect(withDefaults).toBe(withTwenty);
    expect(operationCost(schema, document, null, { n: 40, m: 20 })).toBe(2 * withTwenty);
  });

  it("refuses a costly subscription, over WebSocket and SSE, before it starts", async () => {
    const query = `subscription($n: Int, $m: Int) { ticketStatusChanged { ticket { resource { system { resources(first: $n) { edges { node { name description system { resources(first: $m) { edges { node { id name description requestable createdAt } } } } } } } } } } } }`;
    const variables = { n: 100, m: 100 };
    expect(operationCost(schema, parse(query), null, variables)).toBeGreaterThan(MAX_COST);
    expect(operationCost(schema, parse(query), null, { n: 5, m: 5 })).toBeLessThan(MAX_COST);
    const ws = t.ws(t.org.tokens.admin);
    const refused = await new Promise<unknown>((resolve) => {
      ws.subscribe({ query, variables }, { next: resolve, error: resolve, complete: () => resolve("completed") });
    });
    expect(JSON.stringify(refused)).toContain("above the limit of 100000");
    const sse = await fetch(`${t.url}/graphql`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "text/event-stream",
        authorization: `Bearer ${t.org.tokens.admin}`,
      },
      body: JSON.stringify({ query, variables }),
    });
    expect(await sse.text()).toContain("above the limit of 100000");
  });

  it("leaves every operation of the product's clients under the limit at the largest page size", () => {
    const operations = Object.values(contract).filter(
      (value): value is DocumentNode =>
        typeof value === "object" && value !== null && (value as DocumentNode).kind === Kind.DOCUMENT,
    );
    expect(operations.length).toBeGreaterThan(20);
    for (const operation of operations) {
      const document = parse(print(operation));
      const definition = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
      if (!definition) continue; // a fragment
      const largest = Object.fromEntries(
        (definition.variableDefinitions ?? []).map((v) => [v.variable.name.value, 100]),
      );
      const cost = operationCost(schema, document, null, largest);
      expect(cost, definition.name?.value).toBeLessThanOrEqual(MAX_COST);
    }
  });
});
