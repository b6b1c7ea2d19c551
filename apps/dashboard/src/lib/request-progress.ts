// A requested resource's whole way, step by step, for the request's page: the steps done (who,
// when), the one it waits on (on whom, since when), the ones still to come (who will decide), and
// setting the access up. Built from the request's tickets and the resource's configured steps.
import type { TicketKind, TicketStatus } from "@access/contract";
import { whoMayAct } from "./format.ts";

export interface ProgressTicket {
  id: string;
  number: number;
  kind: TicketKind;
  status: TicketStatus;
  step: number | null;
  createdAt: string;
  decidedAt: string | null;
  resource: { id: string };
  assignees: readonly { displayName: string }[];
  assigneeGroup: { name: string } | null;
  decidedBy: { displayName: string } | null;
}

export interface ConfiguredStep {
  order: number;
  kind: "MANAGER" | "EXPLICIT" | "GROUP";
  approvers: readonly { displayName: string }[];
  group: { name: string } | null;
}

export interface ProgressItem {
  status: string;
  resource: {
    id: string;
    approvalSteps: readonly ConfiguredStep[];
    system: { connector: string; fulfillers: { name: string } | null };
  };
}

export type StepState = "done" | "current" | "todo" | "stopped";

export interface ProgressRow {
  state: StepState;
  /** "Approval, step 1 of 2" or "Access set up". */
  title: string;
  /** What happened or will: "Approved by Bob Manager", "Waiting on Carol Security". */
  text: string;
  /** When it happened, or since when it waits. */
  at: string | null;
  ticket: ProgressTicket | null;
}

const CLOSED_ITEM = new Set(["REJECTED", "CANCELLED"]);

/** Who a step still to come will be decided by ("Alice's manager Bob Manager", "anyone in IT Security"). */
function futureWho(step: ConfiguredStep, managerWords: string): string {
  if (step.kind === "MANAGER") return managerWords;
  if (step.kind === "GROUP") return step.group ? `anyone in ${step.group.name}` : "the admins";
  return step.approvers.map((a) => a.displayName).join(" or ") || "the admins";
}

function approvalRow(ticket: ProgressTicket, title: string): ProgressRow {
  const by = ticket.decidedBy?.displayName;
  switch (ticket.status) {
    case "APPROVED":
      return { state: "done", title, text: `Approved by ${by ?? "policy"}`, at: ticket.decidedAt, ticket };
    case "REJECTED":
      return { state: "stopped", title, text: `Rejected by ${by ?? "an approver"}`, at: ticket.decidedAt, ticket };
    case "CANCELLED":
      return { state: "stopped", title, text: "Cancelled before a decision", at: ticket.decidedAt, ticket };
    default: {
      const who = whoMayAct(ticket.status, ticket.assignees, ticket.assigneeGroup) ?? "the admins";
      return { state: "current", title, text: `Waiting on ${who}`, at: ticket.createdAt, ticket };
    }
  }
}

function fulfilmentRow(ticket: ProgressTicket): ProgressRow {
  const title = "Access set up";
  switch (ticket.status) {
    case "FULFILLED":
      return {
        state: "done",
        title,
        text: ticket.decidedBy ? `Set up by ${ticket.decidedBy.displayName}` : "Set up by the connector",
        at: ticket.decidedAt,
        ticket,
      };
    case "IN_PROGRESS":
      return { state: "current", title, text: "Being set up by the connector", at: ticket.createdAt, ticket };
    case "FAILED":
      return {
        state: "current",
        title,
        text: `Setting it up failed; waiting on ${whoMayAct(ticket.status, ticket.assignees, ticket.assigneeGroup) ?? "the admins"}`,
        at: ticket.decidedAt ?? ticket.createdAt,
        ticket,
      };
    case "CANCELLED":
      return { state: "stopped", title, text: "Cancelled before it was set up", at: ticket.decidedAt, ticket };
    default: {
      const who = whoMayAct(ticket.status, ticket.assignees, ticket.assigneeGroup) ?? "the admins";
      return { state: "current", title, text: `Waiting on ${who} to set it up`, at: ticket.createdAt, ticket };
    }
  }
}

/**
 * Every step of one requested resource, in order. `managerWords` names the target's manager as the
 * reader should see it ("your manager Bob Manager", "Alice's manager (none on record)").
 */
export function progressOf(
  item: ProgressItem,
  tickets: readonly ProgressTicket[],
  managerWords: string,
): ProgressRow[] {
  const own = tickets
    .filter((t) => t.resource.id === item.resource.id && t.kind !== "REVOCATION")
    .sort((a, b) => a.number - b.number);
  const approvals = own.filter((t) => t.kind === "APPROVAL");
  const steps = new Set([...item.resource.approvalSteps.map((s) => s.order), ...approvals.map((t) => t.step ?? 0)]);
  const count = steps.size;
  const ordered = [...steps].sort((a, b) => a - b);
  const closed = CLOSED_ITEM.has(item.status);
  const rows: ProgressRow[] = ordered.map((order, index) => {
    const title = `Approval, step ${index + 1} of ${count}`;
    // The latest ticket of the step: a reassignment keeps the ticket; a retry would open a new one.
    const ticket = approvals.filter((t) => t.step === order).at(-1);
    if (ticket) return approvalRow(ticket, title);
    const configured = item.resource.approvalSteps.find((s) => s.order === order);
    const who = configured ? futureWho(configured, managerWords) : "the admins";
    return closed
      ? { state: "stopped", title, text: `Not reached (would have been ${who})`, at: null, ticket: null }
      : { state: "todo", title, text: `Then ${who}`, at: null, ticket: null };
  });
  if (count === 0)
    rows.push({ state: "done", title: "Approval", text: "Approved automatically", at: null, ticket: null });
  const fulfilment = own.filter((t) => t.kind === "FULFILLMENT").at(-1);
  if (fulfilment) rows.push(fulfilmentRow(fulfilment));
  else {
    const system = item.resource.system;
    const by =
      system.connector !== "MANUAL"
        ? "automatically"
        : system.fulfillers
          ? `by anyone in ${system.fulfillers.name}`
          : "by the admins";
    rows.push(
      closed
        ? { state: "stopped", title: "Access set up", text: "Not reached", at: null, ticket: null }
        : { state: "todo", title: "Access set up", text: `Then set up ${by}`, at: null, ticket: null },
    );
  }
  return rows;
}
