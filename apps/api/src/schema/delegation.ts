// Delegation: a person's delegate for their approvals while away; Identity.delegation and
// Identity.delegationsReceived; setDelegation and endDelegation (domain/delegations).
import {
  currentDelegationWhere,
  endDelegation,
  isActiveDelegation,
  setDelegation,
} from "../domain/delegations/delegations.ts";
import { isAdmin } from "../domain/work.ts";
import { maySeePersonal } from "../domain/policy/visibility.ts";
import { builder } from "./builder.ts";
import { mutate, type Payload, USER_ERRORS, UserError, MUTATION_INPUT } from "./errors.ts";
import { Identity } from "./identity.ts";
import { decodeId, decodeOptionalId } from "./ids.ts";

export const Delegation = builder.prismaNode("Delegation", {
  id: { field: "id" },
  description:
    "Where a person's approvals go while they are away: new MANAGER and EXPLICIT approval tickets naming the\n" +
    "delegator go to the delegate from startsAt to endsAt. Seen by the delegator, the delegate and admins.",
  fields: (t) => ({
    delegator: t.relation("delegator", { description: "Whose approvals are delegated." }),
    delegate: t.relation("delegate", { description: "Who gets them meanwhile." }),
    startsAt: t.expose("startsAt", {
      type: "DateTime",
      description: "When new approvals start going to the delegate.",
    }),
    endsAt: t.expose("endsAt", { type: "DateTime", description: "When they stop (unless ended earlier: endedAt)." }),
    reason: t.exposeString("reason", { nullable: true, description: 'Why, e.g. "holiday"; null if none was given.' }),
    endedAt: t.expose("endedAt", {
      type: "DateTime",
      nullable: true,
      description: "When it was ended before endsAt (by its delegator, an admin, or a newer delegation).",
    }),
    active: t.boolean({
      description: "Whether new approval tickets follow it now.",
      select: { startsAt: true, endsAt: true, endedAt: true },
      resolve: (delegation) => isActiveDelegation(delegation, new Date()),
    }),
  }),
});

builder.objectField(Identity, "delegation", (t) =>
  t.prismaField({
    type: "Delegation",
    nullable: true,
    description:
      "This person's current or next delegation (null when none, or when the viewer is neither this person,\n" +
      "their delegate nor an admin).",
    resolve: (query, identity, _args, ctx) => {
      const viewer = ctx.viewer;
      if (!viewer) return null;
      // Someone else's is read only when the viewer is its delegate.
      const own = isAdmin(viewer) || viewer.id === identity.id;
      return ctx.prisma.delegation.findFirst({
        ...query,
        where: {
          delegatorId: identity.id,
          ...currentDelegationWhere(new Date()),
          ...(own ? {} : { delegateId: viewer.id }),
        },
        orderBy: { startsAt: "asc" },
      });
    },
  }),
);

builder.objectField(Identity, "delegationsReceived", (t) =>
  t.prismaField({
    type: ["Delegation"],
    description: "Current and upcoming delegations naming this person as the delegate (the person and admins).",
    authScopes: (identity, _args, ctx) => maySeePersonal(ctx.viewer, identity.id),
    resolve: (query, identity, _args, ctx) =>
      ctx.prisma.delegation.findMany({
        ...query,
        where: { delegateId: identity.id, ...currentDelegationWhere(new Date()) },
        orderBy: { startsAt: "asc" },
      }),
  }),
);

const SetDelegationInput = builder.inputType("SetDelegationInput", {
  description: "A delegate for someone's approvals for a time; it replaces that person's current delegation.",
  fields: (t) => ({
    delegateId: t.id({ required: true, description: "Who gets the approvals (active, not the delegator)." }),
    startsAt: t.field({ type: "DateTime", description: "Default: now." }),
    endsAt: t.field({ type: "DateTime", required: true, description: "After startsAt, within a year from now." }),
    reason: t.string({ description: 'Why, e.g. "holiday" (shown to the delegate and in the audit trail).' }),
    delegatorId: t.id({ description: "Admins only: whose approvals are delegated (default: the viewer's)." }),
  }),
});
const EndDelegationInput = builder.inputType("EndDelegationInput", {
  description: "The delegation to end.",
  fields: (t) => ({ id: t.id({ required: true, description: "The delegation to end now." }) }),
});

const DelegationPayload = builder.objectRef<Payload<string>>("DelegationPayload").implement({
  description: "The delegation as it is after the change, or the errors.",
  fields: (t) => ({
    delegation: t.prismaField({
      type: "Delegation",
      nullable: true,
      description: "The delegation after the change; null when `errors` is not empty.",
      resolve: (query, payload, _args, ctx) =>
        payload.value ? ctx.prisma.delegation.findUnique({ ...query, where: { id: payload.value } }) : null,
    }),
    errors: t.field({ type: [UserError], description: USER_ERRORS, resolve: (payload) => payload.errors }),
  }),
});

builder.mutationFields((t) => ({
  setDelegation: t.field({
    type: DelegationPayload,
    description:
      "Name a delegate for your approvals for a period (admins: for someone else). Ends your current or upcoming\n" +
      "delegation, if any. Audited as DELEGATION_SET.",
    args: { input: t.arg({ type: SetDelegationInput, required: true, description: MUTATION_INPUT }) },
    resolve: (_root, { input }, ctx) =>
      mutate(ctx, (viewer) => {
        const delegateId = decodeId(input.delegateId, "Identity", ["input", "delegateId"]);
        const delegatorId = decodeOptionalId(input.delegatorId, "Identity", ["input", "delegatorId"]);
        return ctx.db.transact((work) =>
          setDelegation(
            work,
            viewer,
            {
              delegatorId,
              delegateId,
              startsAt: input.startsAt ?? null,
              endsAt: input.endsAt,
              reason: input.reason ?? null,
            },
            new Date(),
          ),
        );
      }),
  }),
  endDelegation: t.field({
    type: DelegationPayload,
    description: "End a delegation now (its delegator or an admin). Audited as DELEGATION_ENDED.",
    args: { input: t.arg({ type: EndDelegationInput, required: true, description: MUTATION_INPUT }) },
    resolve: (_root, { input }, ctx) =>
      mutate(ctx, async (viewer) => {
        const id = decodeId(input.id, "Delegation", ["input", "id"]);
        await ctx.db.transact((work) => endDelegation(work, viewer, { id }, new Date()));
        return id;
      }),
  }),
}));
