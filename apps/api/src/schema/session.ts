// Browser sessions (sign-in through the identity provider): an identity's working sessions, for
// admins and the identity itself (Identity.sessions), and revokeSession (admins any session,
// everyone their own). The cookie's secret is never stored, so no field can return it.
import { toGlobalId } from "../domain/global-id.ts";
import { maySeePersonal } from "../domain/policy/visibility.ts";
import { endSession, workingSessionWhere } from "../domain/sessions/sessions.ts";
import { builder } from "./builder.ts";
import { mutate, type Payload, USER_ERRORS, UserError, MUTATION_INPUT } from "./errors.ts";
import { decodeId } from "./ids.ts";
import { Identity } from "./identity.ts";

export const Session = builder.prismaObject("Session", {
  description: "A browser signed in through the identity provider (never its cookie).",
  fields: (t) => ({
    id: t.id({
      description: "The session's global id (what revokeSession takes); not its cookie.",
      resolve: (session) => toGlobalId("Session", session.id),
    }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When the person signed in." }),
    lastSeenAt: t.expose("lastSeenAt", {
      type: "DateTime",
      description: "When a request last used it (to the minute); it ends when idle for SESSION_IDLE_MINUTES.",
    }),
    expiresAt: t.expose("expiresAt", {
      type: "DateTime",
      description: "When it ends however much it is used (SESSION_MAX_HOURS after sign-in).",
    }),
    userAgent: t.exposeString("userAgent", { nullable: true, description: "The browser, as it named itself." }),
    current: t.boolean({
      description: "The session this request was made with.",
      resolve: (session, _args, ctx) => ctx.credential?.kind === "session" && ctx.credential.id === session.id,
    }),
  }),
});

builder.prismaObjectField(Identity, "sessions", (t) =>
  t.relation("sessions", {
    nullable: true,
    description: "Its browser sessions that still work, most recently used first. Admins and the identity itself only.",
    query: (_args, ctx) => ({
      where: workingSessionWhere(ctx.sessionRules),
      orderBy: [{ lastSeenAt: "desc" }, { id: "asc" }],
    }),
    authScopes: (identity, _args, ctx) => maySeePersonal(ctx.viewer, identity.id),
  }),
);

const RevokeSessionInput = builder.inputType("RevokeSessionInput", {
  description: "The session to end.",
  fields: (t) => ({
    sessionId: t.id({ required: true, description: "The session's id (Session.id)." }),
    reason: t.string({ description: "Why, at most 2000 characters; audited with SESSION_ENDED." }),
  }),
});

const RevokeSessionPayload = builder.objectRef<Payload<string>>("RevokeSessionPayload").implement({
  description: "The ended session, or the errors.",
  fields: (t) => ({
    session: t.prismaField({
      type: "Session",
      nullable: true,
      description: "The session, now ended; null when `errors` is not empty.",
      resolve: (query, payload, _args, ctx) =>
        payload.value ? ctx.prisma.session.findUnique({ ...query, where: { id: payload.value } }) : null,
    }),
    errors: t.field({ type: [UserError], description: USER_ERRORS, resolve: (payload) => payload.errors }),
  }),
});

builder.mutationFields((t) => ({
  revokeSession: t.field({
    type: RevokeSessionPayload,
    description:
      "Signs a browser out: admins any session, everyone their own. It stops working at once, and\nlive connections that use it are closed.",
    args: { input: t.arg({ type: RevokeSessionInput, required: true, description: MUTATION_INPUT }) },
    resolve: (_root, { input }, ctx) =>
      mutate(ctx, (viewer) =>
        ctx.db.transact((work) =>
          endSession(work, viewer, {
            sessionId: decodeId(input.sessionId, "Session", ["input", "sessionId"]),
            reason: "revoked",
            comment: input.reason ?? null,
          }),
        ),
      ),
  }),
}));
