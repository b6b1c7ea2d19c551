// Which cached lists a ticket or a request belongs in. Graphcache updates an entity in place
// wherever it is shown (it is normalised by its id); what it cannot know is whether a change moved
// the entity into or out of a filtered list. For every cached `tickets` / `requests` field this
// compares "is it on the cached page?" with "does the field's filter admit it now, on that page?"
// and, where they differ (or the cache cannot tell), invalidates that one field: graphcache then
// fetches it again if a view shows it, and only then.
import type { Cache, FieldInfo } from "@urql/exchange-graphcache";

/** true / false, or undefined when the cache does not hold what the answer depends on. */
type Verdict = boolean | undefined;

/** What every argument of a list filter that the dashboard may send can hold. */
interface ListFilter {
  status?: readonly string[] | null;
  kind?: readonly string[] | null;
  actionableByViewer?: boolean | null;
  assignedToViewer?: boolean | null;
  requestId?: string | null;
  systemId?: string | null;
  identityId?: string | null;
  /** Text the API matches against numbers, people and resources: the cache cannot tell. */
  search?: string | null;
}

/** What a filter is checked against; each fact undefined when the cache does not hold it. */
interface Facts {
  status?: string;
  kind?: string;
  actionable?: boolean;
  requestId?: string;
  /** Systems of the ticket's resource, or of the request's items. */
  systemIds?: readonly string[];
  /** Requester and target of a request. */
  identityIds?: readonly string[];
}

const isKey = (value: unknown): value is string => typeof value === "string";
const keysOf = (value: unknown): string[] | undefined =>
  Array.isArray(value) && value.every(isKey) ? (value as string[]) : undefined;
const textOf = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

/** The id of the entity linked from `key`'s `field` (e.g. a ticket's request). */
function linkedId(cache: Cache, key: string | undefined, field: string): string | undefined {
  const linked = key === undefined ? undefined : cache.resolve(key, field);
  return isKey(linked) ? textOf(cache.resolve(linked, "id")) : undefined;
}

/** Every value of `values`, or undefined when one of them is unknown. */
const allKnown = (values: (string | undefined)[]): string[] | undefined =>
  values.every((value) => value !== undefined) ? (values as string[]) : undefined;

function ticketFacts(cache: Cache, ticket: string): Facts {
  const resource = cache.resolve(ticket, "resource");
  const system = linkedId(cache, isKey(resource) ? resource : undefined, "system");
  const rights = ["viewerCanApprove", "viewerCanReject", "viewerCanFulfill"].map((f) => cache.resolve(ticket, f));
  return {
    status: textOf(cache.resolve(ticket, "status")),
    kind: textOf(cache.resolve(ticket, "kind")),
    actionable: rights.includes(true) ? true : rights.every((right) => right === false) ? false : undefined,
    requestId: linkedId(cache, ticket, "request"),
    systemIds: system === undefined ? undefined : [system],
  };
}

function requestFacts(cache: Cache, request: string): Facts {
  const items = keysOf(cache.resolve(request, "items"));
  const systems = items?.map((item) => {
    const resource = cache.resolve(item, "resource");
    return linkedId(cache, isKey(resource) ? resource : undefined, "system");
  });
  return {
    status: textOf(cache.resolve(request, "status")),
    systemIds: systems && allKnown(systems),
    identityIds: allKnown([linkedId(cache, request, "requester"), linkedId(cache, request, "target")]),
  };
}

/** No condition: admitted. A condition on an unknown fact: unknown. */
function admits<T>(condition: T | null | undefined, fact: unknown, test: (condition: T) => Verdict): Verdict {
  if (condition === null || condition === undefined) return true;
  return fact === undefined ? undefined : test(condition);
}

function filterAdmits(filter: ListFilter, facts: Facts): Verdict {
  const verdicts: Verdict[] = [
    admits(filter.status, facts.status, (statuses) => statuses.includes(String(facts.status))),
    admits(filter.kind, facts.kind, (kinds) => kinds.includes(String(facts.kind))),
    admits(filter.actionableByViewer || null, facts.actionable, () => facts.actionable === true),
    // Waiting on the viewer implies actionable; whether an actionable ticket is assigned to the
    // viewer or only open to an admin's override, the cache cannot tell.
    admits(filter.assignedToViewer || null, facts.actionable, () => (facts.actionable === true ? undefined : false)),
    admits(filter.requestId, facts.requestId, (id) => id === facts.requestId),
    admits(filter.systemId, facts.systemIds, (id) => facts.systemIds?.includes(id) === true),
    admits(filter.identityId, facts.identityIds, (id) => facts.identityIds?.includes(id) === true),
    filter.search ? undefined : true,
  ];
  if (verdicts.includes(false)) return false;
  return verdicts.includes(undefined) ? undefined : true;
}

interface CachedPage {
  /** The entities on the page, in order. */
  keys: string[];
  /** Every entity the filter admits is on the page (nothing beyond it). */
  complete: boolean;
  /** The lowest number on the page (lists are newest first, by number). */
  lowest: number | undefined;
}

function cachedPage(cache: Cache, field: FieldInfo): CachedPage | undefined {
  const connection = cache.resolve("Query", field.fieldName, field.arguments);
  if (!isKey(connection)) return undefined;
  const edges = keysOf(cache.resolve(connection, "edges"));
  const keys = edges && allKnown(edges.map((edge) => textOf(cache.resolve(edge, "node"))));
  if (!keys) return undefined;
  const total = cache.resolve(connection, "totalCount");
  const numbers = keys.map((key) => cache.resolve(key, "number")).filter((n): n is number => typeof n === "number");
  return {
    keys,
    complete: typeof total === "number" && keys.length >= total,
    lowest: numbers.length > 0 ? Math.min(...numbers) : undefined,
  };
}

/**
 * Whether the entity belongs on the cached page: its filter admits it and, when the page is not
 * the whole list, it is newer than the page's oldest entry (the API lists by number, newest first).
 */
function belongsOnPage(admitted: Verdict, page: CachedPage, number: unknown, newestFirst: boolean): Verdict {
  if (admitted !== true || page.complete) return admitted;
  // A later page, or oldest first: where a ticket falls depends on pages the cache may not hold.
  if (!newestFirst) return undefined;
  if (typeof number !== "number") return undefined;
  return page.lowest === undefined || number > page.lowest;
}

function reconcile(cache: Cache, listField: "tickets" | "requests", entity: string, facts: Facts): void {
  const number = cache.resolve(entity, "number");
  for (const field of cache.inspectFields("Query")) {
    if (field.fieldName !== listField) continue;
    const page = cachedPage(cache, field);
    const filter = (field.arguments?.filter ?? {}) as ListFilter;
    const newestFirst = !field.arguments?.after && (field.arguments?.orderBy ?? "CREATED_DESC") === "CREATED_DESC";
    const belongs = page && belongsOnPage(filterAdmits(filter, facts), page, number, newestFirst);
    if (!page || belongs !== page.keys.includes(entity)) cache.invalidate("Query", field.fieldName, field.arguments);
  }
}

/** Keeps every cached ticket list in step with the cached ticket `ticket` (an entity key). */
export const reconcileTicketLists = (cache: Cache, ticket: string): void =>
  reconcile(cache, "tickets", ticket, ticketFacts(cache, ticket));

/** Keeps every cached request list in step with the cached request `request` (an entity key). */
export const reconcileRequestLists = (cache: Cache, request: string): void =>
  reconcile(cache, "requests", request, requestFacts(cache, request));
