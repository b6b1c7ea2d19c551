// Finds GraphQL operations written out again outside the contract: every string and template
// literal of a TypeScript, JavaScript or Svelte source that parses as a GraphQL document with an
// operation, compared with the contract's operations once both are normalised (operation names
// dropped, variables renamed by position, fragments inlined, selections merged and sorted).
import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  Kind,
  type OperationDefinitionNode,
  parse,
  print,
  type SelectionNode,
  type SelectionSetNode,
  visit,
} from "graphql";
import ts from "typescript";

/** The text of every string and template literal in a source file (Svelte: its scripts). */
export function literalsIn(path: string, source: string): string[] {
  const scripts = path.endsWith(".svelte")
    ? [...source.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1] ?? "")
    : [source];
  const texts: string[] = [];
  for (const script of scripts) {
    const kind = path.endsWith(".js") ? ts.ScriptKind.JS : ts.ScriptKind.TS;
    const file = ts.createSourceFile(path, script, ts.ScriptTarget.Latest, false, kind);
    const walk = (node: ts.Node): void => {
      if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) texts.push(node.text);
      // A template with substitutions is read without them: a copy may end with `${FRAGMENT}`.
      else if (ts.isTemplateExpression(node))
        texts.push(node.head.text + node.templateSpans.map((span) => span.literal.text).join(""));
      ts.forEachChild(node, walk);
    };
    walk(file);
  }
  return texts;
}

/**
 * How many fragment spreads inlining follows per document, and how deeply fragments nest: beyond
 * either, the document is a bomb (the fuzz suite's inputs), no copy of anything.
 */
const MAX_SPREADS = 10_000;
const MAX_NESTING = 64;
/** A document that cannot be the copy of a valid operation: a fragment bomb or a fragment cycle. */
class NoOperation extends Error {}

/** The operations of a GraphQL text, normalised; none when it is no GraphQL document. */
export function normalisedOperations(text: string): string[] {
  if (!/\b(query|mutation|subscription)\b|^\s*\{/.test(text)) return [];
  let document: DocumentNode;
  try {
    document = parse(text, { noLocation: true });
  } catch {
    return [];
  }
  const fragments = new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  );
  try {
    return document.definitions
      .filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)
      .map((operation) => normalise(operation, { fragments, spreads: 0 }));
  } catch (error) {
    if (error instanceof NoOperation) return [];
    throw error;
  }
}

/** What inlining reads from: the document's fragments, and how many spreads it inlined so far. */
interface Inlining {
  fragments: Map<string, FragmentDefinitionNode>;
  spreads: number;
}

function normalise(operation: OperationDefinitionNode, inlining: Inlining): string {
  const names = new Map((operation.variableDefinitions ?? []).map((d, i) => [d.variable.name.value, `v${i}`]));
  const renamed = visit(operation, {
    Variable: (node) => ({ ...node, name: { ...node.name, value: names.get(node.name.value) ?? node.name.value } }),
  });
  return print({
    ...renamed,
    name: undefined,
    selectionSet: flatten(renamed.selectionSet, inlining, new Set()),
  });
}

/** A selection set with fragment spreads inlined, fields of one response key merged, all sorted. */
function flatten(set: SelectionSetNode, inlining: Inlining, within: Set<string>): SelectionSetNode {
  const fields = new Map<string, FieldNode>();
  const others: SelectionNode[] = [];
  const add = (selection: SelectionNode): void => {
    if (selection.kind === Kind.FRAGMENT_SPREAD) {
      const fragment = inlining.fragments.get(selection.name.value);
      // An unknown spread stays as it is (it matches nothing of the contract's).
      if (!fragment) return void others.push(selection);
      inlining.spreads += 1;
      if (within.has(fragment.name.value) || inlining.spreads > MAX_SPREADS || within.size >= MAX_NESTING)
        throw new NoOperation();
      const inner = flatten(fragment.selectionSet, inlining, new Set([...within, fragment.name.value]));
      return inner.selections.forEach(add);
    }
    if (selection.kind === Kind.INLINE_FRAGMENT)
      return void others.push({ ...selection, selectionSet: flatten(selection.selectionSet, inlining, within) });
    const key = print({ ...selection, selectionSet: undefined });
    const same = fields.get(key);
    const selections = [...(same?.selectionSet?.selections ?? []), ...(selection.selectionSet?.selections ?? [])];
    fields.set(
      key,
      selections.length > 0
        ? { ...selection, selectionSet: flatten({ kind: Kind.SELECTION_SET, selections }, inlining, within) }
        : selection,
    );
  };
  set.selections.forEach(add);
  const sorted = [...fields.values(), ...others].sort((a, b) => print(a).localeCompare(print(b)));
  return { kind: Kind.SELECTION_SET, selections: sorted };
}
