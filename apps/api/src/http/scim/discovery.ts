// SCIM discovery (RFC 7644 §4): ServiceProviderConfig, ResourceTypes and Schemas, describing
// what this service keeps and supports — PATCH yes; bulk, sorting, password change and ETags no;
// filters of the form `attribute eq "value"` only; one authentication scheme, a bearer SCIM token.
import { MAX_PAGE_SIZE, SCHEMA, ScimError } from "./protocol.ts";

interface AttributeDefinition {
  name: string;
  type: "string" | "boolean" | "complex" | "reference" | "dateTime";
  multiValued?: boolean;
  required?: boolean;
  mutability?: "readOnly" | "readWrite" | "immutable" | "writeOnly";
  uniqueness?: "none" | "server" | "global";
  caseExact?: boolean;
  description: string;
  subAttributes?: AttributeDefinition[];
  referenceTypes?: string[];
}

/** Fills in RFC 7643 §7's defaults, so each definition above says only what differs. */
function attribute(definition: AttributeDefinition): Record<string, unknown> {
  return {
    name: definition.name,
    type: definition.type,
    multiValued: definition.multiValued ?? false,
    description: definition.description,
    required: definition.required ?? false,
    caseExact: definition.caseExact ?? false,
    mutability: definition.mutability ?? "readWrite",
    returned: "default",
    uniqueness: definition.uniqueness ?? "none",
    ...(definition.subAttributes ? { subAttributes: definition.subAttributes.map(attribute) } : {}),
    ...(definition.referenceTypes ? { referenceTypes: definition.referenceTypes } : {}),
  };
}

const reference = (name: string, referenceTypes: string[], description: string): AttributeDefinition[] => [
  { name: "value", type: "string", description: `The ${name}'s id.` },
  { name: "$ref", type: "reference", referenceTypes, mutability: "readOnly", description: `The ${name}'s URI.` },
  { name: "display", type: "string", mutability: "readOnly", description },
];

const SCHEMAS: Record<string, { name: string; description: string; attributes: AttributeDefinition[] }> = {
  [SCHEMA.user]: {
    name: "User",
    description: "A person. userName is their email address, the identity's key (sign-in matches it).",
    attributes: [
      {
        name: "userName",
        type: "string",
        required: true,
        uniqueness: "server",
        description: "The person's email address (lower-cased when stored).",
      },
      {
        name: "name",
        type: "complex",
        description: "The person's name; formatted is derived from the given and family names.",
        subAttributes: [
          { name: "formatted", type: "string", mutability: "readOnly", description: "Given and family name." },
          { name: "givenName", type: "string", description: "Given name." },
          { name: "familyName", type: "string", description: "Family name." },
        ],
      },
      { name: "displayName", type: "string", description: "The name people see in the product." },
      {
        name: "active",
        type: "boolean",
        description: "False deactivates the person: their tokens and live sessions end at once.",
      },
      {
        name: "emails",
        type: "complex",
        multiValued: true,
        mutability: "readOnly",
        description: "The person's one address, userName (emails sent are accepted and not kept).",
        subAttributes: [
          { name: "value", type: "string", mutability: "readOnly", description: "The address." },
          { name: "type", type: "string", mutability: "readOnly", description: "Always work." },
          { name: "primary", type: "boolean", mutability: "readOnly", description: "Always true." },
        ],
      },
      {
        name: "groups",
        type: "complex",
        multiValued: true,
        mutability: "readOnly",
        description: "The groups the person is a member of.",
        subAttributes: reference("group", ["Group"], "The group's name."),
      },
    ],
  },
  [SCHEMA.enterpriseUser]: {
    name: "EnterpriseUser",
    description: "The enterprise extension: only the manager is kept (it routes manager approvals).",
    attributes: [
      {
        name: "manager",
        type: "complex",
        description: "The person's manager, by the manager's user id.",
        subAttributes: reference("manager", ["User"], "The manager's display name."),
      },
    ],
  },
  [SCHEMA.group]: {
    name: "Group",
    description: "A group of people: approvers and fulfillers are named by group.",
    attributes: [
      { name: "displayName", type: "string", required: true, uniqueness: "server", description: "The group's name." },
      {
        name: "members",
        type: "complex",
        multiValued: true,
        description: "The group's members (users only).",
        subAttributes: reference("member", ["User"], "The member's display name."),
      },
    ],
  },
};

function schemaResource(id: string, location: (path: string) => string) {
  const schema = SCHEMAS[id];
  if (!schema) throw new ScimError(404, "No such schema.");
  return {
    schemas: [SCHEMA.schema],
    id,
    name: schema.name,
    description: schema.description,
    attributes: schema.attributes.map(attribute),
    meta: { resourceType: "Schema", location: location(`Schemas/${id}`) },
  };
}

const RESOURCE_TYPES = {
  User: {
    endpoint: "/Users",
    description: "People",
    schema: SCHEMA.user,
    schemaExtensions: [{ schema: SCHEMA.enterpriseUser, required: false }],
  },
  Group: { endpoint: "/Groups", description: "Groups of people", schema: SCHEMA.group, schemaExtensions: [] },
} as const;

function resourceTypeResource(name: string, location: (path: string) => string) {
  const type = RESOURCE_TYPES[name as keyof typeof RESOURCE_TYPES];
  if (!type) throw new ScimError(404, "No such resource type.");
  return {
    schemas: [SCHEMA.resourceType],
    id: name,
    name,
    ...type,
    meta: { resourceType: "ResourceType", location: location(`ResourceTypes/${name}`) },
  };
}

const list = (resources: readonly object[]) => ({
  schemas: [SCHEMA.listResponse],
  totalResults: resources.length,
  startIndex: 1,
  itemsPerPage: resources.length,
  Resources: resources,
});

export function serviceProviderConfig(location: (path: string) => string) {
  return {
    schemas: [SCHEMA.serviceProviderConfig],
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: MAX_PAGE_SIZE },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: false },
    authenticationSchemes: [
      {
        type: "oauthbearertoken",
        name: "SCIM token",
        description: "A SCIM token an admin issues with issueScimToken: Authorization: Bearer <token>.",
        primary: true,
      },
    ],
    meta: { resourceType: "ServiceProviderConfig", location: location("ServiceProviderConfig") },
  };
}

/** GET /Schemas[/<id>] and /ResourceTypes[/<name>]. */
export function discovery(kind: "Schemas" | "ResourceTypes", id: string | null, location: (path: string) => string) {
  if (kind === "Schemas") {
    return id === null
      ? list(Object.keys(SCHEMAS).map((s) => schemaResource(s, location)))
      : schemaResource(id, location);
  }
  return id === null
    ? list(Object.keys(RESOURCE_TYPES).map((t) => resourceTypeResource(t, location)))
    : resourceTypeResource(id, location);
}
