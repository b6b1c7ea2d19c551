// The sweeper: on every instance, every GRANT_EXPIRY_CHECK_MS, ends what is due — grants whose end
// passed (domain/grants/expiry.ts), access reviews whose deadline passed
// (domain/reviews/close-review.ts), then reminds and escalates tickets past their SLA
// (domain/tickets/sla.ts), and prunes delivery logs and sent emails past LOG_RETENTION_DAYS
// (domain/retention.ts). The domain functions make each change once however many instances
// sweep; the clock is injectable so tests move time instead of waiting.
import type { Logger } from "pino";
import type { Database } from "../db/database.ts";
import { expireDueGrants } from "../domain/grants/expiry.ts";
import { closeDueReviews } from "../domain/reviews/close-review.ts";
import { sweepTicketSlas } from "../domain/tickets/sla.ts";
import { pruneLogs } from "../domain/retention.ts";

export type SweepTask = (db: Database, now: Date) => Promise<number>;

/** What a sweep does, in order; each task reports how many things it ended or removed. */
export function sweepTasks(logRetentionDays: number): ReadonlyArray<{ name: string; run: SweepTask }> {
  return [
    { name: "grants expired", run: expireDueGrants },
    {
      name: "access reviews closed at their deadline",
      run: async (db, now) => (await closeDueReviews(db, now)).length,
    },
    { name: "tickets reminded or escalated past their SLA", run: sweepTicketSlas },
    {
      name: "delivery log entries and sent emails pruned",
      run: (db, now) => pruneLogs(db, now, logRetentionDays),
    },
  ];
}

export class Sweeper {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private readonly tasks: ReturnType<typeof sweepTasks>;
  private readonly intervalMs: number;

  constructor(
    private readonly db: Database,
    settings: { grantExpiryCheckMs: number; logRetentionDays: number },
    private readonly log: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.intervalMs = settings.grantExpiryCheckMs;
    this.tasks = sweepTasks(settings.logRetentionDays);
  }

  start(): void {
    this.timer = setInterval(() => void this.sweep(), this.intervalMs);
    this.timer.unref();
    void this.sweep();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One sweep now (a sweep already under way is awaited instead of doubled). */
  sweep(): Promise<void> {
    this.running ??= this.runTasks().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async runTasks(): Promise<void> {
    const now = this.now();
    for (const task of this.tasks) {
      try {
        const count = await task.run(this.db, now);
        if (count > 0) this.log.info({ count }, task.name);
      } catch (err) {
        this.log.error({ err }, `sweep failed: ${task.name}`);
      }
    }
  }
}
