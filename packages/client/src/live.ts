// Live changes over graphql-ws that survive reconnects and restarts of either side. Every change
// carries its audit `sequence`; a live stream remembers the last one it delivered and, each time
// the socket (re)connects, subscribes again with `afterSequence` = that sequence. The server
// replays what was missed, then goes on live; anything at or below the last sequence is dropped,
// so the consumer sees every change once, in order. A consumer that restarts passes the last
// sequence it processed as `afterSequence`.
import { CloseCode, createClient, type Client as WsClient } from "graphql-ws";
import type { DocumentNode } from "graphql";
import { AccessError, fromGraphQLErrors, type GraphQLErrorShape } from "./errors.ts";
import { queryText, tokenOf, type Token } from "./request.ts";

/** RFC 6455 "Try Again Later": the API's answer to more live connections than a token may hold. */
export const TRY_AGAIN_LATER = 1013;

/** What the live connection is doing, for a status line or a log. */
export type ConnectionState =
  | { status: "connecting" }
  | { status: "online" }
  /** Lost (network, server restart): retrying by itself. */
  | { status: "offline"; reason: string }
  /** The server refused another connection for this token (too many open): retrying slowly. */
  | { status: "limited"; reason: string }
  /** The token was refused (revoked, expired, identity deactivated): no retry; sign in again. */
  | { status: "refused"; reason: string }
  | { status: "closed" };

export interface LiveSettings {
  /** ws:// or wss:// URL of /graphql. */
  url: string;
  token: Token;
  webSocketImpl?: unknown;
  onState?: (state: ConnectionState) => void;
  /** Ping interval; a connection whose pong does not come back within it is dropped. */
  keepAliveMs?: number;
}

export interface LiveOptions<Data, Variables> {
  /** The subscription's other variables (afterSequence is managed here). */
  variables?: Omit<Variables, "afterSequence">;
  /** Resume after this sequence (the last one the consumer processed), or only new changes. */
  afterSequence?: number | null;
  /**
   * Each change once, in sequence order. When it returns a promise, the next change waits for
   * it: a consumer that stores its checkpoint after its work never skips or reorders one.
   */
  next(data: Data, sequence: number): unknown;
  /** A GraphQL error ended the stream (e.g. FORBIDDEN, RATE_LIMITED): it is not retried. */
  error?(error: AccessError): void;
}

interface Stream {
  query: string;
  variables: Record<string, unknown>;
  last: number | null;
  deliver(data: unknown, sequence: number): unknown;
  /** Deliveries in order: each waits for the consumer's previous one. */
  delivering: Promise<unknown>;
  fail(error: AccessError): void;
  /** Ends the subscription on the current socket, if any. */
  dispose: (() => void) | null;
  /** Server completions in a row without a change (guards against a resubscribe loop). */
  emptyCompletions: number;
}

const describe = (event: unknown): { code: number | null; reason: string } => {
  const close = event as { code?: unknown; reason?: unknown };
  return {
    code: typeof close.code === "number" ? close.code : null,
    reason: typeof close.reason === "string" && close.reason ? close.reason : "connection lost",
  };
};

/** The sequence of a change: the first root field's `sequence`. */
function sequenceOf(data: unknown): number | null {
  if (data === null || typeof data !== "object") return null;
  const change = Object.values(data)[0] as { sequence?: unknown } | null | undefined;
  return typeof change?.sequence === "number" ? change.sequence : null;
}

export class LiveConnection {
  private socket: WsClient | null = null;
  private readonly streams = new Set<Stream>();
  private connected = false;
  private lastClose: number | null = null;
  private state: ConnectionState = { status: "closed" };

  constructor(private readonly settings: LiveSettings) {}

  /** The graphql-ws client (opened on first use), e.g. for urql's subscription exchange. */
  get client(): WsClient {
    return (this.socket ??= this.open());
  }

  get current(): ConnectionState {
    return this.state;
  }

  /** Subscribes to a live stream; returns the function that ends it. */
  live<Data, Variables>(document: DocumentNode | string, options: LiveOptions<Data, Variables>): () => void {
    const stream: Stream = {
      query: queryText(document),
      variables: { ...(options.variables as Record<string, unknown> | undefined) },
      last: options.afterSequence ?? null,
      deliver: (data, sequence) => options.next(data as Data, sequence),
      delivering: Promise.resolve(),
      fail: (error) => options.error?.(error),
      dispose: null,
      emptyCompletions: 0,
    };
    this.streams.add(stream);
    void this.client;
    if (this.connected) this.start(stream);
    return () => {
      this.streams.delete(stream);
      stream.dispose?.();
      stream.dispose = null;
    };
  }

  /** Drops the socket now (e.g. the browser went offline); it reconnects and resumes by itself. */
  reconnect(): void {
    this.socket?.terminate();
  }

  async close(): Promise<void> {
    for (const stream of this.streams) stream.dispose?.();
    this.streams.clear();
    const socket = this.socket;
    this.socket = null;
    this.setState({ status: "closed" });
    await socket?.dispose();
  }

  private setState(state: ConnectionState): void {
    this.state = state;
    this.settings.onState?.(state);
  }

  private open(): WsClient {
    let pongTimer: ReturnType<typeof setTimeout> | undefined;
    const keepAlive = this.settings.keepAliveMs ?? 10_000;
    const socket = createClient({
      url: this.settings.url,
      webSocketImpl: this.settings.webSocketImpl,
      connectionParams: () => {
        const token = tokenOf(this.settings.token);
        return token ? { authorization: `Bearer ${token}` } : {};
      },
      // Always connected while open: live streams resubscribe themselves on every connection.
      lazy: false,
      keepAlive,
      retryAttempts: Infinity,
      onNonLazyError: () => undefined,
      // A refused token stays refused: retrying would only hammer the server.
      shouldRetry: (event) => describe(event).code !== CloseCode.Forbidden,
      retryWait: async (retries) => {
        // Past the connection limit, wait long enough for another connection to end.
        const base = this.lastClose === TRY_AGAIN_LATER ? 5_000 : 500;
        const cap = this.lastClose === TRY_AGAIN_LATER ? 30_000 : 5_000;
        const wait = Math.min(base * 2 ** retries, cap);
        await new Promise((resolve) => setTimeout(resolve, wait * (0.8 + Math.random() * 0.4)));
      },
      on: {
        connecting: () => this.setState({ status: "connecting" }),
        // A connection that stops answering pings is dead even if the socket looks open.
        ping: (received) => {
          if (!received) pongTimer = setTimeout(() => socket.terminate(), keepAlive);
        },
        pong: (received) => {
          if (received) clearTimeout(pongTimer);
        },
        connected: () => {
          this.connected = true;
          this.lastClose = null;
          this.setState({ status: "online" });
          for (const stream of this.streams) this.start(stream);
        },
        closed: (event) => {
          clearTimeout(pongTimer);
          this.connected = false;
          // graphql-ws would resend each subscription with its old variables: end them here,
          // and subscribe again with the latest afterSequence once connected.
          for (const stream of this.streams) {
            stream.dispose?.();
            stream.dispose = null;
          }
          if (this.socket !== socket) return;
          const { code, reason } = describe(event);
          this.lastClose = code;
          if (code === CloseCode.Forbidden) this.setState({ status: "refused", reason });
          else if (code === TRY_AGAIN_LATER) this.setState({ status: "limited", reason });
          else this.setState({ status: "offline", reason });
        },
      },
    });
    return socket;
  }

  private start(stream: Stream): void {
    stream.dispose?.();
    const socket = this.client;
    let delivered = false;
    const dispose = socket.subscribe<unknown>(
      { query: stream.query, variables: { ...stream.variables, afterSequence: stream.last } },
      {
        next: (result) => {
          if (result.errors?.length) {
            stream.fail(fromGraphQLErrors(result.errors as GraphQLErrorShape[], null));
            return;
          }
          const sequence = sequenceOf(result.data);
          if (sequence === null) {
            stream.fail(
              new AccessError("BAD_REQUEST", "A live subscription must select `sequence`, so it can resume."),
            );
            return;
          }
          if (stream.last !== null && sequence <= stream.last) return;
          stream.last = sequence;
          delivered = true;
          stream.emptyCompletions = 0;
          const data = result.data;
          stream.delivering = stream.delivering
            .then(() => stream.deliver(data, sequence))
            .catch((error: unknown) =>
              stream.fail(
                new AccessError("CONSUMER_FAILED", `The consumer failed on sequence ${sequence}: ${String(error)}`),
              ),
            );
        },
        error: (error) => {
          if (stream.dispose !== dispose) return;
          stream.dispose = null;
          // Socket-level failures are retried by the connection; GraphQL errors end the stream.
          if (Array.isArray(error)) {
            this.streams.delete(stream);
            stream.fail(fromGraphQLErrors(error as GraphQLErrorShape[], null));
          }
        },
        complete: () => {
          if (stream.dispose !== dispose || !this.streams.has(stream)) return;
          // The server ended the stream (a consumer too far behind is cut off): resume from the
          // last sequence, with a growing pause if it keeps ending without delivering anything.
          stream.dispose = null;
          stream.emptyCompletions = delivered ? 0 : stream.emptyCompletions + 1;
          const pause = Math.min(250 * 2 ** stream.emptyCompletions, 30_000);
          setTimeout(() => {
            if (this.streams.has(stream) && this.connected && stream.dispose === null) this.start(stream);
          }, pause);
        },
      },
    );
    stream.dispose = dispose;
  }
}
