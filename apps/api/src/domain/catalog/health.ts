// Connector health of a system: HEALTHY after a good call or check, DEGRADED after failures,
// DOWN when the peer does not answer (or after three failures in a row). Health is an
// observation, not a decision: it is not written to the audit trail (every call already is,
// as CONNECTOR_CALLED).
import type { HealthStatus } from "../../generated/prisma/client.ts";
import type { Work } from "../work.ts";

export type HealthObservation = { ok: true } | { ok: false; message: string; unreachable: boolean };

const DOWN_AFTER = 3;

export async function recordHealth(work: Work, systemId: string, observation: HealthObservation): Promise<HealthStatus> {
  const system = await work.tx.system.findUniqueOrThrow({ where: { id: systemId }, select: { healthFailures: true } });
  const failures = observation.ok ? 0 : system.healthFailures + 1;
  const status: HealthStatus = observation.ok ? "HEALTHY" : observation.unreachable || failures >= DOWN_AFTER ? "DOWN" : "DEGRADED";
  await work.tx.system.update({
    where: { id: systemId },
    data: {
      healthStatus: status,
      healthFailures: failures,
      healthCheckedAt: new Date(),
      healthMessage: observation.ok ? null : observation.message.slice(0, 500),
    },
  });
  return status;
}
