// A real server per suite: HTTP and WebSocket on a random port, its own SQLite file, the demo
// organisation loaded through the domain; everything is removed afterwards. Tests send the
// contract's typed operations (@access/contract) and read typed answers; a raw string is for what
// is no operation of the product (probes, hostile or generated documents) and answers untyped data.
import type { TadaDocumentNode } from "@access/contract";
import { print } from "graphql";
import { createClient, type Client as WsClient } from "graphql-ws";
import pino, { type Logger } from "pino";
import WebSocket from "ws";
import { loadDemoOrganisation, type DemoOrganisation } from "../src/demo/demo-organisation.ts";
import { type Config, loadConfig } from "../src/config.ts";
import { type RunningServer, startServer } from "../src/server.ts";
import { freshDatabase } from "./databases.ts";

/** A GraphQL error as the server sends it; `extensions.code` is the contract's. */
export interface GraphQLErrorBody {
  message: string;
  extensions?: { code?: string; field?: string[]; [key: string]: unknown };
}

export interface GraphQLResponse<Data> {
  status: number;
  data?: Data | null;
  errors?: GraphQLErrorBody[];
}

/** The data of a raw document: GraphQL answers an object of root fields, whose shape is unknown here. */
export type RawData = Record<string, unknown>;

/** Variables are optional exactly when the operation declares none that is required. */
export type VariablesArgument<Variables> =
  Record<string, never> extends Variables ? [variables?: Variables] : [variables: Variables];

/** The text of a document, as it goes over the wire. */
export const documentText = (document: TadaDocumentNode<unknown, never> | string): string =>
  typeof document === "string" ? document : print(document);

/**
 * Sends operations over HTTP to the API at `url`: a contract operation answers its typed result;
 * a raw string (a probe, not an operation of the product) answers untyped data.
 */
export function graphqlAt(url: string) {
  function send<Result, Variables>(
    token: string | null,
    document: TadaDocumentNode<Result, Variables>,
    ...variables: VariablesArgument<Variables>
  ): Promise<GraphQLResponse<Result>>;
  function send(
    token: string | null,
    document: string,
    variables?: Record<string, unknown>,
  ): Promise<GraphQLResponse<RawData>>;
  async function send(
    token: string | null,
    document: TadaDocumentNode<unknown, never> | string,
    variables?: unknown,
  ): Promise<GraphQLResponse<unknown>> {
    const res = await fetch(`${url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query: documentText(document), variables }),
    });
    const body = (await res.json()) as Omit<GraphQLResponse<unknown>, "status">;
    return { ...body, status: res.status };
  }
  return send;
}

export interface TestServer {
  server: RunningServer;
  url: string;
  org: DemoOrganisation;
  gql: ReturnType<typeof graphqlAt>;
  ws(token: string): WsClient;
  close(): Promise<void>;
}

/** A test instance's configuration on `databaseUrl`: any free port, silent, `env` on top. */
export function testConfig(databaseUrl: string, env: Record<string, string | undefined> = {}): Config {
  return loadConfig({
    PORT: "0",
    HOST: "127.0.0.1",
    DATABASE_URL: databaseUrl,
    REDIS_URL: process.env.TEST_REDIS_URL,
    LOG_LEVEL: "silent",
    // Every suite calls from one address with a few tokens, far faster than people do: the rate
    // limits are off unless a suite sets them (limits.test.ts does).
    RATE_LIMIT_PER_TOKEN: "0",
    RATE_LIMIT_PER_IP: "0",
    ...env,
  });
}

export async function startTestServer(
  options: {
    redisUrl?: string;
    env?: Record<string, string>;
    logger?: Logger;
    clock?: () => Date;
    dashboardDist?: string;
  } = {},
): Promise<TestServer> {
  const database = await freshDatabase();
  const config = testConfig(database.url, {
    REDIS_URL: options.redisUrl ?? process.env.TEST_REDIS_URL,
    ...options.env,
  });
  const server = await startServer(config, {
    logger: options.logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" }),
    clock: options.clock,
    dashboardDist: options.dashboardDist,
  });
  const org = await loadDemoOrganisation(server.db);
  const clients: WsClient[] = [];
  return {
    server,
    url: server.url,
    org,
    gql: graphqlAt(server.url),
    ws(token) {
      const client = createClient({
        url: `${server.url.replace("http", "ws")}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${token}` },
        retryAttempts: 0,
        lazy: false,
        onNonLazyError: () => undefined,
      });
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.all(clients.map((c) => c.dispose()));
      await server.close();
      await database.drop();
    },
  };
}

/** Collects a subscription's results until `count` arrived (or the timeout passes). */
export function collect<Result, Variables>(
  client: WsClient,
  document: TadaDocumentNode<Result, Variables>,
  variables: Variables,
  count: number,
  timeoutMs = 5000,
) {
  const results: Result[] = [];
  const errors: unknown[] = [];
  let dispose: () => void = () => undefined;
  const done = new Promise<Result[]>((resolve) => {
    const timer = setTimeout(() => resolve(results), timeoutMs);
    dispose = client.subscribe<Result>(
      { query: documentText(document), variables: variables as Record<string, unknown> },
      {
        next: (value) => {
          if (value.errors) errors.push(value.errors);
          if (value.data) results.push(value.data);
          if (results.length >= count) {
            clearTimeout(timer);
            resolve(results);
          }
        },
        error: (error) => {
          errors.push(error);
          clearTimeout(timer);
          resolve(results);
        },
        complete: () => {
          clearTimeout(timer);
          resolve(results);
        },
      },
    );
  });
  return { done, results, errors, stop: () => dispose() };
}

/** The data of an answer that must have no GraphQL error (the errors fail the test, with their text). */
export async function dataOf<Data>(answer: Promise<GraphQLResponse<Data>>): Promise<Data> {
  const { data, errors } = await answer;
  if (errors) throw new Error(`unexpected GraphQL errors: ${JSON.stringify(errors)}`);
  return present(data, "data");
}

/** What a test reads of a mutation's UserErrors. */
type UserError = { code: string; field: readonly string[] | null };
/** The codes of a payload's UserErrors (their messages are words for people, not the contract). */
export const codes = (errors: readonly UserError[]): string[] => errors.map((e) => e.code);
/** The codes and fields of a payload's UserErrors. */
export const codesAndFields = (errors: readonly UserError[]) => errors.map(({ code, field }) => ({ code, field }));

/** A mutation's payload that must have no UserError (for arranging a test, not for what it checks). */
export function accepted<Payload extends { errors: readonly unknown[] }>(payload: Payload, what: string): Payload {
  if (payload.errors.length > 0) throw new Error(`${what} was refused: ${JSON.stringify(payload.errors)}`);
  return payload;
}

/** A JSON object (an audit event's data, a connector call's body), or a failed test. */
export function jsonObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new Error(`expected ${what} to be a JSON object, got ${JSON.stringify(value)}`);
  return Object.fromEntries(Object.entries(value));
}

/** The value, or a failed test saying what was missing (for nullable answers and list entries). */
export function present<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new Error(`expected ${what}, got ${String(value)}`);
  return value;
}

export const gid = (type: string, id: string) => Buffer.from(`${type}:${id}`).toString("base64");
