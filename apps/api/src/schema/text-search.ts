// Case-insensitive substring search on both providers: SQLite's LIKE already ignores ASCII case;
// PostgreSQL needs Prisma's `mode: "insensitive"` (ILIKE), which the SQLite-typed client lacks.
import { GraphQLError } from "graphql";
import type { Context } from "../context.ts";
import { LIMITS } from "../domain/validate.ts";

/** The trimmed search term, or null for none; VALIDATION when it is too long. */
export function searchTerm(search: string | null | undefined, field = "search"): string | null {
  const term = search?.trim() ?? "";
  if (term.length > LIMITS.search) {
    throw new GraphQLError(`${field} must be at most ${LIMITS.search} characters.`, {
      extensions: { code: "VALIDATION", field: [field] },
    });
  }
  return term === "" ? null : term;
}

export function containsText(ctx: Context, term: string): { contains: string } {
  return ctx.db.provider === "postgresql"
    ? ({ contains: term, mode: "insensitive" } as { contains: string })
    : { contains: term };
}
