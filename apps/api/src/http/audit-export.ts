// GET /audit/export.jsonl and /audit/export.csv (admins): the audit trail streamed in sequence
// order, filtered by requestId, from and to. Each record carries what the verifier needs.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ChainedRecord, JsonValue } from "@access/audit-chain";
import type { Client, Database } from "../db/database.ts";
import { isAdmin } from "../domain/work.ts";
import { type Authenticator, unauthenticatedBody, unauthenticatedHeaders } from "./auth.ts";
import { errorBody, sendJson } from "./json.ts";
import { DomainError, invalid } from "../domain/errors.ts";
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

function parseTime(value: string | null, name: string): Date | null {
  if (value === null || value === "") return null;
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw invalid(`${name} must be an ISO-8601 date-time`);
  return new Date(time);
}

function exportWhere(params: URLSearchParams): Prisma.AuditEventWhereInput {
  const and: Prisma.AuditEventWhereInput[] = [];
  const requestId = params.get("requestId");
  if (requestId) {
    const decoded = fromGlobalId(requestId);
    if (!decoded || decoded.type !== "Request") throw invalid("requestId must be the id of a Request");
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

/**
 * Streams rows as CSV (a header line, then one line per row) or JSONL, honouring back-pressure;
 * `filename` gets the time and the extension.
 */
export async function streamRows<Row extends Record<string, unknown>>(
  res: ServerResponse,
  format: "jsonl" | "csv",
  filename: string,
  columns: readonly (keyof Row & string)[],
  rows: AsyncIterable<Row>,
  /** How a value reads in a CSV cell (JSONL keeps it as it is). */
  csvValue: (value: Row[keyof Row]) => unknown = (value) => value,
): Promise<void> {
  const stamp = new Date().toISOString().replaceAll(":", "-");
  res.writeHead(200, {
    "content-type": format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8",
    "content-disposition": `attachment; filename="${filename}-${stamp}.${format}"`,
    "cache-control": "no-store",
  });
  const write = async (chunk: string) => {
    if (!res.write(chunk)) await new Promise<void>((resolve) => res.once("drain", resolve));
  };
  if (format === "csv") await write(csvLine(columns));
  for await (const row of rows) {
    if (res.destroyed) return;
    await write(format === "csv" ? csvLine(columns.map((c) => csvValue(row[c]))) : `${JSON.stringify(row)}\n`);
  }
  res.end();
}

/**
 * The gate of every admin export: GET only, an admin's token or session (a GET changes nothing,
 * so a session cookie needs no origin check; another site's page cannot read the answer), then
 * its query parameters through `parse` (a DomainError there is a 400). Null when the answer
 * (405, 401, 403, 400) was sent.
 */
export async function admitAdminExport<Params>(
  authenticator: Authenticator,
  req: IncomingMessage,
  res: ServerResponse,
  what: string,
  parse: () => Params,
): Promise<Params | null> {
  if (req.method !== "GET") {
    sendJson(res, 405, errorBody("BAD_REQUEST", "Use GET."), { allow: "GET" });
    return null;
  }
  const authentication = await authenticator.authenticateRequest(req.headers);
  if (!authentication) {
    sendJson(res, 401, unauthenticatedBody(), unauthenticatedHeaders(req.headers.authorization));
    return null;
  }
  if (!isAdmin(authentication.viewer)) {
    sendJson(res, 403, errorBody("FORBIDDEN", `Only admins may export ${what}.`));
    return null;
  }
  try {
    return parse();
  } catch (error) {
    if (error instanceof DomainError) {
      sendJson(res, 400, errorBody("VALIDATION", error.message));
      return null;
    }
    throw error;
  }
}

/** The audit export route: the gate and valid parameters, then the stream. */
export async function serveAuditExport(
  db: Database,
  authenticator: Authenticator,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  format: "jsonl" | "csv",
): Promise<void> {
  const where = await admitAdminExport(authenticator, req, res, "the audit trail", () => exportWhere(url.searchParams));
  if (where) await streamRows(res, format, "audit", EXPORT_COLUMNS, exportRecords(db.read, where));
}
