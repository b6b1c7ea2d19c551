// OrganisationSettings: the fallback approvers' group, the default ticket SLA and the notification
// kinds whose email nobody may turn off; read and changed by admins (domain/settings).
import { readSettings, updateSettings, type OrganisationSettings } from "../domain/settings/settings.ts";
import { builder } from "./builder.ts";
import { mutate, type Payload, USER_ERRORS, UserError, MUTATION_INPUT } from "./errors.ts";
import { decodeOptionalId } from "./ids.ts";
import { NotificationKindEnum } from "./notification-kind.ts";

const OrganisationSettingsType = builder.objectRef<OrganisationSettings>("OrganisationSettings").implement({
  description: "The organisation's routing and notification settings (admins only).",
  fields: (t) => ({
    fallbackGroup: t.prismaField({
      type: "Group",
      nullable: true,
      description:
        "Who gets an approval or fulfilment step that resolves to nobody who may act, and tickets escalated " +
        "past twice their SLA. Null: the admins.",
      resolve: (query, settings, _args, ctx) =>
        settings.fallbackGroupId
          ? ctx.prisma.group.findUnique({ ...query, where: { id: settings.fallbackGroupId } })
          : null,
    }),
    ticketSlaHours: t.exposeInt("ticketSlaHours", {
      description:
        "Hours an open ticket may wait before its assignees are reminded (escalated at twice that), unless its " +
        "resource or system sets its own.",
    }),
    mandatoryEmailKinds: t.field({
      type: [NotificationKindEnum],
      description: "Notification kinds whose email nobody may turn off.",
      resolve: (settings) => settings.mandatoryEmailKinds,
    }),
    updatedAt: t.field({
      type: "DateTime",
      nullable: true,
      description: "When an admin last changed them (null: never; the defaults apply).",
      resolve: (settings) => settings.updatedAt,
    }),
  }),
});

const UpdateOrganisationSettingsInput = builder.inputType("UpdateOrganisationSettingsInput", {
  description: "Fields left out stay as they are.",
  fields: (t) => ({
    fallbackGroupId: t.id({ description: "The fallback approvers' group; null clears it (the admins)." }),
    ticketSlaHours: t.int({ description: "The default ticket SLA, whole hours from 1 to 8760." }),
    mandatoryEmailKinds: t.field({
      type: [NotificationKindEnum],
      description: "The notification kinds whose email nobody may turn off (the whole list).",
    }),
  }),
});

const UpdateOrganisationSettingsPayload = builder
  .objectRef<Payload<OrganisationSettings>>("UpdateOrganisationSettingsPayload")
  .implement({
    description: "The organisation's settings after the change, or the errors.",
    fields: (t) => ({
      settings: t.field({
        type: OrganisationSettingsType,
        nullable: true,
        description: "The settings after the change (null when it was refused).",
        resolve: (payload) => payload.value,
      }),
      errors: t.field({ type: [UserError], description: USER_ERRORS, resolve: (payload) => payload.errors }),
    }),
  });

builder.queryFields((t) => ({
  organisationSettings: t.field({
    type: OrganisationSettingsType,
    authScopes: { admin: true },
    description: "The organisation's routing and notification settings (admins only).",
    resolve: (_root, _args, ctx) => readSettings(ctx.prisma),
  }),
}));

builder.mutationFields((t) => ({
  updateOrganisationSettings: t.field({
    type: UpdateOrganisationSettingsPayload,
    description: "Change the organisation's settings (admins only); audited as CONFIG_CHANGED with what changed.",
    args: { input: t.arg({ type: UpdateOrganisationSettingsInput, required: true, description: MUTATION_INPUT }) },
    resolve: (_root, { input }, ctx) =>
      mutate(ctx, async (viewer) => {
        await ctx.db.transact((work) =>
          updateSettings(work, viewer, {
            ...(input.fallbackGroupId !== undefined
              ? { fallbackGroupId: decodeOptionalId(input.fallbackGroupId, "Group", ["input", "fallbackGroupId"]) }
              : {}),
            ticketSlaHours: input.ticketSlaHours ?? null,
            mandatoryEmailKinds: input.mandatoryEmailKinds ?? null,
          }),
        );
        return readSettings(ctx.prisma);
      }),
  }),
}));
