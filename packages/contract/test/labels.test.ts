// The labels and badge tones: every value of each enum in the printed schema has its words, and a
// value shared by several status enums reads and looks the same in each (the dashboard shows them
// through one badge).
import { readFileSync } from "node:fs";
import { buildSchema, isEnumType } from "graphql";
import { describe, expect, it } from "vitest";
import { schemaFile } from "../src/breaking-changes.ts";
import {
  approverKindLabels,
  auditActionLabels,
  connectorKindLabels,
  grantStatusLabels,
  grantStatusTones,
  healthStatusLabels,
  healthStatusTones,
  labelled,
  requestStatusLabels,
  requestStatusTones,
  reviewDecisionLabels,
  reviewDecisionTones,
  reviewerRuleLabels,
  reviewStatusLabels,
  reviewStatusTones,
  sensitivityLabels,
  sensitivityTones,
  ticketKindLabels,
  ticketStatusLabels,
  ticketStatusTones,
  type Tone,
} from "../src/labels.ts";

const schema = buildSchema(readFileSync(schemaFile, "utf8"));
const valuesOf = (name: string): string[] => {
  const type = schema.getType(name);
  if (!isEnumType(type)) throw new Error(`${name} is not an enum of the schema`);
  return type.getValues().map((value) => value.name);
};

const LABELS: Record<string, Record<string, string>> = {
  RequestStatus: requestStatusLabels,
  TicketStatus: ticketStatusLabels,
  HealthStatus: healthStatusLabels,
  GrantStatus: grantStatusLabels,
  TicketKind: ticketKindLabels,
  Sensitivity: sensitivityLabels,
  ConnectorKind: connectorKindLabels,
  AuditAction: auditActionLabels,
  ApproverKind: approverKindLabels,
  ReviewStatus: reviewStatusLabels,
  ReviewerRule: reviewerRuleLabels,
  ReviewDecision: reviewDecisionLabels,
};
const TONES: Record<string, Record<string, Tone>> = {
  RequestStatus: requestStatusTones,
  TicketStatus: ticketStatusTones,
  HealthStatus: healthStatusTones,
  GrantStatus: grantStatusTones,
  Sensitivity: sensitivityTones,
  ReviewStatus: reviewStatusTones,
  ReviewDecision: reviewDecisionTones,
};

describe("labels", () => {
  it.each(Object.entries(LABELS))("name every value of %s, each differently", (name, labels) => {
    expect(Object.keys(labels).sort()).toEqual(valuesOf(name).sort());
    const words = Object.values(labels);
    expect(new Set(words).size).toBe(words.length);
  });

  it.each(Object.entries(LABELS))("write %s for people: no enum spelling, a capital first", (_name, labels) => {
    for (const [value, label] of Object.entries(labels)) {
      expect(label, value).not.toContain("_");
      expect(label.charAt(0), value).toBe(label.charAt(0).toUpperCase());
    }
  });

  it.each(Object.entries(TONES))("give every value of %s a badge tone", (name, tones) => {
    expect(Object.keys(tones).sort()).toEqual(valuesOf(name).sort());
  });

  it("read and look the same for a status shared by several status enums, but a request that is approved and not set up yet", () => {
    const statuses = ["RequestStatus", "TicketStatus", "HealthStatus", "GrantStatus", "ReviewStatus"];
    const seen = new Map<string, { label: string; tone: Tone | undefined; from: string }>();
    expect({ label: LABELS.RequestStatus?.APPROVED, tone: TONES.RequestStatus?.APPROVED }).toEqual({
      label: "Approved, being set up",
      tone: "waiting",
    });
    for (const name of statuses) {
      for (const [value, label] of Object.entries(LABELS[name] ?? {})) {
        if (name === "RequestStatus" && value === "APPROVED") continue;
        const tone = TONES[name]?.[value];
        const first = seen.get(value);
        if (first)
          expect({ label, tone }, `${value} in ${first.from} and ${name}`).toEqual({
            label: first.label,
            tone: first.tone,
          });
        else seen.set(value, { label, tone, from: name });
      }
    }
    expect(seen.get("APPROVED")).toMatchObject({ label: "Approved", tone: "good" });
  });

  it("list a table's values with their labels in the table's order, for menus", () => {
    expect(labelled(ticketKindLabels)).toEqual([
      ["APPROVAL", "Approval"],
      ["FULFILLMENT", "Fulfillment"],
      ["REVOCATION", "Revocation"],
    ]);
    expect(labelled(requestStatusLabels)[0]).toEqual(["PENDING_APPROVAL", "Pending approval"]);
  });
});
