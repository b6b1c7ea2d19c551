// The signed-in session of this tab: one live connection (@access/client's LiveConnection, one
// graphql-ws socket), the urql client over it with a cache of its own (a new one per sign-in, so
// nothing of one person stays for the next), the live streams that keep that cache current, the
// queries the views show, and the connection's state as the banner tells it.
import { type ConnectionState, LiveConnection } from "@access/client";
import {
  AccessReviewItemChanged,
  NotificationAdded,
  RequestUpdates,
  SystemHealthUpdates,
  TicketUpdates,
} from "@access/contract";
import type { AnyVariables, Client, GraphQLRequest, OperationResult, TypedDocumentNode } from "@urql/core";
import { untrack } from "svelte";
import { auth } from "./auth.svelte.ts";
import { createDashboardClient } from "./client.ts";
import { refusedNotice } from "./refused-notice.ts";

/**
 * What the banner tells. A reconnection attempt keeps the state before it: a tab that is offline
 * or over the connection limit says so until it is live again.
 */
export type LiveStatus = "connecting" | "online" | "offline" | "limited";

/** A query a view shows now (query.svelte.ts). */
export interface ShownQuery {
  request: GraphQLRequest;
  /** Its last answer was an error. */
  failed: boolean;
}

interface Stream {
  /** It delivered a change, so the connection resumes it after that change's sequence. */
  resumable: boolean;
  stop(): void;
}

class Session {
  client = $state.raw<Client | null>(null);
  status = $state<LiveStatus>("connecting");
  /** The server's words for the current problem (e.g. the connection limit it enforces). */
  reason = $state<string | null>(null);
  /** Why a live stream ended for good (a GraphQL error, e.g. a rate limit), or null. */
  streamError = $state<string | null>(null);
  readonly shown = new Set<ShownQuery>();
  private connection: LiveConnection | null = null;
  private streams: Stream[] = [];
  private healthStream: Stream | null = null;
  /** The connection was lost or refused since it was last online. */
  private interrupted = false;

  /** `token`: an API token; null: the browser's session cookie (it goes along by itself). */
  start(token: string | null): void {
    this.stop();
    const url = new URL("/graphql", location.href).href;
    const connection = new LiveConnection({
      url: url.replace(/^http/, "ws"),
      token: () => token,
      onState: (state) => {
        if (connection === this.connection) this.changed(state);
      },
    });
    this.connection = connection;
    this.client = createDashboardClient({ url, token, connection });
    // Review changes reach only admins and the reviewers concerned: an empty stream for anyone else.
    // The person's own notifications come on a stream of their own, which has no replay: after a
    // reconnect the views ask again (it never counts as resumable).
    this.streams = [
      this.follow(TicketUpdates),
      this.follow(RequestUpdates),
      this.follow(AccessReviewItemChanged),
      this.follow(NotificationAdded, false),
    ];
  }

  /** Admins also follow connector health (the systems view). */
  followAsAdmin(admin: boolean): void {
    if (admin && !this.healthStream && this.client) this.healthStream = this.follow(SystemHealthUpdates);
    if (!admin && this.healthStream) {
      this.healthStream.stop();
      this.healthStream = null;
    }
  }

  /** The browser went offline: drop the socket now (it reconnects and resumes when it can). */
  dropConnection(): void {
    this.connection?.reconnect();
  }

  stop(): void {
    for (const stream of [...this.streams, this.healthStream]) stream?.stop();
    this.streams = [];
    this.healthStream = null;
    void this.connection?.close();
    this.connection = null;
    this.client = null;
    this.status = "connecting";
    this.reason = null;
    this.streamError = null;
    this.interrupted = false;
  }

  /** Sends a mutation; its payload updates the cache (cache.ts), so views need no refetch. */
  mutate<Data, Variables extends AnyVariables>(
    document: TypedDocumentNode<Data, Variables>,
    variables: Variables,
  ): Promise<OperationResult<Data, Variables>> {
    if (!this.client) return Promise.reject(new Error("Not signed in."));
    return this.client.mutation(document, variables).toPromise();
  }

  /** Fetches the shown queries again: all of them, or those whose last answer was an error. */
  refetch(which: "all" | "failed"): void {
    const client = this.client;
    if (!client) return;
    for (const query of this.shown) {
      if (which === "all" || query.failed) {
        client.reexecuteOperation(
          client.createRequestOperation("query", query.request, { requestPolicy: "network-only" }),
        );
      }
    }
  }

  /** Runs a live subscription for the session; its changes update the cache (cache.ts). */
  private follow(document: TypedDocumentNode<unknown, { afterSequence?: number | null }>, resumes = true): Stream {
    const stream: Stream = { resumable: false, stop: () => undefined };
    const client = this.client;
    if (!client) return stream;
    const subscription = client.subscription(document, {}).subscribe((result) => {
      if (result.data) stream.resumable = resumes;
      if (result.error) this.streamError = result.error.graphQLErrors[0]?.message ?? result.error.message;
    });
    stream.stop = () => subscription.unsubscribe();
    return stream;
  }

  private changed(state: ConnectionState): void {
    switch (state.status) {
      case "online":
        // Streams that delivered a change resume after it; one that never did cannot say what
        // it missed, so the views ask again. Either way, what failed while offline is retried.
        if (this.interrupted) this.refetch(this.everyStream().every((s) => s.resumable) ? "failed" : "all");
        this.interrupted = false;
        this.status = "online";
        this.reason = null;
        return;
      case "offline":
      case "limited":
        this.interrupted = true;
        this.status = state.status;
        this.reason = state.reason;
        return;
      case "refused":
        auth.signOut(refusedNotice(state.reason));
        return;
      case "connecting":
      case "closed":
        return;
    }
  }

  private everyStream(): Stream[] {
    return this.healthStream ? [...this.streams, this.healthStream] : this.streams;
  }
}

export const session = new Session();

addEventListener("offline", () => session.dropConnection());

$effect.root(() => {
  $effect(() => {
    const token = auth.token;
    const cookie = auth.cookie;
    // Only the credentials start and stop a session (not the state the session itself writes).
    untrack(() => (token || cookie ? session.start(token) : session.stop()));
  });
});
