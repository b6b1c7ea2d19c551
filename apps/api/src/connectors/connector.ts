// The one small interface every connector kind implements, and the errors it reports. A call
// either succeeds, fails for now (retry later) or fails for good (no retry helps).

/** Whom and what a call is about. Every id is the API's global id (what `node(id:)` takes), never a database id. */
export interface ConnectorSubject {
  identity: { id: string; email: string; displayName: string };
  resource: { id: string; name: string };
  system: { id: string; name: string };
  requestId: string | null;
  ticketId: string | null;
  /** Stable for every attempt of one job: the peer can recognise a retried call. */
  idempotencyKey: string;
}

export interface Connector {
  provision(subject: ConnectorSubject): Promise<void>;
  revoke(subject: ConnectorSubject): Promise<void>;
  /** Reads the state back: does the identity hold the access now? (null: the protocol cannot tell) */
  verify(subject: ConnectorSubject): Promise<boolean | null>;
  /** Resolves when the peer answers; throws a ConnectorError otherwise. */
  checkHealth(): Promise<void>;
}

export class ConnectorError extends Error {
  constructor(
    message: string,
    /** False when retrying cannot help (rejected request, bad mapping, missing user). */
    readonly retryable: boolean,
    /** The peer did not answer at all (refused, timed out): health goes DOWN. */
    readonly unreachable = false,
  ) {
    super(message);
    this.name = "ConnectorError";
  }

  /** What went wrong, as a code everyone may read (the message is the peer's detail: admins only). */
  get code(): ConnectorErrorCode {
    if (this.unreachable) return "UNREACHABLE";
    return this.retryable ? "FAILED" : "REFUSED";
  }
}

/**
 * A connector failure as requesters and approvers are told it. The message (`detail`) may carry
 * what the peer said — host names, users, internals — so it stays with admins and the log.
 */
export type ConnectorErrorCode = "UNREACHABLE" | "REFUSED" | "FAILED";

export const CONNECTOR_ERROR_MESSAGES: Record<ConnectorErrorCode, string> = {
  UNREACHABLE: "The connected system did not answer; IT has been told.",
  REFUSED: "The connected system refused the change; IT has been told.",
  FAILED: "The connected system could not make the change; IT has been told.",
};

/** A failed call as the trail records it: the code and plain message for all, the detail for admins. */
export interface ConnectorFailure {
  code: ConnectorErrorCode;
  detail: string;
}

/** Any error as a ConnectorError (unknown failures are retried). */
export function asConnectorError(error: unknown): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const unreachable = /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|timeout|aborted/i.test(
    `${message} ${(error as { cause?: { code?: string } }).cause?.code ?? ""}`,
  );
  return new ConnectorError(message, true, unreachable);
}
