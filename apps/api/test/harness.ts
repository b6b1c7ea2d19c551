// A real server per suite: HTTP and WebSocket on a random port, its own SQLite file, the demo
// organisation loaded through the domain; everything is removed afterwards.
import { createClient, type Client as WsClient } from "graphql-ws";
import pino, { type Logger } from "pino";
import WebSocket from "ws";
import { loadDemoOrganisation, type DemoOrganisation } from "../src/demo/demo-organisation.ts";
import { loadConfig } from "../src/config.ts";
import { type RunningServer, startServer } from "../src/server.ts";
import { freshDatabase } from "./databases.ts";

export interface GraphQLResponse<T = Record<string, any>> {
  status: number;
  data?: T;
  errors?: { message: string; extensions?: { code?: string; field?: string[] } }[];
}

export interface TestServer {
  server: RunningServer;
  url: string;
  org: DemoOrganisation;
  gql<T = Record<string, any>>(
    token: string | null,
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<GraphQLResponse<T>>;
  ws(token: string): WsClient;
  close(): Promise<void>;
}

export async function startTestServer(
  options: { redisUrl?: string; env?: Record<string, string>; logger?: Logger } = {},
): Promise<TestServer> {
  const database = await freshDatabase();
  const config = loadConfig({
    PORT: "0",
    HOST: "127.0.0.1",
    DATABASE_URL: database.url,
    REDIS_URL: options.redisUrl ?? process.env.TEST_REDIS_URL,
    LOG_LEVEL: "silent",
    // Every suite calls from one address with a few tokens, far faster than people do: the rate
    // limits are off unless a suite sets them (limits.test.ts does).
    RATE_LIMIT_PER_TOKEN: "0",
    RATE_LIMIT_PER_IP: "0",
    ...options.env,
  });
  const server = await startServer(config, {
    logger: options.logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" }),
  });
  const org = await loadDemoOrganisation(server.db);
  const clients: WsClient[] = [];
  return {
    server,
    url: server.url,
    org,
    async gql(token, query, variables) {
      const res = await fetch(`${server.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as GraphQLResponse;
      return { ...body, status: res.status } as never;
    },
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
export function collect<T>(
  client: WsClient,
  query: string,
  variables: Record<string, unknown>,
  count: number,
  timeoutMs = 5000,
) {
  const results: T[] = [];
  const errors: unknown[] = [];
  let dispose: () => void = () => undefined;
  const done = new Promise<T[]>((resolve) => {
    const timer = setTimeout(() => resolve(results), timeoutMs);
    dispose = client.subscribe<T>(
      { query, variables },
      {
        next: (value) => {
          if (value.errors) errors.push(value.errors);
          if (value.data) results.push(value.data as T);
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

export const gid = (type: string, id: string) => Buffer.from(`${type}:${id}`).toString("base64");
