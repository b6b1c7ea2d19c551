import { describe, expect, it } from "vitest";
import {
  auditText,
  errorsByField,
  relativeTime,
  requestLabel,
  statusText,
  statusTone,
  ticketLabel,
  whoMayAct,
} from "../src/lib/format.ts";

describe("format", () => {
  it("shows numbers as REQ-n and TKT-n", () => {
    expect(requestLabel(12)).toBe("REQ-12");
    expect(ticketLabel(3)).toBe("TKT-3");
  });

  it("reads statuses for people, with a tone for the badge", () => {
    expect(statusText("PENDING_APPROVAL")).toBe("Pending approval");
    expect(statusTone("FULFILLED")).toBe("good");
    expect(statusTone("REJECTED")).toBe("bad");
    expect(statusTone("OPEN")).toBe("waiting");
    expect(statusTone("CANCELLED")).toBe("muted");
  });

  it("writes relative times", () => {
    const now = Date.parse("2026-11-27T10:00:00Z");
    expect(relativeTime("2026-11-27T09:59:50Z", now)).toBe("just now");
    expect(relativeTime("2026-11-27T09:57:00Z", now)).toBe("3 minutes ago");
    expect(relativeTime("2026-11-26T10:00:00Z", now)).toBe("yesterday");
  });

  it("groups mutation errors by input field, for showing next to each field", () => {
    expect(
      errorsByField([
        { message: "Justification must not be empty.", field: ["input", "justification"] },
        { message: "Unknown resource.", field: ["input", "resourceIds", "0"] },
        { message: "Try again.", field: null },
      ]),
    ).toEqual({
      justification: "Justification must not be empty.",
      resourceIds: "Unknown resource.",
      _form: "Try again.",
    });
  });

  it("says who may act on a waiting ticket, and nothing once it is decided", () => {
    const bob = { displayName: "Bob Manager" };
    const fulfillers = { name: "IT Fulfillers" };
    expect(whoMayAct("OPEN", [bob], null)).toBe("Bob Manager");
    expect(whoMayAct("OPEN", [], fulfillers)).toBe("any member of IT Fulfillers");
    expect(whoMayAct("FAILED", [bob], fulfillers)).toBe("Bob Manager or any member of IT Fulfillers");
    expect(whoMayAct("FULFILLED", [], fulfillers)).toBeNull();
    expect(whoMayAct("OPEN", [], null)).toBeNull();
  });

  it("writes audit events in people's words, naming the ticket and the status they changed from and to", () => {
    expect(
      auditText({ action: "REQUEST_STATUS_CHANGED", data: { previousStatus: "APPROVED", status: "FULFILLED" } }),
    ).toBe("Request status changed: Approved, being set up → Fulfilled");
    expect(
      auditText({
        action: "TICKET_APPROVED",
        data: { previousStatus: "OPEN", status: "APPROVED" },
        ticket: { number: 3 },
      }),
    ).toBe("TKT-3 approved: Open → Approved");
    expect(
      auditText({ action: "TICKET_CREATED", data: { previousStatus: null, status: "OPEN" }, ticket: { number: 4 } }),
    ).toBe("TKT-4 opened: Open");
    expect(
      auditText({
        action: "TICKET_FAILED",
        data: { previousStatus: "IN_PROGRESS", status: "FAILED" },
        ticket: { number: 5 },
      }),
    ).toBe("Fulfillment failed (TKT-5): In progress → Failed");
    expect(auditText({ action: "TICKET_COMMENTED", data: { commentId: "x" } })).toBe("Comment added");
    expect(auditText({ action: "GRANT_ACTIVATED", data: null })).toBe("Access granted");
    // Whose access, and which resource, when the event names them.
    expect(
      auditText({
        action: "GRANT_ACTIVATED",
        data: { grantId: "g", identityId: "i", resourceId: "r" },
        subjectIdentity: { displayName: "Alice Employee" },
        subjectResource: { name: "GitHub Write Access" },
      }),
    ).toBe("Access granted (Alice Employee, GitHub Write Access)");
    expect(
      auditText({
        action: "TOKEN_ISSUED",
        data: { tokenId: "t", identityId: "i", name: "scim", scope: "SCIM" },
        subjectIdentity: { displayName: "Erin Admin" },
        subjectResource: null,
      }),
    ).toBe("API token issued (Erin Admin): SCIM token");
    expect(
      auditText({
        action: "CONFIG_CHANGED",
        data: { entity: "Group", entityId: "g", change: "member added", identityId: "i" },
        subjectIdentity: { displayName: "Dave Fulfiller" },
        subjectGroup: { name: "IT Fulfillers" },
      }),
    ).toBe("Configuration changed (Dave Fulfiller, IT Fulfillers): Group member added");
    expect(
      auditText({
        action: "SYSTEM_HEALTH_CHANGED",
        data: { systemId: "s", previousStatus: "DEGRADED", status: "DOWN" },
        subjectSystem: { name: "Wiki" },
      }),
    ).toBe("System health changed (Wiki): Degraded → Down");
    expect(
      auditText({
        action: "CONFIG_CHANGED",
        data: {
          entity: "System",
          entityId: "s",
          change: "updated",
          changed: ["name", "ticketSlaHours", "connectorConfig"],
        },
        subjectSystem: { name: "Team wiki" },
      }),
    ).toBe("Configuration changed (Team wiki): System updated, changed name, SLA, connector settings");
    // Deleted since: the name its change recorded.
    expect(
      auditText({
        action: "CONFIG_CHANGED",
        data: { entity: "Group", entityId: "g", change: "deleted", name: "Old team" },
      }),
    ).toBe("Configuration changed (Old team): Group deleted");
    expect(
      auditText({
        action: "CONFIG_CHANGED",
        data: { entity: "Identity", entityId: "x", change: "updated", active: false, source: "SCIM" },
      }),
    ).toBe("Configuration changed: Identity updated, deactivated, via SCIM");
    expect(
      auditText({
        action: "CONFIG_CHANGED",
        data: { entity: "Identity", entityId: "x", change: "created", role: "END_USER" },
        subjectIdentity: { displayName: "Alice Employee" },
      }),
    ).toBe("Configuration changed (Alice Employee): Identity created, role: end user");
    expect(auditText({ action: "SESSION_ENDED", data: { sessionId: "x", reason: "identity deactivated" } })).toBe(
      "Session ended: identity deactivated",
    );
    expect(
      auditText({
        action: "TICKET_STATUS_CHANGED",
        data: { previousStatus: "OPEN", status: "CANCELLED", reason: "request cancelled" },
        ticket: { number: 3 },
      }),
    ).toBe("TKT-3 status changed: withdrawn because the request was cancelled");
    // A reassignment keeps its status: no arrow.
    expect(auditText({ action: "TICKET_REASSIGNED", data: { previousStatus: "OPEN", status: "OPEN" } })).toBe(
      "Ticket reassigned",
    );
  });
});
