// JSON answers of the non-GraphQL routes, in the contract's error shape.
import type { ServerResponse } from "node:http";

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers });
  res.end(typeof body === "string" ? body : JSON.stringify(body));
}

export const errorBody = (code: string, message: string) => ({ errors: [{ message, extensions: { code } }] });
