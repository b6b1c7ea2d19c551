// A query that re-runs when its variables change and whenever a live change arrives.
import type { TypedDocumentNode } from "@urql/core";
import { client, describeError, isUnauthenticated } from "./client.ts";
import { auth } from "./auth.svelte.ts";
import { live } from "./live.svelte.ts";

export interface LiveQuery<Data> {
  data: Data | undefined;
  error: string | undefined;
  loading: boolean;
  refresh(): void;
}

/** `variables` returning null skips the query (e.g. a field only admins fill in). */
export function liveQuery<Data, Variables extends Record<string, unknown>>(
  document: TypedDocumentNode<Data, Variables>,
  variables: () => Variables | null,
): LiveQuery<Data> {
  let manual = $state(0);
  const state = $state<LiveQuery<Data>>({
    data: undefined,
    error: undefined,
    loading: true,
    refresh: () => {
      manual += 1;
    },
  });
  $effect(() => {
    const vars = variables();
    void live.version;
    void manual;
    if (vars === null) {
      state.loading = false;
      return;
    }
    let current = true;
    state.loading = true;
    client
      .query(document, vars)
      .toPromise()
      .then((result) => {
        if (!current) return;
        if (isUnauthenticated(result.error)) auth.signOut();
        if (result.data) state.data = result.data;
        state.error = result.error ? describeError(result.error) : undefined;
        state.loading = false;
      });
    return () => {
      current = false;
    };
  });
  return state;
}
