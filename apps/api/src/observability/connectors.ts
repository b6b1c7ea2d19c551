// Connector calls as the operator sees them: each call of a system's connector counted by system,
// call and outcome (metrics, when configured) and made inside a span (traces, when configured).
// The job runner wraps every connector it builds with this.
import { asConnectorError, type Connector, type ConnectorSubject } from "../connectors/connector.ts";
import type { ConnectorCall, ConnectorOutcome, Metrics } from "./metrics.ts";
import { inSpan } from "./tracing.ts";

const OUTCOMES = { UNREACHABLE: "unreachable", REFUSED: "refused", FAILED: "failed" } as const;

/** The outcome label of a failed call, by the connector error it is (unknown errors are retried: failed). */
export const outcomeOf = (error: unknown): ConnectorOutcome => OUTCOMES[asConnectorError(error).code];

export function observedConnector(connector: Connector, system: string, metrics: Metrics | null): Connector {
  const call = <T>(name: ConnectorCall, subject: ConnectorSubject | null, work: () => Promise<T>): Promise<T> =>
    inSpan(
      `connector.${name}`,
      {
        "access.system": system,
        "access.connector.call": name,
        ...(subject ? { "access.resource": subject.resource.name, "access.job": subject.idempotencyKey } : {}),
      },
      async () => {
        try {
          const result = await work();
          metrics?.connectorCall(system, name, "ok");
          return result;
        } catch (error) {
          metrics?.connectorCall(system, name, outcomeOf(error));
          throw error;
        }
      },
    );
  return {
    provision: (subject) => call("provision", subject, () => connector.provision(subject)),
    revoke: (subject) => call("revoke", subject, () => connector.revoke(subject)),
    verify: (subject) => call("verify", subject, () => connector.verify(subject)),
    checkHealth: () => call("health_check", null, () => connector.checkHealth()),
  };
}
