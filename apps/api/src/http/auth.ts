// Bearer-token authentication for HTTP, SSE and WebSocket: one parser, one lookup.
import type { Database } from "../db/database.ts";
import {
  type AuthenticatedIdentity,
  authenticateToken,
  recordTokenUse,
  TOKEN_USE_RESOLUTION_MS,
} from "../domain/tokens/tokens.ts";

export function bearerToken(header: unknown): string | null {
  if (typeof header !== "string") return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

export async function authenticate(db: Database, header: unknown): Promise<AuthenticatedIdentity | null> {
  const token = bearerToken(header);
  const viewer = token ? await authenticateToken(db.read, token) : null;
  if (viewer) noteTokenUse(db, viewer);
  return viewer;
}

/**
 * Keeps `lastUsedAt` current to the minute without a write per request: only when the stored
 * time is older, and after the response (a failed write costs a stale time, nothing else).
 */
const recording = new Set<string>();

function noteTokenUse(db: Database, viewer: AuthenticatedIdentity): void {
  const now = new Date();
  if (viewer.tokenLastUsedAt && now.getTime() - viewer.tokenLastUsedAt.getTime() < TOKEN_USE_RESOLUTION_MS) return;
  if (recording.has(viewer.tokenId)) return;
  recording.add(viewer.tokenId);
  void db
    .transact(({ tx }) => recordTokenUse(tx, viewer.tokenId, now))
    .catch(() => undefined)
    .finally(() => recording.delete(viewer.tokenId));
}

export function unauthenticatedBody(
  message = "A valid API token is required (Authorization: Bearer <token>).",
): string {
  return JSON.stringify({ errors: [{ message, extensions: { code: "UNAUTHENTICATED" } }] });
}
