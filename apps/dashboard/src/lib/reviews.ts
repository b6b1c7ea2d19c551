// How access reviews read for people: campaign numbers, progress, what the deadline does, the
// reviewer rules explained, and a reviewer's items grouped by campaign (to do, then decided).
import type { ReviewDecision, ReviewerRule } from "@access/contract";

export const reviewLabel = (n: number) => `REV-${n}`;

export interface ReviewProgress {
  total: number;
  kept: number;
  revoked: number;
  undecided: number;
}

/** "12 of 30 decided, 3 revoked". */
export function progressText(progress: ReviewProgress): string {
  const decided = progress.total - progress.undecided;
  return `${decided} of ${progress.total} decided, ${progress.revoked} revoked`;
}

/** What happens at the deadline to the items nobody decided, in a sentence. */
export const onDeadlineText: Record<ReviewDecision, string> = {
  REVOKE: "Undecided access is revoked at the deadline.",
  KEEP: "Undecided access is kept at the deadline.",
};

/** Who reviews under each rule, for the start form. */
export const reviewerRuleHelp: Record<ReviewerRule, string> = {
  MANAGER: "Each person's manager reviews that person's access.",
  RESOURCE_APPROVERS: "The resource's named approvers and the members of its approver groups review its access.",
  NAMED: "The people you name review every item.",
};

/** The fields of an item that grouping and counting read. */
export interface GroupableItem {
  id: string;
  decision: ReviewDecision | null;
  viewerCanDecide: boolean;
  review: { id: string; number: number; name: string; deadline: string };
}

export interface CampaignGroup<Item extends GroupableItem> {
  review: Item["review"];
  /** Items nobody decided yet (some the viewer may not decide: they say why). */
  toDo: Item[];
  decided: Item[];
}

/** Items by campaign, the campaign due first first; each item keeps the API's order. */
export function groupByCampaign<Item extends GroupableItem>(items: readonly Item[]): CampaignGroup<Item>[] {
  const groups = new Map<string, CampaignGroup<Item>>();
  for (const item of items) {
    let group = groups.get(item.review.id);
    if (!group) {
      group = { review: item.review, toDo: [], decided: [] };
      groups.set(item.review.id, group);
    }
    (item.decision === null ? group.toDo : group.decided).push(item);
  }
  return [...groups.values()].sort(
    (a, b) => new Date(a.review.deadline).getTime() - new Date(b.review.deadline).getTime(),
  );
}

/** How many items wait for the viewer's decision (the nav's count). */
export const undecidedCount = (items: readonly GroupableItem[]): number =>
  items.filter((item) => item.decision === null && item.viewerCanDecide).length;

/** A `datetime-local` value (local time) as the ISO instant the API takes; null when empty or invalid. */
export function localToIso(local: string): string | null {
  if (!local) return null;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** The `datetime-local` value `days` from `now`, at 17:00 local time (a default deadline). */
export function defaultDeadline(now: Date, days = 14): string {
  const date = new Date(now.getFullYear(), now.getMonth(), now.getDate() + days, 17, 0);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T17:00`;
}

/** The reviewer's items as the view and the nav's count ask for them (one query, one cache entry). */
export const MY_REVIEW_ITEMS = { first: 100 } as const;
