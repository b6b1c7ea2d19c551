// What a connector call's outcome does to its job, ticket, item, grant and request. Called by the
// job runner in one transaction per attempt; every attempt is a CONNECTOR_CALLED audit event
// (operation, outcome, attempt, duration; a failure's code and plain message for everyone, the
// connector's detail for admins — never a secret). The system itself is the actor.
import { CONNECTOR_ERROR_MESSAGES, type ConnectorFailure } from "../../connectors/connector.ts";
import type { ConnectorCallOutcome } from "../audit/events.ts";
import { activateGrant } from "../grants/grants.ts";
import { toGlobalId } from "../global-id.ts";
import { enqueueJob } from "../jobs.ts";
import { moveTicketIfStill, refreshRequestStatus } from "../lifecycle.ts";
import type { Work } from "../work.ts";

export interface Attempt {
  jobId: string;
  attempt: number;
  durationMs: number;
}

async function loadJob(work: Work, jobId: string) {
  return work.tx.job.findUniqueOrThrow({
    where: { id: jobId },
    select: {
      id: true,
      kind: true,
      systemId: true,
      identityId: true,
      resourceId: true,
      ticket: { select: { id: true, kind: true, status: true, itemId: true, requestId: true } },
    },
  });
}

function auditAttempt(
  work: Work,
  job: Awaited<ReturnType<typeof loadJob>>,
  attempt: Attempt,
  outcome: ConnectorCallOutcome,
): void {
  work.audit.append({
    action: "CONNECTOR_CALLED",
    actorId: null,
    requestId: job.ticket?.requestId ?? null,
    ticketId: job.ticket?.id ?? null,
    data: {
      jobId: job.id,
      operation: job.kind === "PROVISION" ? "provision" : "revoke",
      systemId: toGlobalId("System", job.systemId),
      attempt: attempt.attempt,
      durationMs: attempt.durationMs,
      ...outcome,
    },
  });
}

/** The call succeeded (and was verified where the protocol allows). */
export async function recordConnectorSuccess(work: Work, attempt: Attempt, verified: boolean | null): Promise<void> {
  const job = await loadJob(work, attempt.jobId);
  await work.tx.job.update({ where: { id: job.id }, data: { status: "DONE", lockedUntil: null, lastError: null } });
  auditAttempt(work, job, attempt, { outcome: "success", verified });
  const ticket = job.ticket;
  if (job.kind !== "PROVISION" || !ticket) return;
  if (ticket.status === "CANCELLED") {
    // The request was cancelled while the call ran: take the access back.
    await enqueueJob(work, {
      kind: "REVOKE",
      systemId: job.systemId,
      ticketId: ticket.id,
      identityId: job.identityId,
      resourceId: job.resourceId,
    });
    return;
  }
  const fulfilled = await moveTicketIfStill(work, ticket, {
    action: "TICKET_FULFILLED",
    actorId: null,
    data: { previousStatus: "IN_PROGRESS", status: "FULFILLED", kind: "FULFILLMENT", by: "connector", verified },
  });
  if (!fulfilled) return;
  await activateGrant(
    work,
    { identityId: job.identityId, resourceId: job.resourceId, requestId: ticket.requestId, itemId: ticket.itemId },
    null,
  );
  await refreshRequestStatus(work, ticket.requestId, null);
}

/**
 * The call failed. Not final: the job waits until `retryAt`. Final: the job and its ticket are
 * FAILED with the connector's error, and the request shows FAILED.
 */
export async function recordConnectorFailure(
  work: Work,
  attempt: Attempt,
  failure: ConnectorFailure,
  retryAt: Date | null,
): Promise<void> {
  const job = await loadJob(work, attempt.jobId);
  const final = retryAt === null;
  const lastError = failure.detail;
  await work.tx.job.update({
    where: { id: job.id },
    data: final ? { status: "FAILED", lockedUntil: null, lastError } : { runAt: retryAt, lockedUntil: null, lastError },
  });
  // Everyone who may see the request reads the code and the plain message; the detail (what the
  // peer said) is for admins: AuditEvent.data leaves it out for others, and no comment carries it.
  const error = CONNECTOR_ERROR_MESSAGES[failure.code];
  auditAttempt(work, job, attempt, {
    outcome: "failure",
    errorCode: failure.code,
    error,
    detail: failure.detail,
    final,
    retryAt: retryAt?.toISOString() ?? null,
  });
  const ticket = job.ticket;
  if (!final || job.kind !== "PROVISION" || !ticket) return;
  const failed = await moveTicketIfStill(work, ticket, {
    action: "TICKET_FAILED",
    actorId: null,
    comment: error,
    data: {
      previousStatus: "IN_PROGRESS",
      status: "FAILED",
      kind: "FULFILLMENT",
      errorCode: failure.code,
      error,
      attempts: attempt.attempt,
    },
  });
  if (!failed) return;
  await refreshRequestStatus(work, ticket.requestId, null);
}
