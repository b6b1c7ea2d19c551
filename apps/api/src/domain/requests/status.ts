// A request's status is derived from its items (DESIGN.md, "Request status"); this module owns
// that rule and the one place that writes a request's status with its audit event.
import type { AuditAction, RequestStatus } from "../../generated/prisma/client.ts";
import type { Work } from "../work.ts";

const OPEN_ITEM_STATUSES: readonly RequestStatus[] = ["PENDING_APPROVAL", "APPROVED", "FAILED"];

/** Whether an item in this status can still change. */
export const isOpenItem = (status: RequestStatus): boolean => OPEN_ITEM_STATUSES.includes(status);

export function deriveRequestStatus(items: readonly RequestStatus[]): RequestStatus {
  const has = (s: RequestStatus) => items.includes(s);
  const all = (s: RequestStatus) => items.length > 0 && items.every((i) => i === s);
  if (has("PENDING_APPROVAL")) return "PENDING_APPROVAL";
  if (has("APPROVED")) return "APPROVED";
  if (has("FAILED")) return "FAILED";
  if (all("FULFILLED")) return "FULFILLED";
  if (has("FULFILLED")) return "PARTIALLY_FULFILLED";
  if (all("CANCELLED")) return "CANCELLED";
  return "REJECTED";
}

/**
 * Recomputes the request's status from its items; writes it (and closedAt) with an audit event
 * when it changed, or always when `action` is given (e.g. REQUEST_CANCELLED).
 */
export async function refreshRequestStatus(
  work: Work,
  requestId: string,
  actorId: string | null,
  explicit?: { action: AuditAction; comment: string | null },
): Promise<RequestStatus> {
  // Touching the row first takes its lock (PostgreSQL) before the items are read: two decisions
  // on sibling items that commit together would otherwise each derive the status from the other's
  // item as it was before, and leave the request with a stale status.
  const request = await work.tx.request.update({
    where: { id: requestId },
    data: { updatedAt: new Date() },
    select: { status: true, closedAt: true, items: { select: { status: true } } },
  });
  const itemStatuses = request.items.map((i) => i.status);
  const status = deriveRequestStatus(itemStatuses);
  const closed = !itemStatuses.some(isOpenItem);
  await work.tx.request.update({
    where: { id: requestId },
    data: { status, closedAt: closed ? (request.closedAt ?? new Date()) : null },
  });
  if (status !== request.status || explicit) {
    work.audit.append({
      action: explicit?.action ?? "REQUEST_STATUS_CHANGED",
      actorId,
      requestId,
      comment: explicit?.comment ?? null,
      data: { previousStatus: request.status, status },
    });
  }
  return status;
}
