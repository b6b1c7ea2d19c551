// Notifications: each person's own list (what the projector wrote for them), marking them read,
// their email settings, and the live notificationAdded subscription. A person sees only their own
// notifications, by list and by node id alike.
import { viewerOf } from "../context.ts";
import {
  markNotificationsRead,
  notificationSettingsOf,
  type NotificationSetting,
  updateNotificationSettings,
} from "../domain/notifications/preferences.ts";
import { visibleRequestWhere, visibleTicketWhere } from "../domain/policy/visibility.ts";
import { asLiveSession } from "../live/subscribe.ts";
import { builder } from "./builder.ts";
import { mutate, type Payload, USER_ERRORS, UserError, MUTATION_INPUT } from "./errors.ts";
import { decodeIds } from "./ids.ts";
import { NotificationKindEnum } from "./notification-kind.ts";

export const Notification = builder.prismaNode("Notification", {
  id: { field: "id" },
  description:
    "Something a person should know about an access request, written for them when it happened (from one " +
    "audit event). Only its person sees it.",
  fields: (t) => ({
    kind: t.expose("kind", { type: NotificationKindEnum, description: "What it is about." }),
    sequence: t.exposeInt("sequence", {
      description:
        "The audit sequence of the event it came from (several notifications of one event share it). " +
        "notificationAdded has no replay: a client that reconnects lists myNotifications again.",
    }),
    title: t.exposeString("title", {
      description: 'One line, e.g. "TKT-12: approve or reject GitHub Write Access for Alice".',
    }),
    body: t.exposeString("body", {
      description: "Plain sentences, one per line: who, what, why, and what comes next.",
    }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When it was written." }),
    readAt: t.expose("readAt", {
      type: "DateTime",
      nullable: true,
      description: "When the person marked it read (null: unread).",
    }),
    request: t.prismaField({
      type: "Request",
      nullable: true,
      description: "The request it is about; null when there is none or the viewer may no longer see it.",
      select: { requestId: true },
      resolve: (query, notification, _args, ctx) =>
        notification.requestId
          ? ctx.prisma.request.findFirst({
              ...query,
              where: { id: notification.requestId, ...visibleRequestWhere(viewerOf(ctx)) },
            })
          : null,
    }),
    ticket: t.prismaField({
      type: "Ticket",
      nullable: true,
      description: "The ticket it is about; null when there is none or the viewer may no longer see it.",
      select: { ticketId: true },
      resolve: (query, notification, _args, ctx) =>
        notification.ticketId
          ? ctx.prisma.ticket.findFirst({
              ...query,
              where: { id: notification.ticketId, ...visibleTicketWhere(viewerOf(ctx)) },
            })
          : null,
    }),
  }),
});

export const NotificationConnection = builder.connectionObject(
  { type: Notification, name: "NotificationConnection" },
  { name: "NotificationEdge" },
);

const NotificationSettingType = builder.objectRef<NotificationSetting>("NotificationSetting").implement({
  description: "Whether the viewer gets one kind of notification by email (in-app notifications are always kept).",
  fields: (t) => ({
    kind: t.field({ type: NotificationKindEnum, description: "The kind of notification.", resolve: (s) => s.kind }),
    email: t.exposeBoolean("email", { description: "Emails of this kind reach the viewer." }),
    mandatory: t.exposeBoolean("mandatory", {
      description: "An admin made this kind's email mandatory: it cannot be turned off.",
    }),
  }),
});

const myNotificationsWhere = (identityId: string, unreadOnly: boolean) => ({
  identityId,
  ...(unreadOnly ? { readAt: null } : {}),
});

builder.queryFields((t) => ({
  myNotifications: t.prismaConnection(
    {
      type: "Notification",
      cursor: "id",
      description: "The viewer's own notifications, newest first.",
      args: {
        unreadOnly: t.arg.boolean({ defaultValue: false, description: "Only those not marked read." }),
      },
      resolve: (query, _root, args, ctx) =>
        ctx.prisma.notification.findMany({
          ...query,
          where: myNotificationsWhere(viewerOf(ctx).id, args.unreadOnly ?? false),
          orderBy: [{ sequence: "desc" }, { id: "desc" }],
        }),
      totalCount: (_parent, args, ctx) =>
        ctx.prisma.notification.count({ where: myNotificationsWhere(viewerOf(ctx).id, args.unreadOnly ?? false) }),
    },
    NotificationConnection,
  ),
  myNotificationSettings: t.field({
    type: [NotificationSettingType],
    description: "Every notification kind, with whether its email reaches the viewer.",
    resolve: (_root, _args, ctx) => notificationSettingsOf(ctx.prisma, viewerOf(ctx).id),
  }),
}));

const MarkNotificationsReadInput = builder.inputType("MarkNotificationsReadInput", {
  description: "Which of the viewer's notifications to mark read: some by id, or all.",
  fields: (t) => ({
    ids: t.idList({ description: "The viewer's notifications to mark read (at most 100)." }),
    all: t.boolean({ description: "Mark every unread notification of the viewer read (ids are then ignored)." }),
  }),
});

const MarkNotificationsReadPayload = builder.objectRef<Payload<number>>("MarkNotificationsReadPayload").implement({
  description: "How many were marked read, or the errors.",
  fields: (t) => ({
    count: t.int({
      description: "How many notifications were unread and are now read.",
      resolve: (payload) => payload.value ?? 0,
    }),
    errors: t.field({ type: [UserError], description: USER_ERRORS, resolve: (payload) => payload.errors }),
  }),
});

const UpdateNotificationSettingsInput = builder.inputType("UpdateNotificationSettingsInput", {
  description: "The viewer's email preferences, as a whole.",
  fields: (t) => ({
    mutedEmailKinds: t.field({
      type: [NotificationKindEnum],
      required: true,
      description: "The kinds whose email the viewer turns off (all others are on). Mandatory kinds are refused.",
    }),
  }),
});

const UpdateNotificationSettingsPayload = builder
  .objectRef<Payload<NotificationSetting[]>>("UpdateNotificationSettingsPayload")
  .implement({
    description: "The viewer's email preferences after the change, or the errors.",
    fields: (t) => ({
      settings: t.field({
        type: [NotificationSettingType],
        nullable: true,
        description: "Every kind with whether its email reaches the viewer; null when `errors` is not empty.",
        resolve: (payload) => payload.value,
      }),
      errors: t.field({ type: [UserError], description: USER_ERRORS, resolve: (payload) => payload.errors }),
    }),
  });

builder.mutationFields((t) => ({
  markNotificationsRead: t.field({
    type: MarkNotificationsReadPayload,
    description:
      "Marks the viewer's notifications read: those named, or all. An id that is not the viewer's\n" +
      "notification is NOT_FOUND and nothing changes. Not audited (a read mark changes no access).",
    args: { input: t.arg({ type: MarkNotificationsReadInput, required: true, description: MUTATION_INPUT }) },
    resolve: (_root, { input }, ctx) =>
      mutate(ctx, (viewer) =>
        ctx.db.transact((work) =>
          markNotificationsRead(
            work,
            viewer,
            {
              ids: input.ids ? decodeIds(input.ids, "Notification", ["input", "ids"]) : null,
              all: input.all ?? false,
            },
            new Date(),
          ),
        ),
      ),
  }),
  updateNotificationSettings: t.field({
    type: UpdateNotificationSettingsPayload,
    description:
      "Sets which notification emails the viewer gets (audited as NOTIFICATION_SETTINGS_CHANGED). Muting\n" +
      "a kind an admin made mandatory is a VALIDATION error naming the kind.",
    args: { input: t.arg({ type: UpdateNotificationSettingsInput, required: true, description: MUTATION_INPUT }) },
    resolve: (_root, { input }, ctx) =>
      mutate(ctx, (viewer) =>
        ctx.db.transact((work) => updateNotificationSettings(work, viewer, { mutedEmailKinds: input.mutedEmailKinds })),
      ),
  }),
}));

builder.subscriptionFields((t) => ({
  notificationAdded: t.prismaField({
    type: "Notification",
    description: "The viewer's new notifications, live, as they are written.",
    subscribe: (_root, _args, ctx) =>
      asLiveSession(ctx, viewerOf(ctx), (onEnd) => ctx.notifications.subscribe(viewerOf(ctx), onEnd)),
    resolve: (query, notificationId: string, _args, ctx) =>
      ctx.prisma.notification.findUniqueOrThrow({ ...query, where: { id: notificationId } }),
  }),
}));
