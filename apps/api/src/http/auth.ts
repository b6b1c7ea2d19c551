// Bearer-token authentication for HTTP, SSE and WebSocket: one parser, one lookup.
import type { Client } from "../db/database.ts";
import { type AuthenticatedIdentity, authenticateToken } from "../domain/tokens/tokens.ts";

export function bearerToken(header: unknown): string | null {
  if (typeof header !== "string") return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

export async function authenticate(db: Client, header: unknown): Promise<AuthenticatedIdentity | null> {
  const token = bearerToken(header);
  return token ? authenticateToken(db, token) : null;
}

export function unauthenticatedBody(message = "A valid API token is required (Authorization: Bearer <token>)."): string {
  return JSON.stringify({ errors: [{ message, extensions: { code: "UNAUTHENTICATED" } }] });
}
