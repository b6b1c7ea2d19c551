// `npm run bench:data -- <file.db> <requests> <auditEvents>`: builds a large SQLite dataset fast
// for the growth figure. The demo organisation and the catalogue go through the domain (so they
// are audited); the bulk — requests, items, approval tickets with their assignee, and audit events
// with a valid hash chain — is written with prepared statements in one transaction.
import { randomUUID } from "node:crypto";
import Sqlite from "better-sqlite3";
import { chainHash } from "@access/audit-chain";
import { loadDemoOrganisation } from "../src/demo/demo-organisation.ts";
import { openDatabase } from "../src/db/database.ts";
import { createResource } from "../src/domain/catalog/catalog.ts";
import { toGlobalId } from "../src/domain/global-id.ts";

export interface GeneratedData {
  adminToken: string;
}

export async function generate(file: string, requests: number, auditEvents: number): Promise<GeneratedData> {
  const db = await openDatabase(`file:${file}`);
  const org = await loadDemoOrganisation(db);
  const resources: string[] = [];
  for (let i = 0; i < 200; i += 1) {
    resources.push(
      await db.transact((work) =>
        createResource(work, null, { systemId: org.githubSystemId, name: `Bulk ${i}`, sensitivity: "STANDARD" }),
      ),
    );
  }
  await db.close();

  const sqlite = new Sqlite(file);
  sqlite.pragma("journal_mode = WAL");
  const requesters = [org.ids.alice, org.ids.dave, org.ids.carol];
  const insertRequest = sqlite.prepare(
    `INSERT INTO "Request" (id, number, requesterId, targetId, justification, status, createdAt, updatedAt) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertItem = sqlite.prepare(
    `INSERT INTO "RequestItem" (id, requestId, resourceId, status, openKey, createdAt, updatedAt) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertTicket = sqlite.prepare(
    `INSERT INTO "Ticket" (id, number, kind, status, requestId, itemId, resourceId, step, assignedToAdmins, createdAt, updatedAt) VALUES (?, ?, 'APPROVAL', ?, ?, ?, ?, 1, 0, ?, ?)`,
  );
  const insertAssignee = sqlite.prepare(`INSERT INTO "_TicketAssignees" (A, B) VALUES (?, ?)`);
  const insertEvent = sqlite.prepare(
    `INSERT INTO "AuditEvent" (id, sequence, at, actorId, action, requestId, ticketId, comment, data, prevHash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)`,
  );
  const head = sqlite.prepare(`SELECT sequence, hash FROM "AuditHead" WHERE id = 1`).get() as {
    sequence: number;
    hash: string;
  };
  const counters = Object.fromEntries(
    (sqlite.prepare(`SELECT name, value FROM "Counter"`).all() as { name: string; value: number }[]).map((c) => [
      c.name,
      c.value,
    ]),
  ) as Record<string, number>;

  sqlite.transaction(() => {
    let requestNumber = counters.request ?? 0;
    let ticketNumber = counters.ticket ?? 0;
    let sequence = head.sequence;
    let prevHash = head.hash;
    const eventsPerRequest = Math.max(1, Math.floor(auditEvents / Math.max(requests, 1)));
    const start = Date.now() - requests * 1000;
    for (let i = 0; i < requests; i += 1) {
      const at = new Date(start + i * 1000).toISOString();
      const requestId = randomUUID();
      const itemId = randomUUID();
      const ticketId = randomUUID();
      const requester = requesters[i % requesters.length] ?? org.ids.alice;
      const resourceId = resources[i % resources.length] ?? "";
      const open = i % 10 === 0;
      requestNumber += 1;
      ticketNumber += 1;
      insertRequest.run(
        requestId,
        requestNumber,
        requester,
        requester,
        "bulk data",
        open ? "PENDING_APPROVAL" : "REJECTED",
        at,
        at,
      );
      insertItem.run(itemId, requestId, resourceId, open ? "PENDING_APPROVAL" : "REJECTED", null, at, at);
      insertTicket.run(ticketId, ticketNumber, open ? "OPEN" : "REJECTED", requestId, itemId, resourceId, at, at);
      insertAssignee.run(org.ids.bob, ticketId);
      const remaining = auditEvents - (sequence - head.sequence);
      for (let e = 0; e < Math.min(eventsPerRequest, remaining); e += 1) {
        sequence += 1;
        const data = { note: "bulk", index: e };
        const action = e === 0 ? "REQUEST_CREATED" : "TICKET_COMMENTED";
        const content = {
          sequence,
          at,
          actorId: toGlobalId("Identity", requester),
          action,
          requestId: toGlobalId("Request", requestId),
          ticketId: e === 0 ? null : toGlobalId("Ticket", ticketId),
          comment: null,
          data,
        };
        const hash = chainHash(prevHash, content);
        insertEvent.run(
          randomUUID(),
          sequence,
          at,
          requester,
          action,
          requestId,
          e === 0 ? null : ticketId,
          JSON.stringify(data),
          prevHash,
          hash,
        );
        prevHash = hash;
      }
    }
    sqlite.prepare(`UPDATE "AuditHead" SET sequence = ?, hash = ? WHERE id = 1`).run(sequence, prevHash);
    sqlite.prepare(`UPDATE "Counter" SET value = ? WHERE name = 'request'`).run(requestNumber);
    sqlite.prepare(`UPDATE "Counter" SET value = ? WHERE name = 'ticket'`).run(ticketNumber);
  })();
  sqlite.close();
  return { adminToken: org.tokens.admin };
}

if (process.argv[1]?.endsWith("data.ts")) {
  const [file, requests = "100000", events = "1000000"] = process.argv.slice(2);
  if (!file) throw new Error("usage: npm run bench:data -- <file.db> [requests] [auditEvents]");
  const t0 = Date.now();
  await generate(file, Number(requests), Number(events));
  console.log(`${file}: ${requests} requests, ${events} audit events in ${Math.round((Date.now() - t0) / 1000)} s`);
}
