// The kinds of notification, shared by the notification list, each person's email settings and
// the organisation's mandatory kinds.
import { NotificationKind } from "../generated/prisma/enums.ts";
import { builder } from "./builder.ts";

export const NotificationKindEnum = builder.enumType(NotificationKind, {
  name: "NotificationKind",
  description:
    "What a notification is about. Every kind appears in the dashboard's notification list; each person " +
    "can turn off the email of a kind unless an admin made it mandatory (OrganisationSettings.mandatoryEmailKinds).",
  values: {
    TICKET_ASSIGNED: {
      description:
        "A ticket became yours to act on: opened for you, reassigned or escalated to you, or delegated to you.",
    },
    TICKET_REMINDER: { description: "A ticket you can act on is past its SLA." },
    TICKET_WITHDRAWN: {
      description:
        "A ticket that waited on you was withdrawn because its request was cancelled, with the reason given.",
    },
    REQUEST_DECIDED: { description: "A step of your request (or one made for you) was approved or rejected." },
    REQUEST_FULFILLED: { description: "Your access was provisioned." },
    REQUEST_FAILED: { description: "Provisioning your access failed." },
    ACCESS_ENDED: { description: "Your access ended: it expired or was revoked." },
    ADMIN_ALERT: {
      description:
        "For admins: something needs an admin, such as a step nobody may act on while no fallback group is configured.",
    },
  },
});
