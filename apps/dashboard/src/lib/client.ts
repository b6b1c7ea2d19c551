// The urql client: GraphQL over HTTP with the signed-in token. Live updates come from
// live.svelte.ts over graphql-ws; views re-run their queries when a change arrives.
import { Client, type CombinedError, fetchExchange } from "@urql/core";
import { auth } from "./auth.svelte.ts";

export const client = new Client({
  url: "/graphql",
  exchanges: [fetchExchange],
  requestPolicy: "network-only",
  fetchOptions: (): RequestInit => (auth.token ? { headers: { authorization: `Bearer ${auth.token}` } } : {}),
});

/** A sentence for people, from a failed query or mutation. */
export function describeError(error: CombinedError): string {
  const status = (error.response as Response | undefined)?.status;
  if (status === 401) return "Your token is not valid any more. Sign in again.";
  const code = error.graphQLErrors[0]?.extensions?.code;
  if (code === "FORBIDDEN") return "You are not allowed to see this.";
  if (code === "UNAUTHENTICATED") return "Your token is not valid any more. Sign in again.";
  if (error.networkError) return "The server cannot be reached. Check your connection; this page retries on its own.";
  return error.graphQLErrors[0]?.message ?? "Something went wrong.";
}

export function isUnauthenticated(error: CombinedError | undefined): boolean {
  return (error?.response as Response | undefined)?.status === 401;
}
