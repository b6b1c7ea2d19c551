// Durable connector jobs: written in the same transaction as the change that needs them, run by
// the job runner (jobs/runner.ts) after commit, so a restart never loses one.
import type { JobKind } from "../generated/prisma/client.ts";
import type { Work } from "./work.ts";

export interface JobSpec {
  kind: JobKind;
  systemId: string;
  ticketId: string | null;
  /** REVOKE jobs that take an ended grant's access away name it (cancellations do not). */
  grantId?: string | null;
  identityId: string;
  resourceId: string;
}

export async function enqueueJob(work: Work, spec: JobSpec): Promise<string> {
  // maxAttempts 0: the runner applies CONNECTOR_MAX_ATTEMPTS when it first claims the job.
  const job = await work.tx.job.create({ data: { ...spec, maxAttempts: 0, runAt: new Date() }, select: { id: true } });
  work.effects.jobsQueued = true;
  return job.id;
}

/** Stops the pending jobs of these tickets (the request was cancelled). */
export async function cancelPendingJobs(work: Work, ticketIds: string[]): Promise<number> {
  const { count } = await work.tx.job.updateMany({
    where: { ticketId: { in: ticketIds }, status: "PENDING" },
    data: { status: "CANCELLED", lastError: "request cancelled" },
  });
  return count;
}
