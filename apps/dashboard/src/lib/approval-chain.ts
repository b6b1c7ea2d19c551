// A resource's approval chain in people's words, from `requestPreview`: "your manager Bob Manager,
// then Carol Security", and the steps that would fall back (no manager on record, say), which the
// request form warns about before anything is sent.

export interface PreviewStep {
  order: number;
  kind: "MANAGER" | "EXPLICIT" | "GROUP";
  approvers: readonly { displayName: string }[];
  group: { name: string } | null;
  toAdmins: boolean;
  routingNote: string | null;
  delegatedFrom: readonly { displayName: string }[];
}

const names = (people: readonly { displayName: string }[]) => people.map((p) => p.displayName).join(" or ");

/**
 * Who decides one step. `whose` is "your" for the viewer's own request, or "Alice Employee's" for
 * someone else's.
 */
export function stepWords(step: PreviewStep, whose: string): string {
  if (step.toAdmins) return "the admins";
  if (step.group) return `anyone in ${step.group.name}`;
  const away = step.delegatedFrom.length > 0 ? ` (standing in for ${names(step.delegatedFrom)}, who is away)` : "";
  if (step.kind === "MANAGER" && step.delegatedFrom.length === 0) return `${whose} manager ${names(step.approvers)}`;
  return `${names(step.approvers)}${away}`;
}

/** The whole chain in one sentence: "Approved by your manager Bob Manager, then Carol Security." */
export function chainWords(steps: readonly PreviewStep[], whose: string): string {
  if (steps.length === 0) return "Approved automatically.";
  return `Approved by ${steps.map((step) => stepWords(step, whose)).join(", then ")}.`;
}

/** The steps that would not reach their own approvers, with why ("Step 1: no manager on record."). */
export function fallbackWarnings(steps: readonly PreviewStep[]): string[] {
  return steps.flatMap((step) =>
    step.routingNote ? [`Step ${step.order} goes to ${stepWords(step, "the")} instead: ${step.routingNote}.`] : [],
  );
}
