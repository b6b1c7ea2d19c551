// Subscriptions over WebSocket, executed once per change for all subscribers that would get the
// same answer. graphql-js runs a subscription's selection set once per subscriber per change;
// with thousands of dashboards open that execution is most of a change's delivery time. Two
// subscribers get the same answer when they sent the same document, operation and variables
// as the same identity with the same role (every resolver's answer depends only on those and
// the change), so the first one to need a change's result executes it and the others share it.
// The shared result is also serialised once: graphql-ws's `next` frames of one result differ only
// by the subscription's id, so each socket gets prefix + id + the shared payload's JSON, written
// straight to it (graphql-ws would validate and stringify the whole message per subscriber, and
// run a chain of promises per message: at thousands of subscribers, most of a change's time).
import { createHash } from "node:crypto";
import { createSourceEventStream, execute, type ExecutionArgs, type ExecutionResult, type GraphQLError } from "graphql";
import type { StatusChange } from "./changes.ts";

/** What onSubscribe prepares for `subscribe`: the sharing key and where the frames go. */
export interface SharedRoot {
  shareKey: string;
  sink: FrameSink;
}

/** One subscription's socket: its graphql-ws id, and how to write a frame to it. */
export interface FrameSink {
  id: string;
  /**
   * Writes a frame. Returns a promise, resolved once the frame is written, only when the socket
   * could not take it at once: the next frame waits for it then (no promise per frame otherwise).
   */
  send(frame: string): Promise<void> | undefined;
}

/** A change's result, with the JSON of its `next` payload made once for every subscriber. */
interface SharedResult {
  result: ExecutionResult;
  payload: string;
}

/**
 * A result is shared for a few seconds: long enough for one change's delivery to every
 * subscriber, short enough that memory follows the live traffic and a client resuming later gets
 * a fresh execution.
 */
const SHARE_MS = 5_000;
const MAX_RESULTS = 4_096;

export class SharedSubscriptions {
  /** Results by change sequence and sharing key, oldest first. */
  private readonly results = new Map<string, { at: number; result: Promise<SharedResult> }>();

  constructor(private readonly maskError: (error: unknown) => GraphQLError) {}

  /** What graphql-ws calls for a `subscribe` message whose operation is a subscription. */
  async subscribe(args: ExecutionArgs): Promise<AsyncGenerator<never> | ExecutionResult> {
    const root = args.rootValue as SharedRoot;
    const source = await createSourceEventStream({ ...args, rootValue: undefined });
    if (!(Symbol.asyncIterator in source)) {
      return { ...source, errors: source.errors?.map((error) => this.maskError(error)) };
    }
    const changes = source as AsyncGenerator<StatusChange>;
    // graphql-js's own execute of the subscription's selection with the change as root value, as
    // its subscribe does per event (yoga's executor would start a new subscription instead);
    // errors are masked as everywhere else.
    const run = async (change: StatusChange): Promise<SharedResult> => {
      const executed = await execute({ ...args, rootValue: change });
      const result = executed.errors
        ? { ...executed, errors: executed.errors.map((error) => this.maskError(error)) }
        : executed;
      return { result, payload: payloadJson(result) };
    };
    const payloads = mapStream(
      changes,
      async (change) => (await this.shared(`${change.sequence}\n${root.shareKey}`, () => run(change))).payload,
      (error) => payloadJson({ errors: [this.maskError(error)] }),
    );
    return deliver(payloads, root.sink);
  }

  private shared(key: string, run: () => Promise<SharedResult>): Promise<SharedResult> {
    const now = Date.now();
    for (const [oldKey, entry] of this.results) {
      if (now - entry.at < SHARE_MS && this.results.size < MAX_RESULTS) break;
      this.results.delete(oldKey);
    }
    const found = this.results.get(key);
    if (found) return found.result;
    const result = run();
    this.results.set(key, { at: now, result });
    return result;
  }
}

/** The sharing key of a subscription: who asks, and exactly what (hashed: inputs may be large). */
export function shareKey(
  viewer: { id: string; role: string },
  payload: { query: string; operationName?: string | null; variables?: unknown },
): string {
  const exact = JSON.stringify([
    viewer.id,
    viewer.role,
    payload.query,
    payload.operationName ?? null,
    payload.variables ?? null,
  ]);
  return createHash("sha256").update(exact).digest("base64url");
}

/**
 * The JSON of a result as graphql-ws's `next` payload: the result's fields, `errors` last and
 * only when there are some (GraphQLError serialises through its toJSON, as graphql-ws sends it).
 */
export function payloadJson(result: ExecutionResult): string {
  const { errors, ...rest } = result;
  return JSON.stringify(errors ? { ...rest, errors } : rest);
}

/**
 * Writes each payload of `payloads` to the subscription's socket as a graphql-ws `next` frame,
 * one after the other (the next change is taken once the socket took the last one, so a client
 * that stops reading backs up into the feed's bounded queue, as under graphql-ws). graphql-ws
 * iterates the returned stream, which yields nothing and ends when `payloads` ends: graphql-ws
 * then sends `complete` after the last frame, and its return() (the client completed or hung up)
 * ends `payloads`.
 */
export function deliver(payloads: AsyncGenerator<string>, sink: FrameSink): AsyncGenerator<never> {
  const prefix = `{"id":${JSON.stringify(sink.id)},"type":"next","payload":`;
  return streamOf<never>(async () => {
    for (;;) {
      const step = await payloads.next();
      if (step.done) return DONE;
      const written = sink.send(`${prefix}${step.value}}`);
      if (written) await written;
    }
  }, payloads);
}

const DONE = { done: true, value: undefined } as IteratorReturnResult<undefined>;

/**
 * A stream without an async generator of our own: a generator suspended on the source's next()
 * would see return() only after the next change, and the feed's stream must be told at once
 * when the client unsubscribes. return() and throw() end `source`.
 */
function streamOf<R>(next: () => Promise<IteratorResult<R>>, source: AsyncGenerator<unknown>): AsyncGenerator<R> {
  const stream: AsyncGenerator<R> = {
    next,
    async return() {
      await source.return(undefined);
      return DONE;
    },
    async throw(error: unknown) {
      await source.return(undefined);
      throw error;
    },
    [Symbol.asyncIterator]() {
      return stream;
    },
  } as AsyncGenerator<R>;
  return stream;
}

/** Maps a stream (see streamOf). */
function mapStream<T, R>(
  source: AsyncGenerator<T>,
  map: (value: T) => Promise<R>,
  onError: (error: unknown) => R,
): AsyncGenerator<R> {
  let failed = false;
  // A failing source (the database away during a replay) ends the stream with one masked
  // error instead of handing the driver's message to the client.
  return streamOf<R>(async () => {
    if (failed) return DONE;
    try {
      const step = await source.next();
      if (step.done) return DONE;
      return { done: false, value: await map(step.value) };
    } catch (error) {
      failed = true;
      void source.return(undefined).catch(() => undefined);
      return { done: false, value: onError(error) };
    }
  }, source);
}
