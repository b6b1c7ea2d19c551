// Percentiles of durations, computed in TypeScript so that SQLite and PostgreSQL give the same
// answer (SQLite has no percentile function). Linear interpolation between the closest ranks: the
// same definition as PostgreSQL's percentile_cont, so an operator can check a number in SQL.

/** The `p`-th quantile (0 ≤ p ≤ 1) of ascending `sorted`; null for no values. */
export function quantile(sorted: readonly number[], p: number): number | null {
  const last = sorted.length - 1;
  if (last < 0) return null;
  const rank = last * p;
  const below = Math.floor(rank);
  const low = sorted[below] ?? 0;
  const high = sorted[Math.min(below + 1, last)] ?? low;
  return low + (high - low) * (rank - below);
}

export interface DurationSummary {
  count: number;
  medianSeconds: number | null;
  p90Seconds: number | null;
}

/** How many durations (in seconds), their median and their 90th percentile. */
export function summarise(seconds: readonly number[]): DurationSummary {
  const sorted = [...seconds].sort((a, b) => a - b);
  return { count: sorted.length, medianSeconds: quantile(sorted, 0.5), p90Seconds: quantile(sorted, 0.9) };
}
