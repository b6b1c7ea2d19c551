import { loadDemoOrganisation } from "../../prisma/demo-organisation.ts";
import { openDatabase } from "./src/db/database.ts";
import { createResource } from "./src/domain/catalog/catalog.ts";
import { createRequest } from "./src/domain/requests/request-actions.ts";
import { decideTicket, fulfillTicket } from "./src/domain/tickets/ticket-actions.ts";
import { rmSync } from "node:fs";
rmSync("/tmp/pb/wp.db", { force: true }); rmSync("/tmp/pb/wp.db-wal", { force: true }); rmSync("/tmp/pb/wp.db-shm", { force: true });
const db = await openDatabase("file:/tmp/pb/wp.db");
const org = await loadDemoOrganisation(db);
const res: string[] = [];
for (let i = 0; i < 200; i++) res.push(await db.transact((w) => createResource(w, null, { systemId: org.githubSystemId, name: `R${i}`, sensitivity: "STANDARD" })));
let sqls: string[] = []; db.onQuery((q) => sqls.push(q));
const alice = { id: org.ids.alice, role: "END_USER" as const }, bob = { id: org.ids.bob, role: "END_USER" as const }, dave = { id: org.ids.dave, role: "END_USER" as const };
const times = { create: 0, approve: 0, fulfill: 0 }; const counts = { create: 0, approve: 0, fulfill: 0 };
for (let i = 0; i < 200; i++) {
  sqls = []; let t = performance.now();
  const { requestId } = await db.transact((w) => createRequest(w, alice, { resourceIds: [res[i]!], justification: "x" }));
  times.create += performance.now() - t; counts.create = sqls.length; if (i === 199) console.log("CREATE", sqls.map(s => s.slice(0, 110)).join("\n"));
  const ticket = await db.read.ticket.findFirstOrThrow({ where: { requestId } });
  sqls = []; t = performance.now();
  await db.transact((w) => decideTicket(w, bob, { ticketId: ticket.id }, "APPROVED"));
  times.approve += performance.now() - t; counts.approve = sqls.length; if (i === 199) console.log("APPROVE", sqls.map(s => s.slice(0, 110)).join("\n"));
  const f = await db.read.ticket.findFirstOrThrow({ where: { requestId, kind: "FULFILLMENT" } });
  sqls = []; t = performance.now();
  await db.transact((w) => fulfillTicket(w, dave, { ticketId: f.id, evidence: "done" } as any));
  times.fulfill += performance.now() - t; counts.fulfill = sqls.length; if (i === 199) console.log("FULFILL", sqls.map(s => s.slice(0, 110)).join("\n"));
}
console.log({ msPer: Object.fromEntries(Object.entries(times).map(([k, v]) => [k, (v / 200).toFixed(2)])), counts });
await db.close();
