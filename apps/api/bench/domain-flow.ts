// The write path's domain transactions alone, without HTTP or GraphQL: CPU per create → approve
// → fulfill flow (three `transact` calls of the domain functions, one after the other) and the
// statements each flow runs. For a before/after of a change to the domain's writes in seconds;
// CPU time moves less than throughput on a shared machine. Not part of `npm run bench`.
//   node --import tsx apps/api/bench/domain-flow.ts            SQLite (a fresh file)
//   BENCH_DATABASE_URL=postgresql://… node --import tsx …       a fresh database on that server
//   FLOWS (default 300) measured after 50 unmeasured; ROUNDS (default 3), the median printed.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { openDatabase } from "../src/db/database.ts";
import { loadDemoOrganisation } from "../src/demo/demo-organisation.ts";
import { createResource } from "../src/domain/catalog/catalog.ts";
import { createRequest } from "../src/domain/requests/request-actions.ts";
import { decideTicket, fulfillTicket } from "../src/domain/tickets/ticket-actions.ts";
import { freshDatabase } from "../test/databases.ts";

const FLOWS = Number(process.env.FLOWS ?? 300);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const WARM_UP = 50;

async function main() {
  const base = process.env.BENCH_DATABASE_URL;
  const dir = base ? null : mkdtempSync(path.join(tmpdir(), "access-domain-flow-"));
  const fresh = base ? await freshDatabase(base) : null;
  const db = await openDatabase(fresh ? fresh.url : `file:${path.join(dir ?? "", "flow.db")}`);
  try {
    const org = await loadDemoOrganisation(db);
    const resources: string[] = [];
    for (let i = 0; i < WARM_UP + FLOWS * ROUNDS; i += 1) {
      resources.push(
        await db.transact((work) =>
          createResource(work, null, { systemId: org.githubSystemId, name: `Flow ${i}`, sensitivity: "STANDARD" }),
        ),
      );
    }
    const flow = async (resourceId: string) => {
      const { requestId } = await db.transact((work) =>
        createRequest(
          work,
          { id: org.ids.alice, role: "END_USER" },
          { resourceIds: [resourceId], justification: "flow" },
        ),
      );
      const approval = await db.read.ticket.findFirstOrThrow({ where: { requestId, kind: "APPROVAL" } });
      await db.transact((work) =>
        decideTicket(work, { id: org.ids.bob, role: "END_USER" }, { ticketId: approval.id }, "APPROVED"),
      );
      const fulfillment = await db.read.ticket.findFirstOrThrow({ where: { requestId, kind: "FULFILLMENT" } });
      await db.transact((work) =>
        fulfillTicket(work, { id: org.ids.dave, role: "END_USER" }, { ticketId: fulfillment.id }),
      );
    };
    let next = 0;
    for (let i = 0; i < WARM_UP; i += 1) await flow(resources[next++] ?? "");
    let statements = 0;
    db.onQuery(() => {
      statements += 1;
    });
    const rounds: { cpuMsPerFlow: number; wallMsPerFlow: number }[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      statements = 0;
      const cpu = process.cpuUsage();
      const started = performance.now();
      for (let i = 0; i < FLOWS; i += 1) await flow(resources[next++] ?? "");
      const used = process.cpuUsage(cpu);
      rounds.push({
        cpuMsPerFlow: (used.user + used.system) / 1000 / FLOWS,
        wallMsPerFlow: (performance.now() - started) / FLOWS,
      });
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
    const round2 = (n: number) => Math.round(n * 100) / 100;
    console.log(
      JSON.stringify({
        provider: db.provider,
        flows: FLOWS,
        rounds: ROUNDS,
        cpuMsPerFlow: round2(median(rounds.map((r) => r.cpuMsPerFlow))),
        cpuMsPerFlowRounds: rounds.map((r) => round2(r.cpuMsPerFlow)),
        wallMsPerFlow: round2(median(rounds.map((r) => r.wallMsPerFlow))),
        // Statements of the three transactions plus the two ticket lookups between them.
        statementsPerFlow: statements / FLOWS,
      }),
    );
  } finally {
    await db.close();
    await fresh?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
