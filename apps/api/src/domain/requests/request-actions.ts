// Creating and cancelling requests. `createRequest` checks everything before it writes anything,
// so a refused request leaves no trace; every problem found is reported at once.
import { toGlobalId } from "../global-id.ts";
import { DomainError, DomainErrors, forbidden, invalid, invalidState, notFound } from "../errors.ts";
import { nextNumber } from "../counters.ts";
import { newId } from "../../db/statements.ts";
import { activeGrantKey } from "../grants/grants.ts";
import { checkEnd, describeTime } from "../grants/grant-ends.ts";
import { heldGrantWhere, visibleRequestWhere } from "../policy/visibility.ts";
import { advanceItem } from "../tickets/open-ticket.ts";
import { cancelOpenTickets } from "../tickets/ticket-actions.ts";
import { LIMITS, distinct, listSize, optionalText, requiredText } from "../validate.ts";
import { type Actor, isAdmin, type Work } from "../work.ts";
import type { RequestStatus } from "../../generated/prisma/client.ts";
import {
  deriveRequestStatus,
  isOpenItem,
  moveItems,
  NEW_ITEM_STATUS,
  NEW_REQUEST_STATUS,
  refreshRequestStatus,
} from "../lifecycle.ts";

export const openItemKey = (targetId: string, resourceId: string) => `${targetId}:${resourceId}`;

export interface CreateRequestInput {
  resourceIds: readonly string[];
  justification: string;
  targetId?: string | null;
  idempotencyKey?: string | null;
  /** The end of access asked for (each resource's maximum applies). */
  grantExpiresAt?: Date | null;
  /** An extension: the ACTIVE grant whose end this request moves (one resource, its holder). */
  extendsGrantId?: string | null;
}

export interface CreateRequestResult {
  requestId: string;
  /** False when an idempotency key returned an earlier request. */
  created: boolean;
}

async function resolveTarget(work: Work, actor: Actor, targetId: string | null | undefined): Promise<string> {
  const field = ["input", "targetIdentityId"];
  if (!targetId || targetId === actor.id) return actor.id;
  if (!isAdmin(actor)) throw new DomainError("FORBIDDEN", "Only admins may request access for someone else.", field);
  const target = await work.tx.identity.findUnique({ where: { id: targetId }, select: { active: true } });
  if (!target) throw notFound("Identity", field);
  if (!target.active) throw invalid("The target identity is inactive.", field);
  return targetId;
}

/**
 * The grant an extension request extends: one the actor may see (the holder's own, or any for
 * admins), still ACTIVE, of the request's one resource; the request is then for its holder.
 */
async function extendedGrant(work: Work, actor: Actor, input: CreateRequestInput) {
  const field = ["input", "extendsGrantId"];
  const grant = await work.tx.grant.findFirst({
    where: { id: input.extendsGrantId ?? "", ...heldGrantWhere(actor) },
    select: { id: true, identityId: true, resourceId: true, status: true, expiresAt: true },
  });
  if (!grant) throw notFound("Grant", field);
  if (grant.status !== "ACTIVE")
    throw invalid(`Only active access can be extended; this grant is ${grant.status}.`, field);
  if (input.resourceIds.length !== 1 || input.resourceIds[0] !== grant.resourceId) {
    throw invalid("An extension requests exactly the resource of the grant it extends.", ["input", "resourceIds"]);
  }
  if (input.targetId && input.targetId !== grant.identityId) {
    throw invalid("An extension is for the grant's holder.", ["input", "targetIdentityId"]);
  }
  if (!grant.expiresAt) throw invalid("This access has no end: there is nothing to extend.", field);
  return grant;
}

export async function createRequest(work: Work, actor: Actor, input: CreateRequestInput): Promise<CreateRequestResult> {
  const justification = requiredText(input.justification, LIMITS.justification, ["input", "justification"]);
  const idempotencyKey = optionalText(input.idempotencyKey, LIMITS.idempotencyKey, ["input", "idempotencyKey"]);
  listSize(input.resourceIds, 1, LIMITS.resourcesPerRequest, ["input", "resourceIds"]);
  distinct(input.resourceIds, ["input", "resourceIds"]);

  if (idempotencyKey) {
    const earlier = await work.tx.idempotencyKey.findUnique({
      where: { identityId_key: { identityId: actor.id, key: idempotencyKey } },
      select: { requestId: true },
    });
    if (earlier) return { requestId: earlier.requestId, created: false };
  }

  const extension = input.extendsGrantId ? await extendedGrant(work, actor, input) : null;
  const targetId = extension ? extension.identityId : await resolveTarget(work, actor, input.targetId);
  const resources = await work.tx.resource.findMany({
    where: { id: { in: [...input.resourceIds] } },
    select: { id: true, name: true, requestable: true, maxGrantDuration: true, sensitivity: true },
  });
  const byId = new Map(resources.map((r) => [r.id, r]));
  // One statement after the other: statements of one transaction share its connection, where
  // concurrent ones would only queue (and PostgreSQL's driver deprecates overlapping queries).
  const granted = await work.tx.grant.findMany({
    where: { activeKey: { in: input.resourceIds.map((id) => activeGrantKey(targetId, id)) } },
    select: { resourceId: true },
  });
  // The open items' request numbers are read only for the error that shows them.
  const requested = await work.tx.requestItem.findMany({
    where: { openKey: { in: input.resourceIds.map((id) => openItemKey(targetId, id)) } },
    select: { resourceId: true, requestId: true },
  });
  // An extension's resource is held: that grant is the one it extends.
  const grantedIds = new Set(granted.map((g) => g.resourceId).filter((id) => id !== extension?.resourceId));
  const requestNumbers = requested.length
    ? new Map(
        (
          await work.tx.request.findMany({
            where: { id: { in: requested.map((r) => r.requestId) } },
            select: { id: true, number: true },
          })
        ).map((r) => [r.id, r.number]),
      )
    : new Map<string, number>();
  const requestedIn = new Map(requested.map((r) => [r.resourceId, r.requestId]));

  const problems: DomainError[] = [];
  const now = new Date();
  // Who the refusals below speak of: "you", or the person an admin asks for (read only then).
  const forWhom =
    targetId === actor.id || (grantedIds.size === 0 && requestedIn.size === 0)
      ? null
      : ((await work.tx.identity.findUnique({ where: { id: targetId }, select: { displayName: true } }))?.displayName ??
        null);
  const end = input.grantExpiresAt ?? null;
  if (end && extension?.expiresAt && end.getTime() <= extension.expiresAt.getTime()) {
    problems.push(
      invalid(`An extension must end after the access does now (${describeTime(extension.expiresAt)}).`, [
        "input",
        "grantExpiresAt",
      ]),
    );
  }
  input.resourceIds.forEach((id, index) => {
    const field = ["input", "resourceIds", String(index)];
    const resource = byId.get(id);
    if (!resource) return problems.push(notFound("Resource", field));
    if (!resource.requestable) {
      return problems.push(new DomainError("NOT_REQUESTABLE", `${resource.name} cannot be requested.`, field));
    }
    if (grantedIds.has(id)) {
      const holder = forWhom ? `${forWhom} already has` : "You already have";
      return problems.push(new DomainError("ALREADY_GRANTED", `${holder} ${resource.name}.`, field));
    }
    const openIn = requestedIn.get(id);
    if (openIn !== undefined) {
      return problems.push(
        new DomainError(
          "ALREADY_REQUESTED",
          `${resource.name} is already requested for ${forWhom ?? "you"} in REQ-${requestNumbers.get(openIn)}, which is still open.`,
          field,
        ),
      );
    }
    if (end) {
      const beyond = checkEnd(end, now, resource, ["input", "grantExpiresAt"]);
      if (beyond && !problems.some((p) => p.message === beyond.message)) problems.push(beyond);
    }
    return undefined;
  });
  if (problems.length === 1 && problems[0]) throw problems[0];
  if (problems.length > 1) throw new DomainErrors(problems);

  const number = await nextNumber(work, "request");
  // Request and items as raw inserts on the transaction's connection (db/statements.ts): the
  // ORM's would each cost several times the statement. The foreign keys still hold.
  const request = { id: newId() };
  await work.sql.insertRequest({
    id: request.id,
    number,
    requesterId: actor.id,
    targetId,
    justification,
    status: NEW_REQUEST_STATUS,
    grantExpiresAt: end,
  });
  const items = input.resourceIds.map((resourceId) => ({ id: newId(), resourceId }));
  for (const item of items) {
    await work.sql.insertRequestItem({
      id: item.id,
      requestId: request.id,
      resourceId: item.resourceId,
      status: NEW_ITEM_STATUS,
      openKey: openItemKey(targetId, item.resourceId),
      grantExpiresAt: end,
      extendsGrantId: extension?.id ?? null,
    });
  }
  if (idempotencyKey) {
    await work.tx.idempotencyKey.create({ data: { identityId: actor.id, key: idempotencyKey, requestId: request.id } });
  }
  work.audit.append({
    action: "REQUEST_CREATED",
    actorId: actor.id,
    requestId: request.id,
    comment: justification,
    data: {
      previousStatus: null,
      status: NEW_REQUEST_STATUS,
      number,
      targetId: toGlobalId("Identity", targetId),
      resourceIds: input.resourceIds.map((id) => toGlobalId("Resource", id)),
      ...(end ? { grantExpiresAt: end.toISOString() } : {}),
      ...(extension ? { extendsGrantId: toGlobalId("Grant", extension.id) } : {}),
    },
  });
  const itemStatuses: RequestStatus[] = [];
  for (const item of items) {
    const context = {
      itemId: item.id,
      requestId: request.id,
      resourceId: item.resourceId,
      requesterId: actor.id,
      targetId,
    };
    itemStatuses.push(await advanceItem(work, context, 0, actor.id));
  }
  // The request moves on from its first status only if every item was auto-approved.
  if (deriveRequestStatus(itemStatuses) !== NEW_REQUEST_STATUS) await refreshRequestStatus(work, request.id, actor.id);
  return { requestId: request.id, created: true };
}

/** Who may cancel a request: its requester, its target, or an admin. */
const mayCancelAsParty = (actor: Actor, request: { requesterId: string; targetId: string }): boolean =>
  isAdmin(actor) || actor.id === request.requesterId || actor.id === request.targetId;

/**
 * Whether `actor` may cancel the request now (cancelRequest's rule): a party to it, while one of
 * its items is open (lifecycle.ts: isOpenItem, or openItemWhere in SQL).
 */
export function mayCancelRequest(
  actor: Actor,
  request: { requesterId: string; targetId: string },
  hasOpenItem: boolean,
): boolean {
  return mayCancelAsParty(actor, request) && hasOpenItem;
}

export async function cancelRequest(
  work: Work,
  actor: Actor,
  input: { requestId: string; reason?: string | null },
): Promise<void> {
  const reason = optionalText(input.reason, LIMITS.reason, ["input", "reason"]);
  const request = await work.tx.request.findFirst({
    where: { id: input.requestId, ...visibleRequestWhere(actor) },
    select: { id: true, requesterId: true, targetId: true },
  });
  if (!request) throw notFound("Request", ["input", "requestId"]);
  if (!mayCancelAsParty(actor, request)) {
    throw forbidden("Only the requester, the target or an admin may cancel a request.");
  }
  // The actor is a party (checked above): what can still be missing is an open item.
  if (!(await cancelOpenItems(work, actor.id, request, reason))) {
    throw invalidState("The request has nothing left to cancel.");
  }
}

/**
 * Cancels the request's open items and their open tickets and records REQUEST_CANCELLED with the
 * reason; false (nothing written) when no item is open. cancelRequest, and the deactivation of a
 * party to the request (directory/leavers.ts, the system acting when `actorId` is null), cancel
 * through it.
 */
export async function cancelOpenItems(
  work: Work,
  actorId: string | null,
  request: { id: string; targetId: string },
  reason: string | null,
): Promise<boolean> {
  // The row lock first (as in refreshRequestStatus): a decision committing meanwhile is either
  // seen in the items read below, or waits for this cancellation.
  await work.tx.request.update({ where: { id: request.id }, data: { updatedAt: new Date() }, select: { id: true } });
  // Read apart: selecting the items in the update would make Prisma read the request back too.
  const items = await work.tx.requestItem.findMany({
    where: { requestId: request.id },
    select: { id: true, status: true },
  });
  const open = items.filter((item) => isOpenItem(item.status));
  if (open.length === 0) return false;
  await cancelOpenTickets(
    work,
    actorId,
    request,
    open.map((item) => item.id),
  );
  await moveItems(work, open, "CANCELLED");
  await refreshRequestStatus(work, request.id, actorId, { action: "REQUEST_CANCELLED", comment: reason });
  return true;
}
