// Subscriptions over WebSocket, executed once per change for all subscribers that would get the
// same answer. graphql-js runs a subscription's selection set once per subscriber per change;
// with thousands of dashboards open that execution is most of a change's delivery time. Two
// subscribers get the same answer when they sent the same document, operation and variables
// as the same identity with the same role (every resolver's answer depends only on those and
// the change), so the first one to need a change's result executes it and the others share it.
import { createSourceEventStream, execute, type ExecutionArgs, type ExecutionResult, type GraphQLError } from "graphql";
import type { StatusChange } from "./pubsub.ts";

/** What onSubscribe prepares for `subscribe`: the sharing key. */
export interface SharedRoot {
  shareKey: string;
}

const MAX_RESULTS = 4_096;

export class SharedSubscriptions {
  /** Results by change sequence and sharing key; the oldest are dropped beyond MAX_RESULTS. */
  private readonly results = new Map<string, Promise<ExecutionResult>>();

  constructor(private readonly maskError: (error: unknown) => GraphQLError) {}

  /** What graphql-ws calls for a `subscribe` message whose operation is a subscription. */
  async subscribe(args: ExecutionArgs): Promise<AsyncGenerator<ExecutionResult> | ExecutionResult> {
    const root = args.rootValue as SharedRoot;
    const source = await createSourceEventStream({ ...args, rootValue: undefined });
    if (!(Symbol.asyncIterator in source)) {
      return { ...source, errors: source.errors?.map((error) => this.maskError(error)) };
    }
    const changes = source as AsyncGenerator<StatusChange>;
    // graphql-js's own execute of the subscription's selection with the change as root value, as
    // its subscribe does per event (yoga's executor would start a new subscription instead);
    // errors are masked as everywhere else.
    const run = async (change: StatusChange): Promise<ExecutionResult> => {
      const result = await execute({ ...args, rootValue: change });
      return result.errors ? { ...result, errors: result.errors.map((error) => this.maskError(error)) } : result;
    };
    return mapStream(changes, (change) => this.shared(`${change.sequence}\n${root.shareKey}`, () => run(change)));
  }

  private shared(key: string, run: () => Promise<ExecutionResult>): Promise<ExecutionResult> {
    let result = this.results.get(key);
    if (!result) {
      result = run();
      this.results.set(key, result);
      if (this.results.size > MAX_RESULTS) {
        const oldest = this.results.keys().next().value;
        if (oldest !== undefined) this.results.delete(oldest);
      }
    }
    return result;
  }
}

/** The sharing key of a subscription: who asks, and exactly what. */
export function shareKey(viewer: { id: string; role: string }, payload: { query: string; operationName?: string | null; variables?: unknown }): string {
  return JSON.stringify([viewer.id, viewer.role, payload.query, payload.operationName ?? null, payload.variables ?? null]);
}

/**
 * Maps a stream without an async generator of our own: a generator suspended on the source's
 * next() would see return() only after the next change, and the feed's stream must be told at
 * once when the client unsubscribes.
 */
function mapStream<T, R>(source: AsyncGenerator<T>, map: (value: T) => Promise<R>): AsyncGenerator<R> {
  const done = { done: true, value: undefined } as IteratorReturnResult<undefined>;
  const mapped: AsyncGenerator<R> = {
    async next() {
      const step = await source.next();
      if (step.done) return done;
      return { done: false, value: await map(step.value) };
    },
    async return() {
      await source.return(undefined);
      return done;
    },
    async throw(error: unknown) {
      await source.return(undefined);
      throw error;
    },
    [Symbol.asyncIterator]() {
      return mapped;
    },
  } as AsyncGenerator<R>;
  return mapped;
}
