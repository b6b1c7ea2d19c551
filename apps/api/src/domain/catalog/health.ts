// Connector health of a system: HEALTHY after a good call or check, DEGRADED after failures,
// DOWN when the peer does not answer (or after three failures in a row). Only a change of
// status is audited (SYSTEM_HEALTH_CHANGED, which also drives the admins' live updates); the
// calls themselves are audited as CONNECTOR_CALLED, the periodic checks are not.
import type { HealthStatus } from "../../generated/prisma/client.ts";
import { toGlobalId } from "../global-id.ts";
import type { Work } from "../work.ts";

export type HealthObservation = { ok: true } | { ok: false; message: string; unreachable: boolean };

const DOWN_AFTER = 3;

export async function recordHealth(
  work: Work,
  systemId: string,
  observation: HealthObservation,
): Promise<HealthStatus> {
  const system = await work.tx.system.findUniqueOrThrow({
    where: { id: systemId },
    select: { healthFailures: true, healthStatus: true },
  });
  const failures = observation.ok ? 0 : system.healthFailures + 1;
  const status: HealthStatus = observation.ok
    ? "HEALTHY"
    : observation.unreachable || failures >= DOWN_AFTER
      ? "DOWN"
      : "DEGRADED";
  await work.tx.system.update({
    where: { id: systemId },
    data: {
      healthStatus: status,
      healthFailures: failures,
      healthCheckedAt: new Date(),
      healthMessage: observation.ok ? null : observation.message.slice(0, 500),
    },
  });
  if (status !== system.healthStatus) {
    work.audit.append({
      action: "SYSTEM_HEALTH_CHANGED",
      actorId: null,
      data: {
        systemId: toGlobalId("System", systemId),
        previousStatus: system.healthStatus,
        status,
        message: observation.ok ? null : observation.message.slice(0, 500),
      },
    });
  }
  return status;
}
