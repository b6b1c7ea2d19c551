// The baselines of `npm run bench`, as a plain node:http server (no GraphQL, no framework):
//   GET /viewer   the JSON of the contract's Viewer query for one fixed identity (figure 1)
//   GET /tickets  the JSON of the nested tickets page, built with raw better-sqlite3 prepared
//                 statements from the same database (figure 2)
import { createServer } from "node:http";
import Sqlite from "better-sqlite3";

const file = process.env.BENCH_DB ?? "";
const port = Number(process.env.PORT ?? 0);
const db = new Sqlite(file, { readonly: true });
const viewerId = process.env.BENCH_VIEWER_ID ?? "";

const globalId = (type: string, id: string) => Buffer.from(`${type}:${id}`).toString("base64");
const viewerRow = db
  .prepare(`SELECT id, email, displayName, role, active, createdAt FROM Identity WHERE id = ?`)
  .get(viewerId) as { id: string; email: string; displayName: string; role: string; active: number; createdAt: number };
const viewerBody = JSON.stringify({
  data: {
    viewer: {
      id: globalId("Identity", viewerRow.id),
      email: viewerRow.email,
      displayName: viewerRow.displayName,
      role: viewerRow.role,
      active: viewerRow.active === 1,
      createdAt: new Date(viewerRow.createdAt).toISOString(),
    },
  },
});

const ticketsStmt = db.prepare(
  `SELECT id, number, status, kind, requestId, resourceId, assigneeGroupId FROM Ticket ORDER BY number DESC LIMIT ?`,
);
const inList = (n: number) => Array.from({ length: n }, () => "?").join(",");

function ticketsPage(first: number): string {
  const tickets = ticketsStmt.all(first) as {
    id: string;
    number: number;
    status: string;
    kind: string;
    requestId: string;
    resourceId: string;
    assigneeGroupId: string | null;
  }[];
  const requestIds = [...new Set(tickets.map((t) => t.requestId))];
  const requests = new Map(
    (
      db
        .prepare(`SELECT id, number, requesterId, targetId FROM Request WHERE id IN (${inList(requestIds.length)})`)
        .all(...requestIds) as {
        id: string;
        number: number;
        requesterId: string;
        targetId: string;
      }[]
    ).map((r) => [r.id, r]),
  );
  const resourceIds = [...new Set(tickets.map((t) => t.resourceId))];
  const resources = new Map(
    (
      db
        .prepare(
          `SELECT r.id, r.name, s.name AS systemName FROM Resource r JOIN System s ON s.id = r.systemId WHERE r.id IN (${inList(resourceIds.length)})`,
        )
        .all(...resourceIds) as { id: string; name: string; systemName: string }[]
    ).map((r) => [r.id, r]),
  );
  const ticketIds = tickets.map((t) => t.id);
  const named = db
    .prepare(
      `SELECT a.A AS identityId, a.B AS ticketId FROM _TicketAssignees a WHERE a.B IN (${inList(ticketIds.length)})`,
    )
    .all(...ticketIds) as {
    identityId: string;
    ticketId: string;
  }[];
  const groupIds = [...new Set(tickets.flatMap((t) => (t.assigneeGroupId ? [t.assigneeGroupId] : [])))];
  const members = groupIds.length
    ? (db
        .prepare(
          `SELECT m.A AS groupId, m.B AS identityId FROM _GroupMembers m WHERE m.A IN (${inList(groupIds.length)})`,
        )
        .all(...groupIds) as { groupId: string; identityId: string }[])
    : [];
  const identityIds = [
    ...new Set([
      ...[...requests.values()].flatMap((r) => [r.requesterId, r.targetId]),
      ...named.map((n) => n.identityId),
      ...members.map((m) => m.identityId),
    ]),
  ];
  const identities = new Map(
    (
      db
        .prepare(`SELECT id, displayName, active FROM Identity WHERE id IN (${inList(identityIds.length)})`)
        .all(...identityIds) as { id: string; displayName: string; active: number }[]
    ).map((i) => [i.id, i]),
  );
  const edges = tickets.map((t) => {
    const request = requests.get(t.requestId)!;
    const resource = resources.get(t.resourceId)!;
    const actionable = t.kind === "APPROVAL" ? t.status === "OPEN" : t.status === "OPEN" || t.status === "FAILED";
    const assignees: string[] = [];
    if (actionable) {
      const candidates = [
        ...named.filter((n) => n.ticketId === t.id).map((n) => n.identityId),
        ...members.filter((m) => m.groupId === t.assigneeGroupId).map((m) => m.identityId),
      ];
      for (const id of candidates) {
        const identity = identities.get(id);
        if (identity?.active && id !== request.requesterId && id !== request.targetId && !assignees.includes(id))
          assignees.push(id);
      }
    }
    return {
      node: {
        number: t.number,
        status: t.status,
        request: {
          number: request.number,
          requester: { displayName: identities.get(request.requesterId)?.displayName },
          target: { displayName: identities.get(request.targetId)?.displayName },
        },
        resource: { name: resource.name, system: { name: resource.systemName } },
        assignees: assignees.map((id) => ({ displayName: identities.get(id)?.displayName })),
      },
    };
  });
  return JSON.stringify({ data: { tickets: { edges } } });
}

createServer((req, res) => {
  const body = req.url?.startsWith("/tickets")
    ? ticketsPage(Number(new URL(req.url, "http://x").searchParams.get("first") ?? 50))
    : viewerBody;
  res.writeHead(200, { "content-type": "application/json" });
  res.end(body);
}).listen(port, "127.0.0.1", () => console.log("ready"));
