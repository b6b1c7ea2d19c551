// The email outbox, for admins: every email the projector queued, its delivery state and last
// SMTP error, and retrying one that FAILED.
import { EmailStatus } from "../generated/prisma/enums.ts";
import { retryEmail } from "../domain/notifications/preferences.ts";
import { builder } from "./builder.ts";
import { entityPayload, mutate, MUTATION_INPUT } from "./errors.ts";
import { decodeId } from "./ids.ts";
import { NotificationKindEnum } from "./notification-kind.ts";

export const EmailStatusEnum = builder.enumType(EmailStatus, {
  name: "EmailStatus",
  description: "Where an email of the outbox stands.",
  values: {
    PENDING: { description: "Waiting to be sent, or to be tried again after a failed attempt." },
    SENT: { description: "The SMTP server accepted it." },
    FAILED: { description: "Refused permanently, or every attempt failed: see lastError; an admin can retry it." },
  },
});

export const EmailMessage = builder.prismaNode("EmailMessage", {
  id: { field: "id" },
  description: "One email of the outbox (admins only): a notification on its way to a person's address.",
  fields: (t) => ({
    to: t.exposeString("toAddress", { description: "The address it goes to (the person's email when it was queued)." }),
    recipient: t.relation("identity", { nullable: true, description: "The person it is for." }),
    kind: t.expose("kind", { type: NotificationKindEnum, description: "What the email is about." }),
    subject: t.exposeString("subject", { description: "Its subject line." }),
    status: t.expose("status", { type: EmailStatusEnum, description: "Whether it was sent." }),
    attempts: t.exposeInt("attempts", {
      description: "Sending attempts so far (a retry by an admin starts again at 0).",
    }),
    lastError: t.exposeString("lastError", {
      nullable: true,
      description: "What the SMTP server (or the connection) said at the last failed attempt.",
    }),
    sentAt: t.expose("sentAt", {
      type: "DateTime",
      nullable: true,
      description: "When the SMTP server accepted it; null until SENT.",
    }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When it was queued." }),
  }),
});

const EmailMessageConnection = builder.connectionObject(
  { type: EmailMessage, name: "EmailMessageConnection" },
  { name: "EmailMessageEdge" },
);

builder.queryFields((t) => ({
  emailOutbox: t.prismaConnection(
    {
      type: "EmailMessage",
      cursor: "id",
      description: "Admins only: the email outbox, newest first, optionally of one status.",
      authScopes: { admin: true },
      args: { status: t.arg({ type: EmailStatusEnum, description: "Only emails in this status." }) },
      resolve: (query, _root, args, ctx) =>
        ctx.prisma.emailMessage.findMany({
          ...query,
          where: args.status ? { status: args.status } : {},
          orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        }),
      totalCount: (_parent, args, ctx) =>
        ctx.prisma.emailMessage.count({ where: args.status ? { status: args.status } : {} }),
    },
    EmailMessageConnection,
  ),
}));

const RetryEmailInput = builder.inputType("RetryEmailInput", {
  description: "The email to send again.",
  fields: (t) => ({ id: t.id({ required: true, description: "A FAILED email of the outbox." }) }),
});

const RetryEmailPayload = entityPayload("RetryEmailPayload", "email", "EmailMessage", (ctx, query, id) =>
  ctx.prisma.emailMessage.findUnique({ ...query, where: { id } }),
);

builder.mutationFields((t) => ({
  retryEmail: t.field({
    type: RetryEmailPayload,
    description:
      "Admins only: a FAILED email goes back to PENDING and is sent again now, with a fresh set of attempts.",
    args: { input: t.arg({ type: RetryEmailInput, required: true, description: MUTATION_INPUT }) },
    resolve: (_root, { input }, ctx) =>
      mutate(ctx, async (viewer) => {
        const emailId = decodeId(input.id, "EmailMessage", ["input", "id"]);
        await ctx.db.transact((work) => retryEmail(work, viewer, emailId, new Date()));
        // Not an audit event (it changes no access): the log says who sent it again.
        ctx.log.info({ emailId, adminId: viewer.id }, "email retried by an admin");
        return emailId;
      }),
  }),
}));
