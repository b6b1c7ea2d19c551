// Issuing API tokens (admins only). The token is shown once; only its SHA-256 is stored.
import { issueApiToken } from "../domain/tokens/tokens.ts";
import { builder } from "./builder.ts";
import { mutate, type Payload, UserError } from "./errors.ts";
import { decodeId } from "./ids.ts";

const IssueApiTokenInput = builder.inputType("IssueApiTokenInput", {
  fields: (t) => ({ identityId: t.id({ required: true }), name: t.string({ required: true }) }),
});

const IssueApiTokenPayload = builder.objectRef<Payload<string>>("IssueApiTokenPayload").implement({
  fields: (t) => ({
    token: t.string({ nullable: true, description: "Shown once; only a hash is stored.", resolve: (payload) => payload.value }),
    errors: t.field({ type: [UserError], resolve: (payload) => payload.errors }),
  }),
});

builder.mutationFields((t) => ({
  issueApiToken: t.field({
    type: IssueApiTokenPayload,
    args: { input: t.arg({ type: IssueApiTokenInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      mutate(ctx, (viewer) =>
        ctx.db.transact((work) =>
          issueApiToken(work, viewer, { identityId: decodeId(input.identityId, "Identity", ["input", "identityId"]), name: input.name }),
        ),
      ),
  }),
}));
