// An independent statement of DESIGN.md's workflow rules for the property tests
// (properties.test.ts): the commands they generate, what the database holds about one run, and,
// for one command in one state, which outcomes the rules allow. Written from DESIGN.md's words,
// not from the domain code, so that the two can disagree.
import fc from "fast-check";
import type { DemoPerson } from "../src/demo/demo-organisation.ts";
import type { Client } from "../src/db/database.ts";
import type { ErrorCode } from "../src/domain/errors.ts";
import type {
  GrantStatus,
  RequestStatus,
  Sensitivity,
  TicketKind,
  TicketStatus,
} from "../src/generated/prisma/client.ts";

export const PEOPLE: readonly DemoPerson[] = ["admin", "bob", "alice", "dave", "carol"];

/** The groups a GROUP step may name: the system's fulfillers, a mixed group, an empty one. */
export type GroupKey = "fulfillers" | "approvers" | "nobody";

// ---------------------------------------------------------------- configuration and commands

export type StepConfig =
  { kind: "MANAGER" } | { kind: "EXPLICIT"; approvers: DemoPerson[] } | { kind: "GROUP"; group: GroupKey };

export interface ResourceConfig {
  sensitivity: Sensitivity;
  /** null: the defaults for the sensitivity; []: auto-approval. */
  steps: StepConfig[] | null;
  requiresEvidence: boolean;
  requestable: boolean;
}

/** A resource created for one run, with the steps DESIGN.md says it gets. */
export interface RunResource {
  id: string;
  config: ResourceConfig;
  steps: StepConfig[];
}

/** "STANDARD and SENSITIVE: one MANAGER step" when none are configured. */
export const effectiveSteps = (config: ResourceConfig): StepConfig[] => config.steps ?? [{ kind: "MANAGER" }];

/** Picks an entity of the run by position; `openOnly` restricts to those still actionable. */
export interface Pick {
  index: number;
  openOnly: boolean;
}

/** "assignee": whoever the ticket is assigned to (the first eligible one), else the admin. */
export type TicketActor = DemoPerson | "assignee";

export type Command =
  | {
      type: "create";
      actor: DemoPerson;
      resources: number[];
      target: DemoPerson | null;
      justification: string;
      key: string | null;
    }
  | { type: "approve" | "reject" | "fulfill"; actor: TicketActor; ticket: Pick; comment: string | null }
  | { type: "cancel"; actor: DemoPerson; request: Pick; reason: string | null }
  | { type: "comment"; actor: TicketActor; ticket: Pick; body: string }
  | { type: "revoke"; actor: DemoPerson; grant: Pick };

/** One of several decisions sent at the same moment: on one of a request's actionable tickets. */
export interface Contender {
  /** On an approval ticket: reject instead of approve. Fulfillment tickets are fulfilled. */
  reject: boolean;
  actor: TicketActor;
  /** Index into the request's actionable tickets: contenders meet on one ticket or on siblings. */
  ticket: number;
}

/** Decisions issued concurrently on the tickets of one request ("when two approvers decide at once"). */
export interface Race {
  type: "race";
  request: Pick;
  contenders: Contender[];
}

export type TicketCommand = Extract<Command, { ticket: Pick }>;

export const RESOURCES_PER_RUN = 3;

const person = fc.constantFrom(...PEOPLE);
const weighted = <T>(often: fc.Arbitrary<T>, rarely: fc.Arbitrary<T>, odds = 9) =>
  fc.oneof({ weight: odds, arbitrary: often }, { weight: 1, arbitrary: rarely });

const stepArbitrary: fc.Arbitrary<StepConfig> = fc.oneof(
  fc.constant<StepConfig>({ kind: "MANAGER" }),
  fc.record({
    kind: fc.constant("EXPLICIT" as const),
    approvers: fc.uniqueArray(person, { minLength: 1, maxLength: 3 }),
  }),
  fc.record({
    kind: fc.constant("GROUP" as const),
    group: fc.constantFrom<GroupKey>("fulfillers", "approvers", "nobody"),
  }),
);

/** Only configurations createResource accepts (DESIGN.md, "Approval routing", defaults). */
function fitSensitivity(config: ResourceConfig): ResourceConfig {
  if (config.steps !== null && config.steps.length === 0) return { ...config, sensitivity: "STANDARD" };
  const named = config.steps?.some((s) => s.kind !== "MANAGER") ?? false;
  if (config.sensitivity === "PRIVILEGED" && !named) return { ...config, sensitivity: "SENSITIVE" };
  return config;
}

export const resourceConfigArbitrary: fc.Arbitrary<ResourceConfig> = fc
  .record({
    sensitivity: fc.constantFrom<Sensitivity>("STANDARD", "SENSITIVE", "PRIVILEGED"),
    steps: fc.oneof(fc.constant(null), fc.array(stepArbitrary, { maxLength: 3 })),
    requiresEvidence: fc.boolean(),
    requestable: weighted(fc.constant(true), fc.constant(false)),
  })
  .map(fitSensitivity);

const pick: fc.Arbitrary<Pick> = fc.record({
  index: fc.nat({ max: 999 }),
  openOnly: weighted(fc.constant(true), fc.constant(false), 4),
});
const ticketActor: fc.Arbitrary<TicketActor> = fc.oneof(
  { weight: 1, arbitrary: person },
  { weight: 1, arbitrary: fc.constant("assignee" as const) },
);
const comment = fc.oneof(
  { weight: 3, arbitrary: fc.constant(null) },
  { weight: 2, arbitrary: fc.constantFrom("Checked with the team lead.", "  added to the org, ticket #42  ") },
  { weight: 1, arbitrary: fc.constant("   ") },
);
const resourceIndex = fc.nat({ max: RESOURCES_PER_RUN - 1 });

export const commandArbitrary: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      type: fc.constant("create" as const),
      actor: person,
      resources: weighted(
        fc.uniqueArray(resourceIndex, { minLength: 1, maxLength: RESOURCES_PER_RUN }),
        fc.array(resourceIndex, { minLength: 2, maxLength: RESOURCES_PER_RUN }),
      ),
      target: fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 2, arbitrary: person }),
      justification: weighted(fc.constantFrom("Needed for the release.", "  on-call rotation  "), fc.constant("   ")),
      key: fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom("k1", "k2") }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({ type: fc.constant("approve" as const), actor: ticketActor, ticket: pick, comment }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ type: fc.constant("reject" as const), actor: ticketActor, ticket: pick, comment }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ type: fc.constant("fulfill" as const), actor: ticketActor, ticket: pick, comment }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ type: fc.constant("cancel" as const), actor: person, request: pick, reason: comment }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constant("comment" as const),
      actor: ticketActor,
      ticket: pick,
      body: weighted(fc.constantFrom("Who owns this repository?", " see the runbook "), fc.constant("  ")),
    }),
  },
  // Revoking is for admins and the holder: mostly the admin, so that grants do get revoked and requested again.
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constant("revoke" as const),
      actor: weighted<DemoPerson>(fc.constant("admin"), person, 2),
      grant: pick,
    }),
  },
);

export const raceArbitrary: fc.Arbitrary<Race> = fc.record({
  type: fc.constant("race" as const),
  request: pick,
  contenders: fc.array(
    fc.record({
      reject: weighted(fc.constant(false), fc.constant(true), 3),
      actor: weighted<TicketActor>(fc.constant("assignee"), person, 3),
      ticket: fc.nat({ max: 3 }),
    }),
    { minLength: 2, maxLength: 3 },
  ),
});

// ---------------------------------------------------------------- the organisation

export interface Org {
  ids: Record<DemoPerson, string>;
  admins: ReadonlySet<string>;
  active: ReadonlySet<string>;
  managerOf: ReadonlyMap<string, string | null>;
  groups: Record<GroupKey, { id: string; members: ReadonlySet<string> }>;
  /** The system the run's resources live in is MANUAL, fulfilled by this group. */
  fulfillersGroupId: string;
}

export async function readOrg(
  read: Client,
  ids: Record<DemoPerson, string>,
  groupIds: Record<GroupKey, string>,
): Promise<Org> {
  const people = await read.identity.findMany({
    where: { id: { in: Object.values(ids) } },
    select: { id: true, role: true, active: true, managerId: true },
  });
  const groups = await read.group.findMany({
    where: { id: { in: Object.values(groupIds) } },
    select: { id: true, members: { select: { id: true } } },
  });
  const members = (id: string) => new Set(groups.find((g) => g.id === id)?.members.map((m) => m.id) ?? []);
  return {
    ids,
    admins: new Set(people.filter((p) => p.role === "ADMIN").map((p) => p.id)),
    active: new Set(people.filter((p) => p.active).map((p) => p.id)),
    managerOf: new Map(people.map((p) => [p.id, p.managerId])),
    groups: {
      fulfillers: { id: groupIds.fulfillers, members: members(groupIds.fulfillers) },
      approvers: { id: groupIds.approvers, members: members(groupIds.approvers) },
      nobody: { id: groupIds.nobody, members: members(groupIds.nobody) },
    },
    fulfillersGroupId: groupIds.fulfillers,
  };
}

// ---------------------------------------------------------------- what the database holds about a run

export interface TicketView {
  id: string;
  number: number;
  kind: TicketKind;
  status: TicketStatus;
  requestId: string;
  itemId: string;
  resourceId: string;
  step: number | null;
  assigneeIds: string[];
  assigneeGroupId: string | null;
  assignedToAdmins: boolean;
  decidedById: string | null;
  decidedAt: number | null;
}

export interface ItemView {
  id: string;
  resourceId: string;
  status: RequestStatus;
}

export interface RequestView {
  id: string;
  number: number;
  requesterId: string;
  targetId: string;
  status: RequestStatus;
  closedAt: number | null;
  items: ItemView[];
}

export interface GrantView {
  id: string;
  identityId: string;
  resourceId: string;
  requestId: string | null;
  itemId: string | null;
  status: GrantStatus;
}

export interface RunState {
  requests: RequestView[];
  tickets: TicketView[];
  grants: GrantView[];
  /** `${identityId}:${key}` → the request the idempotency key returns. */
  keys: Map<string, string>;
}

export async function readRunState(read: Client, resourceIds: readonly string[], keyPrefix: string): Promise<RunState> {
  const ofRun = { resourceId: { in: [...resourceIds] } };
  const [requests, tickets, grants, keys] = await Promise.all([
    read.request.findMany({
      where: { items: { some: ofRun } },
      orderBy: { number: "asc" },
      select: {
        id: true,
        number: true,
        requesterId: true,
        targetId: true,
        status: true,
        closedAt: true,
        items: { select: { id: true, resourceId: true, status: true }, orderBy: { id: "asc" } },
      },
    }),
    read.ticket.findMany({
      where: ofRun,
      orderBy: { number: "asc" },
      select: {
        id: true,
        number: true,
        kind: true,
        status: true,
        requestId: true,
        itemId: true,
        resourceId: true,
        step: true,
        assignees: { select: { id: true } },
        assigneeGroupId: true,
        assignedToAdmins: true,
        decidedById: true,
        decidedAt: true,
      },
    }),
    read.grant.findMany({
      where: ofRun,
      orderBy: { grantedAt: "asc" },
      select: { id: true, identityId: true, resourceId: true, requestId: true, itemId: true, status: true },
    }),
    read.idempotencyKey.findMany({
      where: { key: { startsWith: keyPrefix } },
      select: { identityId: true, key: true, requestId: true },
    }),
  ]);
  return {
    requests: requests.map((r) => ({ ...r, closedAt: r.closedAt?.getTime() ?? null })),
    tickets: tickets.map(({ assignees, decidedAt, ...t }) => ({
      ...t,
      assigneeIds: assignees.map((a) => a.id).sort(),
      decidedAt: decidedAt?.getTime() ?? null,
    })),
    grants,
    keys: new Map(keys.map((k) => [`${k.identityId}:${k.key}`, k.requestId])),
  };
}

// ---------------------------------------------------------------- the rules, as DESIGN.md words them

/** "pending approval or awaiting fulfillment" (a failed fulfillment still awaits it). */
export const ITEM_OPEN: readonly RequestStatus[] = ["PENDING_APPROVAL", "APPROVED", "FAILED"];
export const isItemOpen = (status: RequestStatus): boolean => ITEM_OPEN.includes(status);

/** Every status an item can have (PARTIALLY_FULFILLED describes requests only). */
export const ITEM_STATUSES: readonly RequestStatus[] = [
  "PENDING_APPROVAL",
  "APPROVED",
  "FAILED",
  "FULFILLED",
  "REJECTED",
  "CANCELLED",
];

/**
 * DESIGN.md, "Request status", clause by clause: any item pending approval → PENDING_APPROVAL;
 * else any awaiting fulfillment → APPROVED; else any failed → FAILED; else all fulfilled →
 * FULFILLED; some fulfilled → PARTIALLY_FULFILLED; all rejected → REJECTED; all cancelled →
 * CANCELLED; rejected and cancelled mixed → REJECTED.
 */
export function statusAsDesignSaysIt(items: readonly RequestStatus[]): RequestStatus {
  const count = new Map<RequestStatus, number>();
  for (const status of items) count.set(status, (count.get(status) ?? 0) + 1);
  const n = (status: RequestStatus) => count.get(status) ?? 0;
  const clauses: [boolean, RequestStatus][] = [
    [n("PENDING_APPROVAL") > 0, "PENDING_APPROVAL"],
    [n("APPROVED") > 0, "APPROVED"],
    [n("FAILED") > 0, "FAILED"],
    [n("FULFILLED") === items.length, "FULFILLED"],
    [n("FULFILLED") > 0, "PARTIALLY_FULFILLED"],
    [n("REJECTED") === items.length, "REJECTED"],
    [n("CANCELLED") === items.length, "CANCELLED"],
    [n("REJECTED") > 0 && n("CANCELLED") > 0 && n("REJECTED") + n("CANCELLED") === items.length, "REJECTED"],
  ];
  const match = clauses.find(([holds]) => holds);
  if (!match) throw new Error(`DESIGN.md names no status for items ${items.join(", ")}`);
  return match[1];
}

export type Assignment = { to: "PEOPLE"; ids: string[] } | { to: "GROUP"; groupId: string } | { to: "ADMINS" };

interface Parties {
  requesterId: string;
  targetId: string;
}

const eligibleFor = (org: Org, parties: Parties) => (id: string) =>
  org.active.has(id) && id !== parties.requesterId && id !== parties.targetId;

function groupOrAdmins(org: Org, groupId: string, members: ReadonlySet<string>, parties: Parties): Assignment {
  return [...members].some(eligibleFor(org, parties)) ? { to: "GROUP", groupId } : { to: "ADMINS" };
}

/** "Approval routing": who a step's ticket goes to; the admins when no eligible approver is left. */
export function expectedApprovalAssignment(org: Org, step: StepConfig, parties: Parties): Assignment {
  const eligible = eligibleFor(org, parties);
  switch (step.kind) {
    case "MANAGER": {
      const manager = org.managerOf.get(parties.targetId) ?? null;
      return manager !== null && eligible(manager) ? { to: "PEOPLE", ids: [manager] } : { to: "ADMINS" };
    }
    case "EXPLICIT": {
      const ids = step.approvers
        .map((p) => org.ids[p])
        .filter(eligible)
        .sort();
      return ids.length > 0 ? { to: "PEOPLE", ids } : { to: "ADMINS" };
    }
    case "GROUP":
      return groupOrAdmins(org, org.groups[step.group].id, org.groups[step.group].members, parties);
  }
}

/** "MANUAL systems: the ticket is assigned to the system's fulfillers group (or the admins)". */
export function expectedFulfillmentAssignment(org: Org, parties: Parties): Assignment {
  return groupOrAdmins(org, org.fulfillersGroupId, org.groups.fulfillers.members, parties);
}

export function actualAssignment(ticket: TicketView): Assignment {
  if (ticket.assignedToAdmins) return { to: "ADMINS" };
  if (ticket.assigneeGroupId !== null) return { to: "GROUP", groupId: ticket.assigneeGroupId };
  return { to: "PEOPLE", ids: ticket.assigneeIds };
}

const isParty = (id: string, request: RequestView) => id === request.requesterId || id === request.targetId;

/** Assigned to act on the ticket: a named assignee, a member of its group, an admin when it fell back. */
export function isAssigned(org: Org, actorId: string, ticket: TicketView): boolean {
  const group = Object.values(org.groups).find((g) => g.id === ticket.assigneeGroupId);
  return (
    ticket.assigneeIds.includes(actorId) ||
    (group?.members.has(actorId) ?? false) ||
    (ticket.assignedToAdmins && org.admins.has(actorId))
  );
}

/** Involved in a ticket: assigned to it or the one who decided it. */
const isInvolved = (org: Org, actorId: string, ticket: TicketView) =>
  isAssigned(org, actorId, ticket) || ticket.decidedById === actorId;

// ---------------------------------------------------------------- resolving and judging a command

export type Subject =
  | { kind: "new-request" }
  | { kind: "ticket"; ticket: TicketView; request: RequestView }
  | { kind: "request"; request: RequestView }
  | { kind: "grant"; grant: GrantView };
export type TicketSubject = Extract<Subject, { kind: "ticket" }>;

/** Approval and revocation tickets wait while OPEN; fulfillment tickets also once FAILED (a retry). */
const isActionable = (t: TicketView) =>
  t.kind === "FULFILLMENT" ? t.status === "OPEN" || t.status === "FAILED" : t.status === "OPEN";

const at = <T>(list: readonly T[], p: Pick): T | undefined =>
  list.length === 0 ? undefined : list[p.index % list.length];

function ticketCandidates(command: TicketCommand, state: RunState): TicketView[] {
  if (!command.ticket.openOnly) return state.tickets;
  switch (command.type) {
    case "approve":
    case "reject":
      return state.tickets.filter((t) => t.kind === "APPROVAL" && t.status === "OPEN");
    case "fulfill":
      return state.tickets.filter((t) => t.kind !== "APPROVAL" && isActionable(t));
    case "comment":
      return state.tickets.filter((t) => t.status === "OPEN");
  }
}

/** What the command acts on in this state; null when the run has nothing of that kind yet. */
export function resolveSubject(command: Command, state: RunState): Subject | null {
  switch (command.type) {
    case "create":
      return { kind: "new-request" };
    case "cancel": {
      const candidates = command.request.openOnly
        ? state.requests.filter((r) => r.items.some((i) => isItemOpen(i.status)))
        : state.requests;
      const request = at(candidates, command.request);
      return request ? { kind: "request", request } : null;
    }
    case "revoke": {
      const grant = at(
        command.grant.openOnly ? state.grants.filter((g) => g.status === "ACTIVE") : state.grants,
        command.grant,
      );
      return grant ? { kind: "grant", grant } : null;
    }
    default: {
      const ticket = at(ticketCandidates(command, state), command.ticket);
      const request = state.requests.find((r) => r.id === ticket?.requestId);
      return ticket && request ? { kind: "ticket", ticket, request } : null;
    }
  }
}

/** A race's contenders as ticket commands on their tickets; null when no request has an actionable ticket. */
export function resolveRace(race: Race, state: RunState): { command: TicketCommand; subject: TicketSubject }[] | null {
  const actionable = (r: RequestView) => state.tickets.filter((t) => t.requestId === r.id && isActionable(t));
  const request = at(
    state.requests.filter((r) => actionable(r).length > 0),
    race.request,
  );
  if (!request) return null;
  const tickets = actionable(request);
  return race.contenders.map((c) => {
    const ticket = tickets[c.ticket % tickets.length];
    if (!ticket) throw new Error("a request without actionable tickets");
    const type = ticket.kind !== "APPROVAL" ? "fulfill" : c.reject ? "reject" : "approve";
    // A comment on every contender, so that fulfillment evidence never decides who wins.
    const command: TicketCommand = {
      type,
      actor: c.actor,
      ticket: { index: 0, openOnly: true },
      comment: "Decided in a race.",
    };
    return { command, subject: { kind: "ticket" as const, ticket, request } };
  });
}

/** The identity that performs the command. */
export function resolveActor(org: Org, command: Command, subject: Subject): string {
  if (command.actor !== "assignee") return org.ids[command.actor];
  if (subject.kind !== "ticket") return org.ids.admin;
  const rightful = PEOPLE.map((p) => org.ids[p]).find(
    (id) => !isParty(id, subject.request) && !org.admins.has(id) && isAssigned(org, id, subject.ticket),
  );
  return rightful ?? org.ids.admin;
}

/**
 * The outcomes the rules allow. With `violated` empty the command must succeed (unless
 * `mayRefuse`); otherwise it must be refused, with every error code in `violated ∪ tolerated`
 * (DESIGN.md does not order the checks, so any broken rule may be the one reported).
 * `replayOf`: the request an idempotency key returns, and nothing may be written.
 */
export interface Judgement {
  violated: Set<ErrorCode>;
  tolerated: Set<ErrorCode>;
  mayRefuse: boolean;
  replayOf: string | null;
  /** Whether the actor acts as an admin outside their assignment (the audit event marks it). */
  override: boolean;
}

const blank = (text: string | null) => text === null || text.trim() === "";

export function judge(
  org: Org,
  resources: readonly RunResource[],
  state: RunState,
  command: Command,
  subject: Subject,
  actorId: string,
  keyPrefix: string,
): Judgement {
  const j: Judgement = { violated: new Set(), tolerated: new Set(), mayRefuse: false, replayOf: null, override: false };
  const admin = org.admins.has(actorId);
  switch (command.type) {
    case "create": {
      const malformed = blank(command.justification) || new Set(command.resources).size !== command.resources.length;
      const earlier = command.key === null ? undefined : state.keys.get(`${actorId}:${keyPrefix}${command.key}`);
      if (earlier !== undefined) {
        // "the same idempotencyKey from the same viewer returns the first request"
        j.replayOf = earlier;
        if (malformed) {
          j.mayRefuse = true;
          j.tolerated.add("VALIDATION");
        }
        return j;
      }
      if (malformed) j.violated.add("VALIDATION");
      const targetId = command.target === null ? actorId : org.ids[command.target];
      if (targetId !== actorId && !admin) j.violated.add("FORBIDDEN");
      for (const index of new Set(command.resources)) {
        const resource = resources[index];
        if (!resource) throw new Error(`no resource ${index} in the run`);
        if (!resource.config.requestable) j.violated.add("NOT_REQUESTABLE");
        if (
          state.grants.some((g) => g.status === "ACTIVE" && g.identityId === targetId && g.resourceId === resource.id)
        ) {
          j.violated.add("ALREADY_GRANTED");
        }
        const open = state.requests.some(
          (r) => r.targetId === targetId && r.items.some((i) => i.resourceId === resource.id && isItemOpen(i.status)),
        );
        if (open) j.violated.add("ALREADY_REQUESTED");
      }
      break;
    }
    case "approve":
    case "reject":
    case "fulfill": {
      if (subject.kind !== "ticket") throw new Error("a ticket command needs a ticket");
      const { ticket, request } = subject;
      const party = isParty(actorId, request);
      const assigned = isAssigned(org, actorId, ticket);
      if (party) j.violated.add("SELF_APPROVAL");
      if (!party && !assigned && !admin) {
        j.violated.add("FORBIDDEN");
        j.tolerated.add("NOT_FOUND");
      }
      j.override = admin && !party && !assigned;
      if (command.type === "fulfill") {
        if (ticket.kind === "APPROVAL" || !isActionable(ticket)) j.violated.add("INVALID_STATE");
        // "a revocation is closed with evidence"; fulfillment needs it where the resource says so.
        const resource = resources.find((r) => r.id === ticket.resourceId);
        const evidence = ticket.kind === "REVOCATION" || resource?.config.requiresEvidence;
        if (evidence && blank(command.comment)) j.violated.add("VALIDATION");
      } else if (ticket.kind !== "APPROVAL" || ticket.status !== "OPEN") {
        j.violated.add("INVALID_STATE");
      } else if (command.type === "reject" && blank(command.comment)) {
        j.violated.add("VALIDATION");
      }
      break;
    }
    case "cancel": {
      if (subject.kind !== "request") throw new Error("cancel needs a request");
      if (!admin && !isParty(actorId, subject.request)) {
        j.violated.add("FORBIDDEN");
        j.tolerated.add("NOT_FOUND");
      }
      if (!subject.request.items.some((i) => isItemOpen(i.status))) j.violated.add("INVALID_STATE");
      break;
    }
    case "comment": {
      if (subject.kind !== "ticket") throw new Error("comment needs a ticket");
      if (blank(command.body)) j.violated.add("VALIDATION");
      // "anyone who may see a ticket may comment on it": an admin, the request's parties and
      // those involved in the ticket surely see it; those involved only in a sibling ticket of the
      // same request may or may not (DESIGN.md leaves it open); anyone else does not.
      const sees = admin || isParty(actorId, subject.request) || isInvolved(org, actorId, subject.ticket);
      const sibling = state.tickets.some((t) => t.requestId === subject.request.id && isInvolved(org, actorId, t));
      if (!sees && sibling) {
        j.mayRefuse = true;
        j.tolerated.add("NOT_FOUND").add("FORBIDDEN");
      } else if (!sees) {
        j.violated.add("NOT_FOUND");
        j.tolerated.add("FORBIDDEN");
      }
      break;
    }
    case "revoke": {
      if (subject.kind !== "grant") throw new Error("revoke needs a grant");
      // Admins, or the holder giving up her own; anyone else does not see the grant at all.
      if (!admin && subject.grant.identityId !== actorId) j.violated.add("NOT_FOUND");
      if (subject.grant.status !== "ACTIVE") j.violated.add("INVALID_STATE");
      break;
    }
  }
  return j;
}
