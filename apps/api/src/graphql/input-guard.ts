// What every operation must be before GraphQL looks at it, over HTTP and WebSocket alike:
// well-formed text (no lone UTF-16 surrogates, no NUL characters — neither can be stored, and
// the database drivers fail on them), inputs nested at most MAX_INPUT_DEPTH deep, and at most
// MAX_DIRECTIVES directives in the whole document (graphql-armor's directive count misses the
// directives of repeated fragment spreads).
import { GraphQLError, type ValidationContext, type ASTVisitor } from "graphql";
import type { Plugin } from "graphql-yoga";

export const MAX_INPUT_DEPTH = 32;
export const MAX_DIRECTIVES = 50;

const invalid = (message: string) =>
  new GraphQLError(message, { extensions: { code: "VALIDATION", http: { status: 400 } } });

// NUL is the very character this refuses.
// eslint-disable-next-line no-control-regex
const LONE_SURROGATE_OR_NUL = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|\u0000/;

const isCleanText = (text: string): boolean => !LONE_SURROGATE_OR_NUL.test(text);

/** Throws a VALIDATION error when any string in `value` is not clean text or it nests too deep. */
export function checkInput(value: unknown, what: string): void {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop() as { value: unknown; depth: number };
    if (typeof current === "string") {
      if (!isCleanText(current)) throw invalid(`${what} contains a lone surrogate or a NUL character.`);
    } else if (current !== null && typeof current === "object") {
      if (depth >= MAX_INPUT_DEPTH) throw invalid(`${what} is nested more than ${MAX_INPUT_DEPTH} levels deep.`);
      for (const [key, inner] of Object.entries(current)) {
        if (!isCleanText(key)) throw invalid(`${what} contains a lone surrogate or a NUL character.`);
        stack.push({ value: inner, depth: depth + 1 });
      }
    }
  }
}

/** The operation as a client sends it, over HTTP or in a graphql-ws `subscribe` message. */
export function checkOperation(params: { query?: unknown; variables?: unknown; extensions?: unknown }): void {
  if (typeof params.query === "string") checkInput(params.query, "The query");
  checkInput(params.variables ?? null, "The variables");
  checkInput(params.extensions ?? null, "The extensions");
}

/** A validation rule: the whole document has at most MAX_DIRECTIVES directives. */
export function directiveCountRule(context: ValidationContext): ASTVisitor {
  let count = 0;
  return {
    Directive(node) {
      count += 1;
      if (count === MAX_DIRECTIVES + 1) {
        context.reportError(new GraphQLError(`At most ${MAX_DIRECTIVES} directives per document.`, { nodes: [node] }));
      }
    },
  };
}

export const inputGuardPlugin: Plugin = {
  onParams({ params }) {
    checkOperation(params);
  },
  onValidate({ addValidationRule }) {
    addValidationRule(directiveCountRule);
  },
};
