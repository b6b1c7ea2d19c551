// Opening tickets: the approval ticket of an item's next step, its fulfillment ticket once the
// last approval landed (the item is then APPROVED), or the revocation ticket of a revoked grant on
// a MANUAL system. The only place tickets are created, in a status the lifecycle allows.
import type { TicketKind } from "../../generated/prisma/client.ts";
import { newId } from "../../db/statements.ts";
import { toGlobalId } from "../global-id.ts";
import { nextNumber } from "../counters.ts";
import { enqueueJob } from "../jobs.ts";
import { checkTicketCreation, moveItem } from "../lifecycle.ts";
import { applyDelegations, routeApprovalStep, routeFulfillment, type Routing } from "../policy/routing.ts";
import type { Work } from "../work.ts";

export interface ItemContext {
  itemId: string;
  requestId: string;
  resourceId: string;
  requesterId: string;
  targetId: string;
}

async function createTicket(
  work: Work,
  item: ItemContext,
  kind: TicketKind,
  step: number | null,
  routing: Routing,
  actorId: string | null,
  status: "OPEN" | "IN_PROGRESS" = "OPEN",
  grantId?: string,
): Promise<string> {
  checkTicketCreation(kind, status);
  const number = await nextNumber(work, "ticket");
  // Raw inserts on the transaction's connection (db/statements.ts); routing just read the
  // assignees in this transaction, and the foreign keys still hold.
  const ticket = { id: newId() };
  await work.sql.insertTicket({
    id: ticket.id,
    number,
    kind,
    status,
    requestId: item.requestId,
    itemId: item.itemId,
    resourceId: item.resourceId,
    step,
    assigneeGroupId: routing.assigneeGroupId,
    assignedToAdmins: routing.assignedToAdmins,
    routingNote: routing.fallbackReason,
    delegatedFromId: routing.delegatedFromIds?.[0] ?? null,
  });
  await work.sql.insertTicketAssignees(ticket.id, [...new Set(routing.assigneeIds)]);
  work.audit.append({
    action: "TICKET_CREATED",
    actorId,
    requestId: item.requestId,
    ticketId: ticket.id,
    data: {
      previousStatus: null,
      status,
      kind,
      number,
      step,
      assigneeIds: routing.assigneeIds.map((id) => toGlobalId("Identity", id)),
      assigneeGroupId: routing.assigneeGroupId ? toGlobalId("Group", routing.assigneeGroupId) : null,
      assignedToAdmins: routing.assignedToAdmins,
      fallbackReason: routing.fallbackReason,
      ...(grantId ? { grantId: toGlobalId("Grant", grantId) } : {}),
      ...(routing.toFallbackGroup ? { toFallbackGroup: true } : {}),
      ...(routing.delegatedFromIds?.length
        ? { delegatedFromIds: routing.delegatedFromIds.map((id) => toGlobalId("Identity", id)) }
        : {}),
    },
  });
  return ticket.id;
}

/**
 * Moves an item on after step `afterStep` was approved (0 = just created): opens the next
 * approval ticket, or marks the item approved and opens its fulfillment ticket. Returns the
 * item's status afterwards.
 */
export async function advanceItem(
  work: Work,
  item: ItemContext,
  afterStep: number,
  actorId: string | null,
): Promise<"PENDING_APPROVAL" | "APPROVED"> {
  const parties = { requesterId: item.requesterId, targetId: item.targetId };
  const next = await work.tx.approvalStep.findFirst({
    where: { resourceId: item.resourceId, order: { gt: afterStep } },
    orderBy: { order: "asc" },
    select: { id: true, order: true, kind: true, groupId: true },
  });
  if (next) {
    // Only new tickets follow delegations (a running ticket stays with whom it was given to).
    const routing = await applyDelegations(
      work.tx,
      await routeApprovalStep(work.tx, next, parties),
      parties,
      new Date(),
    );
    await createTicket(work, item, "APPROVAL", next.order, routing, actorId);
    return "PENDING_APPROVAL";
  }
  if (afterStep === 0) {
    work.audit.append({
      action: "POLICY_APPLIED",
      actorId: null,
      requestId: item.requestId,
      data: {
        policy: "AUTO_APPROVAL",
        reason: "the resource is configured with no approval steps",
        resourceId: toGlobalId("Resource", item.resourceId),
      },
    });
  }
  await moveItem(work, { id: item.itemId, status: "PENDING_APPROVAL" }, "APPROVED");
  const system = await work.tx.system.findFirstOrThrow({
    where: { resources: { some: { id: item.resourceId } } },
    select: { id: true, connector: true, fulfillersGroupId: true },
  });
  // Fulfillers stay assigned on connector systems too: they take over if the connector fails.
  const routing = await routeFulfillment(work.tx, system.fulfillersGroupId, parties);
  if (system.connector === "MANUAL") {
    await createTicket(work, item, "FULFILLMENT", null, routing, actorId);
    return "APPROVED";
  }
  const ticketId = await createTicket(work, item, "FULFILLMENT", null, routing, actorId, "IN_PROGRESS");
  await enqueueJob(work, {
    kind: "PROVISION",
    systemId: system.id,
    ticketId,
    identityId: item.targetId,
    resourceId: item.resourceId,
  });
  return "APPROVED";
}

/**
 * Opens the revocation ticket of a grant revoked on a MANUAL system: the system's fulfillers (or
 * the admins) remove the access by hand and close it with evidence. It belongs to the request
 * whose item granted the access, and moves neither (lifecycle.ts).
 */
export async function openRevocationTicket(
  work: Work,
  grant: { id: string; item: ItemContext; fulfillersGroupId: string | null },
  actorId: string | null,
): Promise<string> {
  const routing = await routeFulfillment(work.tx, grant.fulfillersGroupId, {
    requesterId: grant.item.requesterId,
    targetId: grant.item.targetId,
  });
  return createTicket(work, grant.item, "REVOCATION", null, routing, actorId, "OPEN", grant.id);
}
