// The urql client of a signed-in session: queries and mutations over HTTP with the session's
// token or the browser's session cookie, subscriptions through @access/client's live connection (one graphql-ws socket, streams
// that resume with afterSequence across reconnects), and the normalised cache (cache.ts) that
// both write into, so views follow the cache instead of re-running their queries.
import { type LiveConnection } from "@access/client";
import { Client, type CombinedError, fetchExchange, subscriptionExchange } from "@urql/core";
import { dashboardCache } from "./cache.ts";

export interface DashboardClientOptions {
  /** The API's /graphql endpoint. */
  url: string;
  /** An API token; null: the browser's session cookie authenticates (same origin). */
  token: string | null;
  /** The session's live connection: every subscription goes through it. */
  connection: LiveConnection;
  /** Defaults to the global fetch (tests pass one that counts requests). */
  fetch?: typeof fetch;
}

export function createDashboardClient(options: DashboardClientOptions): Client {
  return new Client({
    url: options.url,
    fetch: options.fetch,
    fetchOptions: {
      credentials: "same-origin",
      headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
    },
    requestPolicy: "cache-first",
    exchanges: [
      dashboardCache(),
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({
            unsubscribe: options.connection.live<Record<string, unknown>, Record<string, unknown>>(
              request.query ?? "",
              {
                variables: request.variables,
                next: (data) => sink.next({ data }),
                // A GraphQL error (e.g. FORBIDDEN) ends the stream; the connection retries the rest.
                error: (error) => {
                  sink.next({ errors: error.errors.length > 0 ? error.errors : [{ message: error.message }] });
                  sink.complete();
                },
              },
            ),
          }),
        }),
      }),
      fetchExchange,
    ],
  });
}

/** A sentence for people, from a failed query or mutation. */
/**
 * A sentence for people, from a failed query or mutation. A view's query is fetched again on its
 * own once the connection is back; a mutation (`action`) is not: the person must send it again.
 */
export function describeError(error: CombinedError, kind: "view" | "action" = "view"): string {
  if (isUnauthenticated(error)) return "Your sign-in is not valid any more. Sign in again.";
  const code = error.graphQLErrors[0]?.extensions?.code;
  if (code === "FORBIDDEN") return "You are not allowed to see this.";
  if (error.networkError) {
    return kind === "action"
      ? "Not sent: the server cannot be reached. Try again when you are back online."
      : "The server cannot be reached. Check your connection; this page retries on its own.";
  }
  return error.graphQLErrors[0]?.message ?? "Something went wrong.";
}

export function isUnauthenticated(error: CombinedError | undefined): boolean {
  return (
    (error?.response as Response | undefined)?.status === 401 ||
    error?.graphQLErrors[0]?.extensions?.code === "UNAUTHENTICATED"
  );
}
