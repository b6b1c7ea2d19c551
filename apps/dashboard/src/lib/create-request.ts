// Sending a new request (the request form, an extension on My access): the created request, or
// the errors to show next to each field ("_form" for the rest).
import { CreateRequest, type VariablesOf } from "@access/contract";
import { describeError } from "./client.ts";
import { errorsByField } from "./format.ts";
import { session } from "./session.svelte.ts";

type CreateRequestInput = Omit<VariablesOf<typeof CreateRequest>["input"], "idempotencyKey">;

export type CreateRequestOutcome =
  { request: { id: string; number: number }; errors?: undefined } | { errors: Record<string, string> };

export async function createRequest(input: CreateRequestInput): Promise<CreateRequestOutcome> {
  // One key per submission: a retried send returns the first request instead of a second one.
  const result = await session.mutate(CreateRequest, { input: { ...input, idempotencyKey: crypto.randomUUID() } });
  if (result.error) return { errors: { _form: describeError(result.error, "action") } };
  const payload = result.data?.createRequest;
  if (!payload?.request || payload.errors.length > 0) return { errors: errorsByField(payload?.errors ?? []) };
  return { request: payload.request };
}
