// A real API for the client's tests: the server in this process on its own SQLite file (or on
// TEST_DATABASE_URL's PostgreSQL), with the demo organisation, restartable on the same port.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadConfig } from "@access/api/config";
import { loadDemoOrganisation, type DemoOrganisation } from "@access/api/demo";
import { startServer, type RunningServer } from "@access/api/server";
import pino from "pino";

export interface TestApi {
  url: string;
  org: DemoOrganisation;
  /** A second server on the same database (another instance), for changes while this one is down. */
  startSibling(): Promise<RunningServer>;
  stop(): Promise<void>;
  /** Starts again on the same port and database. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startApi(env: Record<string, string> = {}): Promise<TestApi> {
  const dir = mkdtempSync(path.join(tmpdir(), "access-client-"));
  const databaseUrl = `file:${path.join(dir, "api.db")}`;
  const config = (port: number) =>
    loadConfig({
      PORT: String(port),
      HOST: "127.0.0.1",
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: "silent",
      RATE_LIMIT_PER_TOKEN: "0",
      RATE_LIMIT_PER_IP: "0",
      ...env,
    });
  const silent = { logger: pino({ level: "silent" }) };
  let server: RunningServer | null = await startServer(config(0), silent);
  const port = server.port;
  const org = await loadDemoOrganisation(server.db);
  const siblings: RunningServer[] = [];
  return {
    url: server.url,
    org,
    async startSibling() {
      const sibling = await startServer(config(0), silent);
      siblings.push(sibling);
      return sibling;
    },
    async stop() {
      await server?.close();
      server = null;
    },
    async restart() {
      await server?.close();
      server = await startServer(config(port), silent);
    },
    async close() {
      await Promise.all([server?.close(), ...siblings.map((s) => s.close())]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
