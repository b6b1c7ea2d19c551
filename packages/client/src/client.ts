// The typed client for integrators, in Node and in browsers: queries and mutations over HTTP,
// typed by the contract's documents, and live changes over graphql-ws that resume with
// afterSequence across reconnects (live.ts).
import type { DocumentNode } from "graphql";
import type { TadaDocumentNode } from "@access/contract";
import { LiveConnection, type ConnectionState, type LiveOptions } from "./live.ts";
import { sendRequest, type Token } from "./request.ts";

export interface AccessClientOptions {
  /** The API's address, e.g. http://127.0.0.1:4000 (with or without /graphql). */
  url: string;
  /** An API token, or a function returning the current one (read for every request and connection). */
  token: Token;
  /** Defaults to the global fetch (Node 18+, browsers). */
  fetch?: typeof fetch;
  /** Node: the `ws` package's WebSocket (Node 20 has no global WebSocket). Browsers: omit. */
  webSocketImpl?: unknown;
  /** Told whenever the live connection's state changes. */
  onConnectionState?: (state: ConnectionState) => void;
}

export interface AccessClient {
  /** Runs a query or mutation; resolves to its data, rejects with an AccessError. */
  request<Data, Variables>(
    document: TadaDocumentNode<Data, Variables>,
    ...variables: Variables extends Record<string, never> ? [variables?: Variables] : [variables: Variables]
  ): Promise<Data>;
  /** Follows a live subscription (it must select `sequence`); returns the function that ends it. */
  live<Data, Variables extends { afterSequence?: number | null }>(
    document: TadaDocumentNode<Data, Variables>,
    options: LiveOptions<Data, Variables>,
  ): () => void;
  /** The shared live connection (its graphql-ws client, its state, reconnect()). */
  readonly connection: LiveConnection;
  /** Ends every live stream and closes the socket. */
  close(): Promise<void>;
}

/** The endpoint of a base URL: http://host:4000 → http://host:4000/graphql. */
export function graphqlEndpoint(url: string): string {
  const parsed = new URL(url);
  if (!parsed.pathname.endsWith("/graphql")) parsed.pathname = `${parsed.pathname.replace(/\/+$/, "")}/graphql`;
  return parsed.toString();
}

export function createAccessClient(options: AccessClientOptions): AccessClient {
  const endpoint = graphqlEndpoint(options.url);
  const settings = { endpoint, token: options.token, fetch: options.fetch ?? globalThis.fetch.bind(globalThis) };
  const connection = new LiveConnection({
    url: endpoint.replace(/^http/, "ws"),
    token: options.token,
    webSocketImpl: options.webSocketImpl,
    onState: options.onConnectionState,
  });
  return {
    request: (document, ...variables) => sendRequest(settings, document, variables[0]),
    live: (document, liveOptions) => connection.live(document as DocumentNode, liveOptions),
    connection,
    close: () => connection.close(),
  };
}
