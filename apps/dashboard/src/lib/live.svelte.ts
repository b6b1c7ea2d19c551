// Live updates: one graphql-ws connection per signed-in tab, subscribed to every ticket and
// request change the viewer may see. Each change bumps `version`, which the views' queries
// depend on. After a lost connection the client reconnects and resumes from the last sequence it
// saw (afterSequence), so no change is missed; `online` says when it is offline.
import { RequestStatusSignal, SystemHealthSignal, TicketStatusSignal } from "@access/contract";
import { stringifyDocument } from "@urql/core";
import { type Client as WsClient, createClient } from "graphql-ws";
import { auth } from "./auth.svelte.ts";

const SUBSCRIPTIONS = [TicketStatusSignal, RequestStatusSignal].map(stringifyDocument);
/** Admins also follow connector health (the systems view). */
const ADMIN_SUBSCRIPTIONS = [SystemHealthSignal].map(stringifyDocument);

const COALESCE_MS = 150;

class Live {
  /** Changes seen so far; queries re-run when it moves. */
  version = $state(0);
  online = $state(false);
  /** The token was refused (4403): the tab must sign in again. */
  refused = $state(false);
  private lastSequence: number | null = null;
  private connectedBefore = false;
  private admin = false;
  private socket: WsClient | null = null;
  private stops: (() => void)[] = [];
  private pendingBump: ReturnType<typeof setTimeout> | null = null;

  start(token: string): void {
    this.stop();
    this.refused = false;
    this.connectedBefore = false;
    let pongTimeout: ReturnType<typeof setTimeout> | undefined;
    const url = `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/graphql`;
    this.socket = createClient({
      url,
      connectionParams: { authorization: `Bearer ${token}` },
      lazy: false,
      keepAlive: 10_000,
      retryAttempts: Infinity,
      shouldRetry: (event) => !(event instanceof CloseEvent && event.code === 4403),
      retryWait: async (retries) => new Promise((resolve) => setTimeout(resolve, Math.min(500 * 2 ** retries, 5_000))),
      on: {
        // A connection that stops answering pings is dead even if the socket looks open.
        ping: (received) => {
          if (!received) pongTimeout = setTimeout(() => this.socket?.terminate(), 5_000);
        },
        pong: (received) => {
          if (received) clearTimeout(pongTimeout);
        },
        connected: () => {
          this.online = true;
          this.subscribe();
        },
        closed: (event) => {
          this.online = false;
          this.unsubscribe();
          if (event instanceof CloseEvent && event.code === 4403) this.refused = true;
        },
      },
    });
  }

  /** Called once the viewer is known to be an admin: adds the admin feeds. */
  followAsAdmin(admin: boolean): void {
    if (admin === this.admin) return;
    this.admin = admin;
    if (this.online) {
      this.unsubscribe();
      this.subscribe();
    }
  }

  /** The browser went offline: drop the socket now (it reconnects and resumes when it can). */
  dropConnection(): void {
    this.socket?.terminate();
  }

  stop(): void {
    this.unsubscribe();
    void this.socket?.dispose();
    this.socket = null;
    this.online = false;
  }

  private subscribe(): void {
    const socket = this.socket;
    if (!socket) return;
    const after = this.lastSequence;
    // A reconnection resumes after the last change this tab saw (afterSequence) and re-runs the
    // views' queries, so whatever changed while it was offline shows up even when the tab had
    // not seen any change before.
    if (this.connectedBefore) this.version += 1;
    this.connectedBefore = true;
    this.stops = [...SUBSCRIPTIONS, ...(this.admin ? ADMIN_SUBSCRIPTIONS : [])].map((query) =>
      socket.subscribe<Record<string, { sequence: number }>>(
        { query, variables: { afterSequence: after } },
        {
          next: ({ data }) => {
            const change = data && Object.values(data)[0];
            if (!change) return;
            this.lastSequence = Math.max(this.lastSequence ?? 0, change.sequence);
            this.bumpSoon();
          },
          error: () => undefined,
          complete: () => undefined,
        },
      ),
    );
  }

  /**
   * A burst of changes (a request of twenty items, a busy hour for an admin) re-runs the views'
   * queries once, COALESCE_MS after its first change, not once per change: the page stays as
   * current and its token stays far below the API's rate limit.
   */
  private bumpSoon(): void {
    if (this.pendingBump) return;
    this.pendingBump = setTimeout(() => {
      this.pendingBump = null;
      this.version += 1;
    }, COALESCE_MS);
  }

  private unsubscribe(): void {
    for (const stop of this.stops) stop();
    this.stops = [];
  }
}

export const live = new Live();

addEventListener("offline", () => live.dropConnection());

$effect.root(() => {
  $effect(() => {
    if (auth.token) live.start(auth.token);
    else live.stop();
  });
});
