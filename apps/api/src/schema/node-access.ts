// Which nodes `Query.node` may return to the viewer: the same visibility rules as the lists.
// Directory and catalogue entries (identities, groups, systems) are visible to every signed-in
// identity; requests, tickets, audit events, grants, access reviews, delegations and
// non-requestable resources are not; event endpoints are for admins only.
import type { Context } from "../context.ts";
import { visibleDelegationWhere } from "../domain/delegations/delegations.ts";
import {
  visibleAuditEventWhere,
  visibleGrantWhere,
  visibleRequestWhere,
  visibleResourceWhere,
  visibleReviewItemWhere,
  visibleReviewWhere,
  visibleTicketWhere,
} from "../domain/policy/visibility.ts";

export async function canSeeNode(ctx: Context, typename: string, id: string): Promise<boolean> {
  const viewer = ctx.viewer;
  if (!viewer) return false;
  const p = ctx.prisma;
  switch (typename) {
    // Visible to everyone, but an id of the right shape may still name nothing.
    case "Identity":
      return (await p.identity.count({ where: { id } })) > 0;
    case "Group":
      return (await p.group.count({ where: { id } })) > 0;
    case "System":
      return (await p.system.count({ where: { id } })) > 0;
    case "Resource":
      return (await p.resource.count({ where: { id, ...visibleResourceWhere(viewer) } })) > 0;
    case "Request":
      return (await p.request.count({ where: { id, ...visibleRequestWhere(viewer) } })) > 0;
    case "Ticket":
      return (await p.ticket.count({ where: { id, ...visibleTicketWhere(viewer) } })) > 0;
    case "AuditEvent":
      return (await p.auditEvent.count({ where: { id, ...visibleAuditEventWhere(viewer) } })) > 0;
    case "Grant":
      return (await p.grant.count({ where: { id, ...visibleGrantWhere(viewer) } })) > 0;
    case "AccessReview":
      return (await p.accessReview.count({ where: { id, ...visibleReviewWhere(viewer) } })) > 0;
    case "AccessReviewItem":
      return (await p.accessReviewItem.count({ where: { id, ...visibleReviewItemWhere(viewer) } })) > 0;
    case "Delegation":
      return (await p.delegation.count({ where: { id, ...visibleDelegationWhere(viewer) } })) > 0;
    // Admins only: where events go and how their delivery went.
    case "EventEndpoint":
      return viewer.role === "ADMIN" && (await p.eventEndpoint.count({ where: { id } })) > 0;
    // A person's own notifications only; the email outbox is the admins'.
    case "Notification":
      return (await p.notification.count({ where: { id, identityId: viewer.id } })) > 0;
    case "EmailMessage":
      return viewer.role === "ADMIN" && (await p.emailMessage.count({ where: { id } })) > 0;
    default:
      return false;
  }
}
