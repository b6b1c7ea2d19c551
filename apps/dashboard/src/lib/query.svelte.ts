// A view's query: subscribed to urql's result source for as long as the view shows it, so the
// view follows the normalised cache (a live change or a mutation's payload updates it in place;
// an invalidated list is fetched again by the cache exchange). Variables are reactive.
import {
  type AnyVariables,
  createRequest,
  type GraphQLRequest,
  type RequestPolicy,
  type TypedDocumentNode,
} from "@urql/core";
import { auth } from "./auth.svelte.ts";
import { describeError, isUnauthenticated } from "./client.ts";
import { session, type ShownQuery } from "./session.svelte.ts";

export interface WatchedQuery<Data> {
  /** The latest answer (kept through a later error, which is shown beside it). */
  readonly data: Data | undefined;
  readonly error: string | undefined;
}

/**
 * Watches `document` with the variables `variables()` returns (null: nothing to ask, e.g. a
 * field only admins fill in). `cache-first` for what live changes keep current,
 * `cache-and-network` for what they do not (the catalogue, the audit trail, configuration).
 */
export function watchQuery<Data, Variables extends AnyVariables>(
  document: TypedDocumentNode<Data, Variables>,
  variables: () => Variables | null,
  requestPolicy: RequestPolicy = "cache-first",
): WatchedQuery<Data> {
  let data = $state.raw<Data | undefined>(undefined);
  let error = $state<string | undefined>(undefined);
  // The same operation (same document and variables, by value) keeps its subscription: a new
  // one would abort a fetch under way and answer from the cache instead.
  let previous: GraphQLRequest<Data, Variables> | null = null;
  const request = $derived.by(() => {
    const vars = variables();
    const next = vars === null ? null : createRequest(document, vars);
    if (next === null || next.key !== previous?.key) previous = next;
    return previous;
  });
  $effect(() => {
    const client = session.client;
    if (request === null || !client) {
      data = undefined;
      error = undefined;
      return;
    }
    const query: ShownQuery = { request, failed: false };
    session.shown.add(query);
    const subscription = client.executeQuery(request, { requestPolicy }).subscribe((result) => {
      if (isUnauthenticated(result.error)) auth.signOut("Your sign-in is not valid any more. Sign in again.");
      if (result.data) data = result.data;
      error = result.error ? describeError(result.error) : undefined;
      query.failed = result.error !== undefined;
    });
    return () => {
      subscription.unsubscribe();
      session.shown.delete(query);
    };
  });
  return {
    get data() {
      return data;
    },
    get error() {
      return error;
    },
  };
}
