// What one operation may cost, computed with the values it will really run with: page sizes
// from literals, from variables and, where a list is not given one, the default page size.
// Checked before the operation runs (HTTP and WebSocket alike), so a document that passes
// validation with `first: $n` cannot then ask for 100 × 100 × … rows through its variables.
// (graphql-armor's cost runs during validation, where variables are unknown: it read only
// literal page sizes, and counted a connection without one once.)
//
// Cost: every selected field once fragments are expanded, objects 2 and scalars 1, multiplied by
// the page size of each connection it sits in (`first` or `last`, else the default). Lists that
// are not paged (a request's items, a ticket's assignees, …) are bounded by the domain's own
// limits and count once.
import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  getNamedType,
  type GraphQLCompositeType,
  GraphQLError,
  GraphQLInt,
  type GraphQLSchema,
  isCompositeType,
  isInterfaceType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  valueFromAST,
} from "graphql";
import { refuseBeforeRunning } from "./plugins.ts";
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "../schema/builder.ts";

export const MAX_COST = 100_000;
const OBJECT_COST = 2;
const SCALAR_COST = 1;

type Variables = Record<string, unknown>;

interface Walk {
  schema: GraphQLSchema;
  fragments: Map<string, FragmentDefinitionNode>;
  variables: Variables;
}

/** The page size a connection field will run with: `first`, else `last`, else the default. */
function pageSize(field: FieldNode, variables: Variables): number {
  for (const name of ["first", "last"]) {
    const argument = field.arguments?.find((a) => a.name.value === name);
    if (!argument) continue;
    const value: unknown = valueFromAST(argument.value, GraphQLInt, variables);
    // An out-of-range size is refused when the field runs, with its own error (page-size.ts):
    // priced at the largest allowed, it does not hide that error behind this one.
    if (typeof value === "number" && value > 0) return Math.min(value, MAX_PAGE_SIZE);
  }
  return DEFAULT_PAGE_SIZE;
}

const isConnection = (type: GraphQLCompositeType): boolean => type.name.endsWith("Connection");

function selectionCost(walk: Walk, set: SelectionSetNode, parent: GraphQLCompositeType, depth: number): number {
  // Validation already bounds depth (15) and refuses fragment cycles; this is a second guard.
  if (depth > 64) return Number.POSITIVE_INFINITY;
  let cost = 0;
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      cost += fieldCost(walk, selection, parent, depth);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const on = selection.typeCondition ? walk.schema.getType(selection.typeCondition.name.value) : parent;
      if (on && isCompositeType(on)) cost += selectionCost(walk, selection.selectionSet, on, depth + 1);
    } else {
      const fragment = walk.fragments.get(selection.name.value);
      const on = fragment ? walk.schema.getType(fragment.typeCondition.name.value) : null;
      if (fragment && on && isCompositeType(on)) cost += selectionCost(walk, fragment.selectionSet, on, depth + 1);
    }
  }
  return cost;
}

function fieldCost(walk: Walk, field: FieldNode, parent: GraphQLCompositeType, depth: number): number {
  if (!field.selectionSet) return SCALAR_COST;
  const definition = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[field.name.value] : undefined;
  const type = definition ? getNamedType(definition.type) : undefined;
  if (!type || !isCompositeType(type)) return OBJECT_COST;
  const inner = OBJECT_COST + selectionCost(walk, field.selectionSet, type, depth + 1);
  return isConnection(type) ? inner * pageSize(field, walk.variables) : inner;
}

/** The cost of the operation that will run (the named one, or the only one). */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Variables | null | undefined,
): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  const operations: OperationDefinitionNode[] = [];
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    if (definition.kind === Kind.OPERATION_DEFINITION) operations.push(definition);
  }
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations[0];
  const root = operation ? schema.getRootType(operation.operation) : undefined;
  if (!operation || !root) return 0;
  return selectionCost({ schema, fragments, variables: variables ?? {} }, operation.selectionSet, root, 0);
}

/** Costs of documents without variables, by operation: yoga's parser cache hands out the same object. */
const fixedCosts = new WeakMap<DocumentNode, Map<string, number>>();

function costOf(args: {
  schema: GraphQLSchema;
  document: DocumentNode;
  operationName?: string | null;
  variableValues?: unknown;
}): number {
  const usesVariables = args.document.definitions.some(
    (d) => d.kind === Kind.OPERATION_DEFINITION && (d.variableDefinitions?.length ?? 0) > 0,
  );
  const compute = () => operationCost(args.schema, args.document, args.operationName, args.variableValues as Variables);
  if (usesVariables) return compute();
  let byOperation = fixedCosts.get(args.document);
  if (!byOperation) fixedCosts.set(args.document, (byOperation = new Map()));
  const key = args.operationName ?? "";
  let cost = byOperation.get(key);
  if (cost === undefined) byOperation.set(key, (cost = compute()));
  return cost;
}

/** The error that refuses the operation before it runs, or null (shared with the WebSocket server). */
export function checkCost(args: {
  schema: GraphQLSchema;
  document: DocumentNode;
  operationName?: string | null;
  variableValues?: unknown;
}): GraphQLError | null {
  const cost = costOf(args);
  if (cost <= MAX_COST) return null;
  return new GraphQLError(
    `The operation costs ${Number.isFinite(cost) ? cost : "too much"}, above the limit of ${MAX_COST}: ask for smaller pages (first / last) or fewer nested lists.`,
    { extensions: { code: "GRAPHQL_VALIDATION_FAILED", http: { status: 400 } } },
  );
}

export const costLimitPlugin = refuseBeforeRunning(checkCost);
