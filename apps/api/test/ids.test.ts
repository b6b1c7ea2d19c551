// Ids the caller sends (DESIGN.md, "Limits and bad input"): an id that does not name a thing of the
// expected type — malformed, of another type, or unknown — is NOT_FOUND on its own field, for every
// id-taking input of every mutation and query; the nullable lookups (node, request, ticket,
// accessReview) answer null instead, and a filter naming an unknown thing matches nothing.
import { CreateEventEndpoint, CreateRequest } from "@access/contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accepted, codesAndFields, dataOf, gid, present, startTestServer, type TestServer } from "./harness.ts";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ env: { ACCESS_SECRET_EVENTS: "ids-test-secret-0123456789abcdef" } });
});
afterAll(() => t.close());

type Input = Record<string, unknown>;

/** One id-taking input field: the mutation, a valid input around it, and where the id goes. */
interface IdInput {
  mutation: string;
  inputType: string;
  type: string;
  /** The id's path inside `input`; a list's entry is its index. */
  path: readonly string[];
  base: () => Input;
}

/** A copy of `input` with `value` at `path`; an index in the path makes a one-entry list there. */
function withValue(input: unknown, path: readonly string[], value: string): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return value;
  if (/^\d+$/.test(head)) {
    const entry: unknown = Array.isArray(input) ? input[Number(head)] : undefined;
    return [withValue(entry ?? {}, rest, value)];
  }
  const object = (input ?? {}) as Input;
  return { ...object, [head]: withValue(object[head], rest, value) };
}

/** A global id of a type other than `type`, shaped like a real one. */
const otherType = (type: string) => gid(type === "Ticket" ? "Request" : "Ticket", "x");

const MALFORMED = "%%% not an id";

let fixture: {
  ticketId: string;
  endpointId: string;
  resourceId: string;
  system: string;
  group: string;
  identity: string;
};

beforeAll(async () => {
  const { createRequest } = await dataOf(
    t.gql(t.org.tokens.alice, CreateRequest, {
      input: { resourceIds: [gid("Resource", t.org.resources.writeAccess)], justification: "ids test" },
    }),
  );
  const request = present(accepted(createRequest, "the request").request, "the request");
  const { createEventEndpoint } = await dataOf(
    t.gql(t.org.tokens.admin, CreateEventEndpoint, {
      input: {
        name: "Ids",
        kind: "CLOUDEVENTS",
        url: "https://events.example.com/in",
        secret: "env:ACCESS_SECRET_EVENTS",
        topics: ["TICKETS"],
      },
    }),
  );
  fixture = {
    ticketId: present(request.tickets[0], "its ticket").id,
    endpointId: present(accepted(createEventEndpoint, "the endpoint").endpoint, "the endpoint").id,
    resourceId: gid("Resource", t.org.resources.writeAccess),
    system: gid("System", t.org.githubSystemId),
    group: gid("Group", t.org.fulfillersGroupId),
    identity: gid("Identity", t.org.ids.bob),
  };
});

const inFuture = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

const ID_INPUTS: IdInput[] = [
  ...["addGroupMember", "removeGroupMember"].flatMap((mutation): IdInput[] => [
    {
      mutation,
      inputType: "GroupMembershipInput",
      type: "Group",
      path: ["groupId"],
      base: () => ({ identityId: fixture.identity }),
    },
    {
      mutation,
      inputType: "GroupMembershipInput",
      type: "Identity",
      path: ["identityId"],
      base: () => ({ groupId: fixture.group }),
    },
  ]),
  ...["approveTicket", "rejectTicket", "retryFulfillment"].map((mutation): IdInput => ({
    mutation,
    inputType: "DecideTicketInput",
    type: "Ticket",
    path: ["ticketId"],
    base: () => ({}),
  })),
  { mutation: "fulfillTicket", inputType: "FulfillTicketInput", type: "Ticket", path: ["ticketId"], base: () => ({}) },
  { mutation: "claimTicket", inputType: "ClaimTicketInput", type: "Ticket", path: ["ticketId"], base: () => ({}) },
  {
    mutation: "commentOnTicket",
    inputType: "CommentOnTicketInput",
    type: "Ticket",
    path: ["ticketId"],
    base: () => ({ body: "hello" }),
  },
  {
    mutation: "reassignTicket",
    inputType: "ReassignTicketInput",
    type: "Ticket",
    path: ["ticketId"],
    base: () => ({ reason: "away", groupId: fixture.group }),
  },
  {
    mutation: "reassignTicket",
    inputType: "ReassignTicketInput",
    type: "Identity",
    path: ["assigneeId"],
    base: () => ({ reason: "away", ticketId: fixture.ticketId }),
  },
  {
    mutation: "reassignTicket",
    inputType: "ReassignTicketInput",
    type: "Group",
    path: ["groupId"],
    base: () => ({ reason: "away", ticketId: fixture.ticketId }),
  },
  {
    mutation: "cancelRequest",
    inputType: "CancelRequestInput",
    type: "Request",
    path: ["requestId"],
    base: () => ({}),
  },
  {
    mutation: "createRequest",
    inputType: "CreateRequestInput",
    type: "Resource",
    path: ["resourceIds", "0"],
    base: () => ({ justification: "ids" }),
  },
  {
    mutation: "createRequest",
    inputType: "CreateRequestInput",
    type: "Identity",
    path: ["targetIdentityId"],
    base: () => ({ justification: "ids", resourceIds: [fixture.resourceId] }),
  },
  {
    mutation: "createRequest",
    inputType: "CreateRequestInput",
    type: "Grant",
    path: ["extendsGrantId"],
    base: () => ({ justification: "ids", resourceIds: [fixture.resourceId], grantExpiresAt: inFuture(3) }),
  },
  {
    mutation: "closeAccessReview",
    inputType: "CloseAccessReviewInput",
    type: "AccessReview",
    path: ["reviewId"],
    base: () => ({}),
  },
  {
    mutation: "decideReviewItem",
    inputType: "DecideReviewItemInput",
    type: "AccessReviewItem",
    path: ["itemId"],
    base: () => ({ decision: "KEEP" }),
  },
  ...(["systemIds", "resourceIds", "reviewerIds"] as const).map((list): IdInput => ({
    mutation: "startAccessReview",
    inputType: "StartAccessReviewInput",
    type: { systemIds: "System", resourceIds: "Resource", reviewerIds: "Identity" }[list],
    path: [list, "0"],
    base: () => ({
      name: "Quarterly",
      deadline: inFuture(7),
      reviewerRule: list === "reviewerIds" ? "NAMED" : "MANAGER",
      ...(list === "systemIds" ? {} : { systemIds: [fixture.system] }),
    }),
  })),
  {
    mutation: "createEventEndpoint",
    inputType: "CreateEventEndpointInput",
    type: "System",
    path: ["systemId"],
    base: () => ({
      name: "Bad system",
      kind: "CLOUDEVENTS",
      url: "https://events.example.com/in",
      secret: "env:ACCESS_SECRET_EVENTS",
      topics: ["TICKETS"],
    }),
  },
  {
    mutation: "updateEventEndpoint",
    inputType: "UpdateEventEndpointInput",
    type: "EventEndpoint",
    path: ["id"],
    base: () => ({}),
  },
  {
    mutation: "updateEventEndpoint",
    inputType: "UpdateEventEndpointInput",
    type: "System",
    path: ["systemId"],
    base: () => ({ id: fixture.endpointId }),
  },
  ...["deleteEventEndpoint", "testEventEndpoint"].map((mutation): IdInput => ({
    mutation,
    inputType: "EventEndpointIdInput",
    type: "EventEndpoint",
    path: ["id"],
    base: () => ({}),
  })),
  {
    mutation: "replayEventEndpoint",
    inputType: "ReplayEventEndpointInput",
    type: "EventEndpoint",
    path: ["id"],
    base: () => ({ fromSequence: 1 }),
  },
  {
    mutation: "createGroup",
    inputType: "CreateGroupInput",
    type: "Identity",
    path: ["memberIds", "0"],
    base: () => ({ name: "Ids group" }),
  },
  ...(["managerId", "groupIds"] as const).map((field): IdInput => ({
    mutation: "createIdentity",
    inputType: "CreateIdentityInput",
    type: field === "managerId" ? "Identity" : "Group",
    path: field === "managerId" ? [field] : [field, "0"],
    base: () => ({ email: `ids-${field}@example.com`, displayName: "Ids Person" }),
  })),
  {
    mutation: "updateIdentity",
    inputType: "UpdateIdentityInput",
    type: "Identity",
    path: ["identityId"],
    base: () => ({}),
  },
  {
    mutation: "updateIdentity",
    inputType: "UpdateIdentityInput",
    type: "Identity",
    path: ["managerId"],
    base: () => ({ identityId: fixture.identity }),
  },
  {
    mutation: "createResource",
    inputType: "CreateResourceInput",
    type: "System",
    path: ["systemId"],
    base: () => ({ name: "Ids resource", sensitivity: "STANDARD" }),
  },
  {
    mutation: "createResource",
    inputType: "CreateResourceInput",
    type: "Identity",
    path: ["approvalSteps", "0", "approverIds", "0"],
    base: () => ({
      name: "Ids resource",
      sensitivity: "STANDARD",
      systemId: fixture.system,
      approvalSteps: [{ kind: "EXPLICIT" }],
    }),
  },
  {
    mutation: "createResource",
    inputType: "CreateResourceInput",
    type: "Group",
    path: ["approvalSteps", "0", "groupId"],
    base: () => ({
      name: "Ids resource",
      sensitivity: "STANDARD",
      systemId: fixture.system,
      approvalSteps: [{ kind: "GROUP" }],
    }),
  },
  {
    mutation: "updateResource",
    inputType: "UpdateResourceInput",
    type: "Resource",
    path: ["resourceId"],
    base: () => ({}),
  },
  {
    mutation: "createSystem",
    inputType: "CreateSystemInput",
    type: "Group",
    path: ["fulfillersGroupId"],
    base: () => ({ name: "Ids system", connector: "MANUAL" }),
  },
  {
    mutation: "issueApiToken",
    inputType: "IssueApiTokenInput",
    type: "Identity",
    path: ["identityId"],
    base: () => ({ name: "Ids token" }),
  },
  {
    mutation: "revokeApiToken",
    inputType: "RevokeApiTokenInput",
    type: "ApiToken",
    path: ["tokenId"],
    base: () => ({}),
  },
  { mutation: "revokeGrant", inputType: "RevokeGrantInput", type: "Grant", path: ["grantId"], base: () => ({}) },
  {
    mutation: "revokeSession",
    inputType: "RevokeSessionInput",
    type: "Session",
    path: ["sessionId"],
    base: () => ({}),
  },
  {
    mutation: "setDelegation",
    inputType: "SetDelegationInput",
    type: "Identity",
    path: ["delegateId"],
    base: () => ({ endsAt: inFuture(2) }),
  },
  {
    mutation: "setDelegation",
    inputType: "SetDelegationInput",
    type: "Identity",
    path: ["delegatorId"],
    base: () => ({ endsAt: inFuture(2), delegateId: fixture.identity }),
  },
  { mutation: "endDelegation", inputType: "EndDelegationInput", type: "Delegation", path: ["id"], base: () => ({}) },
  {
    mutation: "markNotificationsRead",
    inputType: "MarkNotificationsReadInput",
    type: "Notification",
    path: ["ids", "0"],
    base: () => ({}),
  },
  { mutation: "retryEmail", inputType: "RetryEmailInput", type: "EmailMessage", path: ["id"], base: () => ({}) },
  {
    mutation: "updateOrganisationSettings",
    inputType: "UpdateOrganisationSettingsInput",
    type: "Group",
    path: ["fallbackGroupId"],
    base: () => ({}),
  },
];

const kinds = (type: string): [string, string][] => [
  ["malformed", MALFORMED],
  ["of another type", otherType(type)],
  ["unknown", gid(type, "nosuchthing")],
];

describe("ids in mutation inputs", () => {
  it.each(ID_INPUTS.map((c) => [`${c.mutation} input.${c.path.join(".")}`, c] as const))(
    "%s answers NOT_FOUND on its field for malformed, other-typed and unknown ids",
    async (_label, c) => {
      const document = `mutation($input: ${c.inputType}!) { ${c.mutation}(input: $input) { errors { code field } } }`;
      for (const [kind, id] of kinds(c.type)) {
        const answer = await t.gql(t.org.tokens.admin, document, { input: withValue(c.base(), c.path, id) });
        expect(answer.errors, `${kind}: no GraphQL errors`).toBeUndefined();
        const payload = present(answer.data?.[c.mutation], `${kind}: the payload`) as {
          errors: { code: string; field: string[] | null }[];
        };
        expect(codesAndFields(payload.errors), kind).toEqual([{ code: "NOT_FOUND", field: ["input", ...c.path] }]);
      }
    },
  );

  it("answers FORBIDDEN when a non-admin names another person as the request's target", async () => {
    const { createRequest } = await dataOf(
      t.gql(t.org.tokens.alice, CreateRequest, {
        input: { resourceIds: [fixture.resourceId], justification: "for Bob", targetIdentityId: fixture.identity },
      }),
    );
    expect(codesAndFields(createRequest.errors)).toEqual([{ code: "FORBIDDEN", field: ["input", "targetIdentityId"] }]);
    expect(createRequest.request).toBeNull();
  });
});

interface IdArgument {
  label: string;
  query: string;
  type: string;
  /** Where the error points: the argument, or the filter's field. */
  field: readonly string[];
  variables: (id: string) => Input;
}

const filterArgument = (root: string, filterType: string, name: string, type: string): IdArgument => ({
  label: `${root}(filter: { ${name} })`,
  query: `query($filter: ${filterType}) { ${root}(filter: $filter, first: 5) { totalCount } }`,
  type,
  field: ["filter", name],
  variables: (id) => ({ filter: { [name]: id } }),
});

const FILTERS: IdArgument[] = [
  filterArgument("tickets", "TicketFilter", "requestId", "Request"),
  filterArgument("tickets", "TicketFilter", "systemId", "System"),
  filterArgument("requests", "RequestFilter", "identityId", "Identity"),
  filterArgument("requests", "RequestFilter", "systemId", "System"),
  filterArgument("grants", "GrantFilter", "identityId", "Identity"),
  filterArgument("grants", "GrantFilter", "resourceId", "Resource"),
  filterArgument("grants", "GrantFilter", "systemId", "System"),
  filterArgument("auditEvents", "AuditEventFilter", "requestId", "Request"),
  filterArgument("auditEvents", "AuditEventFilter", "actorId", "Identity"),
  {
    label: "resources(systemId:)",
    query: "query($systemId: ID) { resources(systemId: $systemId, first: 5) { totalCount } }",
    type: "System",
    field: ["systemId"],
    variables: (id) => ({ systemId: id }),
  },
];

describe("ids in query arguments", () => {
  it.each(FILTERS.map((f) => [f.label, f] as const))(
    "%s answers NOT_FOUND on its field for malformed and other-typed ids, and matches nothing for unknown ones",
    async (_label, f) => {
      for (const id of [MALFORMED, otherType(f.type)]) {
        const answer = await t.gql(t.org.tokens.admin, f.query, f.variables(id));
        expect(answer.errors?.map((e) => e.extensions)).toEqual([{ code: "NOT_FOUND", field: f.field }]);
      }
      const unknown = await dataOf(t.gql(t.org.tokens.admin, f.query, f.variables(gid(f.type, "nosuchthing"))));
      expect(Object.values(unknown)).toEqual([{ totalCount: 0 }]);
    },
  );

  it.each([
    ["node", "Request"],
    ["request", "Request"],
    ["ticket", "Ticket"],
    ["accessReview", "AccessReview"],
  ])("%s(id:) answers null for malformed, other-typed and unknown ids", async (root, type) => {
    const query = `query($id: ID!) { ${root}(id: $id) { id } }`;
    for (const [, id] of kinds(type)) {
      expect(await dataOf(t.gql(t.org.tokens.admin, query, { id }))).toEqual({ [root]: null });
    }
  });

  it("subscriptions answer NOT_FOUND on requestId for malformed and other-typed ids", async () => {
    for (const id of [MALFORMED, otherType("Request")]) {
      const answer = await t.gql(
        t.org.tokens.admin,
        "subscription($requestId: ID) { ticketStatusChanged(requestId: $requestId) { sequence } }",
        { requestId: id },
      );
      expect(answer.errors?.map((e) => e.extensions)).toEqual([{ code: "NOT_FOUND", field: ["requestId"] }]);
    }
  });
});
