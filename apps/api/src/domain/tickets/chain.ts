// An approval ticket's place in its resource's chain, in people's words: how many steps there are,
// who acts on a step, and what follows once a step is approved. One wording for the ticket's own
// fields (Ticket.stepCount, Ticket.nextStep) and for the notifications that describe the chain.
import type { Prisma } from "../../generated/prisma/client.ts";
import { names } from "../notifications/compose.ts";

/** What the chain's words read of a ticket (a ticket select that includes this fits). */
export const chainSelect = {
  request: { select: { target: { select: { displayName: true } } } },
  resource: {
    select: {
      system: { select: { name: true, connector: true, fulfillersGroup: { select: { name: true } } } },
      approvalSteps: {
        orderBy: { order: "asc" },
        select: {
          order: true,
          kind: true,
          group: { select: { name: true } },
          approvers: { select: { displayName: true }, orderBy: { displayName: "asc" } },
        },
      },
    },
  },
} satisfies Prisma.TicketSelect;

export type ChainFacts = Prisma.TicketGetPayload<{ select: typeof chainSelect }>;

/** How many approval steps the item goes through (the resource's now, and at least `step`). */
export const stepCount = (ticket: { resource: { approvalSteps: readonly unknown[] } }, step: number): number =>
  Math.max(ticket.resource.approvalSteps.length, step);

/** Who acts on an approval step, in words. */
export function stepApprovers(ticket: ChainFacts, order: number): string {
  const step = ticket.resource.approvalSteps.find((s) => s.order === order);
  if (!step) return "its approvers";
  if (step.kind === "MANAGER") return `the manager of ${ticket.request.target.displayName}`;
  if (step.kind === "GROUP") return `the group ${step.group?.name ?? "of approvers"}`;
  return names(step.approvers.map((a) => a.displayName)) || "its named approvers";
}

/** What follows once the approval step `step` is approved. */
export function afterStep(ticket: ChainFacts, step: number): string {
  const total = stepCount(ticket, step);
  if (step < total) return `step ${step + 1} of ${total}, by ${stepApprovers(ticket, step + 1)}`;
  const system = ticket.resource.system;
  if (system.connector !== "MANUAL") return `the access is provisioned automatically on ${system.name}`;
  return `fulfillment by ${system.fulfillersGroup?.name ?? "the admins"}`;
}
