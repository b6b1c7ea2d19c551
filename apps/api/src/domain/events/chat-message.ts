// The chat message of an audit event, for a Slack-compatible incoming webhook (Slack, Mattermost,
// Rocket.Chat accept `{ "text": … }`): the events people act on or want to know about — a new
// approval ticket (who requests what, for whom, why, which step, a link to act), its approval or
// rejection, fulfillment, failure and escalation. Every other event gives no message (skipped).
// A failure says its plain error code and message, never the connector's detail (admins only).
import type { Client } from "../../db/database.ts";
import { toGlobalId } from "../global-id.ts";
import { auditDataOf, type AuditRow } from "./cloud-event.ts";

export interface ChatMessage {
  text: string;
}

/** Slack's escaping of message text (`&`, `<`, `>`: its link and mention syntax). */
const escape = (value: string): string => value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

const quote = (value: string, max = 300): string =>
  escape(value.length > max ? `${value.slice(0, max - 1)}…` : value).replace(/\s+/g, " ");

/** Where people open the request in the dashboard (no link without PUBLIC_URL). */
export const requestLink = (publicUrl: URL | undefined, requestGlobalId: string): string | null =>
  publicUrl ? new URL(`/?request=${encodeURIComponent(requestGlobalId)}`, publicUrl).href : null;

const CHAT_ACTIONS = new Set([
  "TICKET_CREATED",
  "TICKET_APPROVED",
  "TICKET_REJECTED",
  "TICKET_FULFILLED",
  "TICKET_FAILED",
  "TICKET_ESCALATED",
]);

/** The chat message of an audit event, or null when chat channels do not hear of it. */
export async function chatMessageOf(
  read: Client,
  row: AuditRow,
  publicUrl: URL | undefined,
): Promise<ChatMessage | null> {
  if (!CHAT_ACTIONS.has(row.action) || row.ticketId === null) return null;
  const data = auditDataOf(row);
  if (row.action === "TICKET_CREATED" && data.kind !== "APPROVAL") return null;
  const ticket = await read.ticket.findUnique({
    where: { id: row.ticketId },
    select: {
      kind: true,
      step: true,
      resource: { select: { name: true, system: { select: { name: true } } } },
      assigneeGroup: { select: { name: true } },
      request: {
        select: {
          id: true,
          number: true,
          justification: true,
          requester: { select: { id: true, displayName: true } },
          target: { select: { id: true, displayName: true } },
        },
      },
    },
  });
  if (!ticket) return null;
  const { request } = ticket;
  const actor = row.actorId
    ? ((await read.identity.findUnique({ where: { id: row.actorId }, select: { displayName: true } }))?.displayName ??
      "someone")
    : null;
  const label = `REQ-${request.number}`;
  const what = `${escape(ticket.resource.name)} (${escape(ticket.resource.system.name)})`;
  const forWhom = escape(request.target.displayName);
  const step = typeof data.step === "number" ? data.step : ticket.step;
  const link = requestLink(publicUrl, toGlobalId("Request", request.id));
  const withLink = (sentence: string, verb: string) => (link ? `${sentence} ${verb}: ${link}` : sentence);
  switch (row.action) {
    case "TICKET_CREATED": {
      const who =
        request.requester.id === request.target.id
          ? `${escape(request.requester.displayName)} requests ${what}`
          : `${escape(request.requester.displayName)} requests ${what} for ${forWhom}`;
      const stepText = step ? ` (approval step ${step})` : "";
      return {
        text: withLink(
          `${label} needs approval${stepText}: ${who}. Justification: "${quote(request.justification)}".`,
          "Approve or reject",
        ),
      };
    }
    case "TICKET_APPROVED":
      return {
        text: withLink(
          `${label}: ${what} for ${forWhom} approved${step ? ` (step ${step})` : ""}${actor ? ` by ${escape(actor)}` : ""}.`,
          "Open",
        ),
      };
    case "TICKET_REJECTED":
      return {
        text: withLink(
          `${label}: ${what} for ${forWhom} rejected${actor ? ` by ${escape(actor)}` : ""}${row.comment ? `: "${quote(row.comment)}"` : ""}.`,
          "Open",
        ),
      };
    case "TICKET_FULFILLED":
      return {
        text: withLink(
          `${label}: ${forWhom} now has ${what}${data.by === "connector" ? " (provisioned by its connector)" : actor ? ` (fulfilled by ${escape(actor)})` : ""}.`,
          "Open",
        ),
      };
    case "TICKET_FAILED": {
      if (data.by === "fulfiller") {
        return {
          text: withLink(
            `${label}: ${what} for ${forWhom} could not be provisioned${actor ? ` (declined by ${escape(actor)})` : ""}${row.comment ? `: "${quote(row.comment)}"` : ""}.`,
            "Open",
          ),
        };
      }
      const code = typeof data.errorCode === "string" ? data.errorCode : "FAILED";
      const error = typeof data.error === "string" ? data.error : "the connector call failed";
      const attempts = typeof data.attempts === "number" ? ` after ${data.attempts} attempts` : "";
      return {
        text: withLink(
          `${label}: provisioning ${what} for ${forWhom} failed${attempts} (${escape(code)}: ${quote(error)}). A fulfiller can retry it or fulfil it by hand.`,
          "Open",
        ),
      };
    }
    case "TICKET_ESCALATED": {
      const to =
        data.assignedToAdmins === true
          ? "the admins"
          : ticket.assigneeGroup
            ? escape(ticket.assigneeGroup.name)
            : "the fallback approvers";
      const sla = typeof data.slaHours === "number" ? ` (SLA ${data.slaHours} h)` : "";
      return {
        text: withLink(
          `${label}: the ${ticket.kind === "APPROVAL" ? "approval" : "fulfillment"} of ${what} for ${forWhom} waited twice its SLA${sla} and went to ${to}.`,
          "Act on it",
        ),
      };
    }
    default:
      return null;
  }
}
