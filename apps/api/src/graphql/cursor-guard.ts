// Every `after` / `before` cursor of an operation is checked before it runs, over HTTP and
// WebSocket alike: a cursor is only ever one this API handed out, so anything else (not base64,
// not this schema's shape, the wrong kind of value for the list) is the client's mistake and
// answers VALIDATION, naming the argument. Without this, a well-formed but wrong cursor reached
// the database as a query the ORM refused: an internal error, and a stack in the log.
//
// The cursors are @pothos/plugin-prisma's: base64 of `GPC:` and a tagged value, `S:<id>` for the
// lists that page by id and `N:<sequence>` for audit events. `cursor-guard.test.ts` reads a real
// cursor of every connection in the schema and checks it against these rules, so a list that
// changes what it pages by cannot drift away from them unnoticed.
import {
  type DocumentNode,
  getNamedType,
  GraphQLError,
  GraphQLString,
  type GraphQLSchema,
  TypeInfo,
  valueFromAST,
  visit,
  visitWithTypeInfo,
} from "graphql";
import { refuseBeforeRunning } from "./plugins.ts";

/** Node types whose lists page by a number (the audit sequence); every other list pages by id. */
const NUMERIC_CURSORS: ReadonlySet<string> = new Set(["AuditEvent"]);

/** The cursor tag a connection of `nodeType` hands out. */
export const cursorTagOf = (nodeType: string): "N" | "S" => (NUMERIC_CURSORS.has(nodeType) ? "N" : "S");

const VALUE_BY_TAG = {
  // Ids are cuids (lowercase letters and digits); a little room for other id shapes.
  S: /^[A-Za-z0-9_-]{1,64}$/,
  // Audit sequences: whole numbers a JS number holds exactly.
  N: /^(0|[1-9]\d{0,14})$/,
} as const;

/** Whether `cursor` could have been handed out by a connection of `nodeType`. */
export function isWellFormedCursor(cursor: string, nodeType: string): boolean {
  if (cursor.length > 200 || !/^[A-Za-z0-9+/]+=*$/.test(cursor)) return false;
  const decoded = Buffer.from(cursor, "base64").toString("utf8");
  const tag = cursorTagOf(nodeType);
  return decoded.startsWith(`GPC:${tag}:`) && VALUE_BY_TAG[tag].test(decoded.slice(`GPC:${tag}:`.length));
}

const CURSOR_ARGUMENTS = new Set(["after", "before"]);

/** The first malformed cursor in the document, as the error to answer; null when all are well formed. */
export function malformedCursor(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | null | undefined,
): GraphQLError | null {
  const typeInfo = new TypeInfo(schema);
  let problem: GraphQLError | null = null;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Argument(node) {
        if (problem || !CURSOR_ARGUMENTS.has(node.name.value)) return;
        const field = typeInfo.getFieldDef();
        const connection = field ? getNamedType(field.type).name : "";
        if (!connection.endsWith("Connection")) return;
        const value: unknown = valueFromAST(node.value, GraphQLString, variables ?? {});
        if (value == null) return;
        if (typeof value !== "string" || !isWellFormedCursor(value, connection.slice(0, -"Connection".length))) {
          problem = new GraphQLError(
            `"${node.name.value}" is not a cursor of this list: pass a cursor the list returned (edges.cursor, pageInfo.endCursor or startCursor).`,
            { nodes: [node], extensions: { code: "VALIDATION", field: [node.name.value] } },
          );
        }
      },
    }),
  );
  return problem;
}

/** Documents without a cursor argument, remembered: yoga's parser cache hands out the same object. */
const withoutCursors = new WeakSet<DocumentNode>();

/** The error that refuses the operation before it runs, or null (shared with the WebSocket server). */
export function checkCursors(args: {
  schema: GraphQLSchema;
  document: DocumentNode;
  variableValues?: unknown;
}): GraphQLError | null {
  if (withoutCursors.has(args.document)) return null;
  let hasCursorArgument = false;
  visit(args.document, {
    Argument(node) {
      if (CURSOR_ARGUMENTS.has(node.name.value)) hasCursorArgument = true;
    },
  });
  if (!hasCursorArgument) {
    withoutCursors.add(args.document);
    return null;
  }
  return malformedCursor(args.schema, args.document, args.variableValues as Record<string, unknown> | undefined);
}

export const cursorGuardPlugin = refuseBeforeRunning(checkCursors);
