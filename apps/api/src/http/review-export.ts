// GET /reviews/<review id>/export.csv and .jsonl (admins): a campaign's evidence, one row per
// item — whose access to what, who reviewed it, the decision, who made it (or "deadline"), when
// and why, and the grant's status now. The decisions themselves are in the audit trail
// (REVIEW_ITEM_DECIDED), which auditors verify with audit-verify; this is the readable summary.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Client, Database } from "../db/database.ts";
import { fromGlobalId, toGlobalId } from "../domain/global-id.ts";
import type { Authenticator } from "./auth.ts";
import { admitAdminExport, streamRows } from "./audit-export.ts";
import { errorBody, sendJson } from "./json.ts";

const PAGE = 500;

/** The export's path: the review's global id, URL-encoded (a base64 id may contain "/"). */
export const REVIEW_EXPORT_PATH = /^\/reviews\/([^/]+)\/export\.(csv|jsonl)$/;

export type ReviewExportRow = {
  review: string;
  reviewName: string;
  itemId: string;
  holderEmail: string;
  holderName: string;
  resource: string;
  system: string;
  reviewers: string[];
  assignedToAdmins: boolean;
  decision: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
  comment: string | null;
  grantId: string;
  grantStatus: string;
};

export const REVIEW_EXPORT_COLUMNS: readonly (keyof ReviewExportRow)[] = [
  "review",
  "reviewName",
  "itemId",
  "holderEmail",
  "holderName",
  "resource",
  "system",
  "reviewers",
  "assignedToAdmins",
  "decision",
  "decidedBy",
  "decidedAt",
  "comment",
  "grantId",
  "grantStatus",
];

const itemSelect = {
  id: true,
  assignedToAdmins: true,
  decision: true,
  decidedAt: true,
  comment: true,
  identity: { select: { email: true, displayName: true } },
  resource: { select: { name: true, system: { select: { name: true } } } },
  reviewers: { select: { email: true }, orderBy: { email: "asc" } },
  decidedBy: { select: { email: true } },
  grant: { select: { id: true, status: true } },
} as const;

async function* reviewRows(
  db: Client,
  review: { id: string; number: number; name: string },
): AsyncGenerator<ReviewExportRow> {
  let after: string | null = null;
  for (;;) {
    const page: Awaited<ReturnType<typeof loadPage>> = await loadPage(db, review.id, after);
    for (const item of page) {
      yield {
        review: `REV-${review.number}`,
        reviewName: review.name,
        itemId: toGlobalId("AccessReviewItem", item.id),
        holderEmail: item.identity.email,
        holderName: item.identity.displayName,
        resource: item.resource.name,
        system: item.resource.system.name,
        reviewers: item.reviewers.map((r) => r.email),
        assignedToAdmins: item.assignedToAdmins,
        decision: item.decision,
        // A decision without a decider was the deadline's.
        decidedBy: item.decision === null ? null : (item.decidedBy?.email ?? "deadline"),
        decidedAt: item.decidedAt?.toISOString() ?? null,
        comment: item.comment,
        grantId: toGlobalId("Grant", item.grant.id),
        grantStatus: item.grant.status,
      };
    }
    if (page.length < PAGE) return;
    after = page.at(-1)?.id ?? null;
  }
}

const loadPage = (db: Client, reviewId: string, after: string | null) =>
  db.accessReviewItem.findMany({
    where: { reviewId, ...(after ? { id: { gt: after } } : {}) },
    orderBy: { id: "asc" },
    take: PAGE,
    select: itemSelect,
  });

/** CSV cells: lists as space-separated values (emails have no spaces), booleans as true/false. */
const csvValue = (value: ReviewExportRow[keyof ReviewExportRow]) =>
  Array.isArray(value) ? value.join(" ") : typeof value === "boolean" ? String(value) : value;

/** A path segment with its percent-escapes undone; "" when they are malformed (no review has that id). */
function decodedSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return "";
  }
}

export async function serveReviewExport(
  db: Database,
  authenticator: Authenticator,
  req: IncomingMessage,
  res: ServerResponse,
  encodedId: string,
  format: "jsonl" | "csv",
): Promise<void> {
  const params = await admitAdminExport(authenticator, req, res, "access reviews", () => ({
    decoded: fromGlobalId(decodedSegment(encodedId)),
  }));
  if (!params) return;
  const review =
    params.decoded?.type === "AccessReview"
      ? await db.read.accessReview.findUnique({
          where: { id: params.decoded.id },
          select: { id: true, number: true, name: true },
        })
      : null;
  if (!review) {
    sendJson(res, 404, errorBody("NOT_FOUND", "No access review has this id."));
    return;
  }
  await streamRows(
    res,
    format,
    `review-${review.number}`,
    REVIEW_EXPORT_COLUMNS,
    reviewRows(db.read, review),
    csvValue,
  );
}
