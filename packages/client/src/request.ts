// Queries and mutations over HTTP: POST /graphql with the bearer token, typed by the contract's
// documents (gql.tada), answered with the data or thrown as an AccessError. Mutations report
// user mistakes in their payload's `errors` (the contract's UserError), which is data: check it.
import { print, type DocumentNode } from "graphql";
import type { TadaDocumentNode } from "@access/contract";
import { AccessError, fromGraphQLErrors, type GraphQLErrorShape } from "./errors.ts";

export type Token = string | (() => string | null | undefined);

export interface RequestSettings {
  /** The API's /graphql endpoint. */
  endpoint: string;
  token: Token;
  fetch: typeof fetch;
}

export const tokenOf = (token: Token): string | null => (typeof token === "function" ? (token() ?? null) : token);

/** Printed documents, once per document (they are sent again and again). */
const printed = new WeakMap<DocumentNode, string>();

export function queryText(document: DocumentNode | string): string {
  if (typeof document === "string") return document;
  let text = printed.get(document);
  if (text === undefined) {
    text = print(document);
    printed.set(document, text);
  }
  return text;
}

export async function sendRequest<Data, Variables>(
  settings: RequestSettings,
  document: TadaDocumentNode<Data, Variables> | DocumentNode | string,
  variables: Variables | undefined,
  signal?: AbortSignal,
): Promise<Data> {
  const token = tokenOf(settings.token);
  let response: Response;
  try {
    response = await settings.fetch(settings.endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/graphql-response+json, application/json",
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ query: queryText(document as DocumentNode | string), variables: variables ?? {} }),
      signal,
    });
  } catch (error) {
    throw new AccessError("NETWORK", `The API cannot be reached: ${(error as Error).message}`);
  }
  let body: { data?: Data | null; errors?: GraphQLErrorShape[] };
  try {
    body = (await response.json()) as typeof body;
  } catch {
    throw new AccessError(
      "BAD_RESPONSE",
      `The API answered HTTP ${response.status} without JSON.`,
      [],
      response.status,
    );
  }
  if (body.errors?.length) {
    const error = fromGraphQLErrors(body.errors, response.status);
    const retryAfter = Number(response.headers.get("retry-after"));
    if (error.retryAfterSeconds === null && Number.isFinite(retryAfter) && retryAfter > 0) {
      throw new AccessError(error.code, error.message, error.errors, error.status, retryAfter);
    }
    throw error;
  }
  if (body.data == null) throw new AccessError("BAD_RESPONSE", "The API answered without data.", [], response.status);
  return body.data;
}
