// GET /audit/export.jsonl and /audit/export.csv (admins): the audit trail streamed in sequence
// order, filtered by requestId, from and to. Each record carries what the verifier needs.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ChainedRecord, JsonValue } from "@access/audit-chain";
import type { Client, Database } from "../db/database.ts";
import { isAdmin } from "../domain/work.ts";
import { type Authenticator, unauthenticatedBody } from "./auth.ts";
import { errorBody, sendJson } from "./json.ts";
import { fromGlobalId, toGlobalIdOrNull } from "../domain/global-id.ts";
import type { Prisma } from "../generated/prisma/client.ts";

const PAGE = 1000;

export type ExportRecord = ChainedRecord;

export const EXPORT_COLUMNS: readonly (keyof ExportRecord)[] = [
  "sequence",
  "at",
  "actorId",
  "action",
  "requestId",
  "ticketId",
  "comment",
  "data",
  "prevHash",
  "hash",
];

class ExportParamError extends Error {}

function parseTime(value: string | null, name: string): Date | null {
  if (value === null || value === "") return null;
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw new ExportParamError(`${name} must be an ISO-8601 date-time`);
  return new Date(time);
}

function exportWhere(params: URLSearchParams): Prisma.AuditEventWhereInput {
  const and: Prisma.AuditEventWhereInput[] = [];
  const requestId = params.get("requestId");
  if (requestId) {
    const decoded = fromGlobalId(requestId);
    if (!decoded || decoded.type !== "Request") throw new ExportParamError("requestId must be the id of a Request");
    and.push({ requestId: decoded.id });
  }
  const from = parseTime(params.get("from"), "from");
  const to = parseTime(params.get("to"), "to");
  if (from) and.push({ at: { gte: from } });
  if (to) and.push({ at: { lte: to } });
  return { AND: and };
}

/** Every matching event, page by page, in sequence order. */
export async function* exportRecords(db: Client, where: Prisma.AuditEventWhereInput): AsyncGenerator<ExportRecord> {
  let after = 0;
  for (;;) {
    const page = await db.auditEvent.findMany({
      where: { AND: [where, { sequence: { gt: after } }] },
      orderBy: { sequence: "asc" },
      take: PAGE,
    });
    for (const e of page) {
      yield {
        sequence: e.sequence,
        at: e.at.toISOString(),
        actorId: toGlobalIdOrNull("Identity", e.actorId),
        action: e.action,
        requestId: toGlobalIdOrNull("Request", e.requestId),
        ticketId: toGlobalIdOrNull("Ticket", e.ticketId),
        comment: e.comment,
        data: JSON.parse(e.data) as JsonValue,
        prevHash: e.prevHash,
        hash: e.hash,
      };
    }
    if (page.length < PAGE) return;
    after = page.at(-1)?.sequence ?? after;
  }
}

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  let text = typeof value === "string" ? value : typeof value === "number" ? String(value) : JSON.stringify(value);
  // Spreadsheet formula injection: a cell must not start with = + - @ (OWASP); JSONL stays exact.
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvLine(values: readonly unknown[]): string {
  return `${values.map(csvCell).join(",")}\r\n`;
}

/** Starts a download named `<name>-<time>.<format>`; the writer it returns honours back-pressure. */
export function startDownload(
  res: ServerResponse,
  format: "jsonl" | "csv",
  name: string,
): (chunk: string) => Promise<void> {
  const stamp = new Date().toISOString().replaceAll(":", "-");
  res.writeHead(200, {
    "content-type": format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8",
    "content-disposition": `attachment; filename="${name}-${stamp}.${format}"`,
    "cache-control": "no-store",
  });
  return async (chunk: string) => {
    if (!res.write(chunk)) await new Promise<void>((resolve) => res.once("drain", resolve));
  };
}

/** Streams the export, honouring back-pressure. */
async function streamExport(
  db: Client,
  res: ServerResponse,
  format: "jsonl" | "csv",
  where: Prisma.AuditEventWhereInput,
): Promise<void> {
  const write = startDownload(res, format, "audit");
  if (format === "csv") await write(csvLine(EXPORT_COLUMNS));
  for await (const record of exportRecords(db, where)) {
    if (res.destroyed) return;
    await write(format === "csv" ? csvLine(EXPORT_COLUMNS.map((c) => record[c])) : `${JSON.stringify(record)}\n`);
  }
  res.end();
}

/**
 * Whether an export may go ahead: GET by an admin (token or session). Otherwise the refusal is
 * sent (405, 401, or 403 with `forbidden`) and the answer is false. Every export asks this.
 */
export async function adminGet(
  authenticator: Authenticator,
  req: IncomingMessage,
  res: ServerResponse,
  forbidden: string,
): Promise<boolean> {
  if (req.method !== "GET") {
    sendJson(res, 405, errorBody("BAD_REQUEST", "Use GET."), { allow: "GET" });
    return false;
  }
  const authentication = await authenticator.authenticateRequest(req.headers);
  if (!authentication) {
    sendJson(res, 401, unauthenticatedBody());
    return false;
  }
  if (!isAdmin(authentication.viewer)) {
    sendJson(res, 403, errorBody("FORBIDDEN", forbidden));
    return false;
  }
  return true;
}

/**
 * The export route: GET only, an admin's token or session (a GET changes nothing, so a session
 * cookie needs no origin check; another site's page cannot read the answer), valid parameters;
 * then the stream.
 */
export async function serveAuditExport(
  db: Database,
  authenticator: Authenticator,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  format: "jsonl" | "csv",
): Promise<void> {
  if (!(await adminGet(authenticator, req, res, "Only admins may export the audit trail."))) return;
  let where;
  try {
    where = exportWhere(url.searchParams);
  } catch (error) {
    if (error instanceof ExportParamError) {
      sendJson(res, 400, errorBody("VALIDATION", error.message));
      return;
    }
    throw error;
  }
  await streamExport(db.read, res, format, where);
}
