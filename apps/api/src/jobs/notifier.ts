// The notifier: runs the notification projector (domain/notifications/project.ts) batch after
// batch until it has caught up with the audit trail. Woken after local commits that wrote audit
// events, on the commit signal (other instances' commits), and by a slow interval as a safety
// net. Each batch is one transaction; a batch another instance projected first (CursorMoved) is
// rolled back and the next read starts from where that instance left the cursor.
import type { Logger } from "pino";
import type { Database } from "../db/database.ts";
import { CursorMoved, projectNotifications, type Projection } from "../domain/notifications/project.ts";
import { CoalescedTask } from "../live/coalesced-task.ts";

const INTERVAL_MS = 10_000;

export interface NotifierOptions {
  email: boolean;
  publicUrl: URL | undefined;
  /** Called after a batch wrote notifications (the mailer and the live notification watchers look). */
  onProjected(projection: Projection): void;
}

export class Notifier {
  private readonly task: CoalescedTask;
  private timer: NodeJS.Timeout | null = null;
  private stopped = true;

  constructor(
    private readonly db: Database,
    private readonly options: NotifierOptions,
    private readonly log: Logger,
  ) {
    this.task = new CoalescedTask(
      () => this.drain(),
      (err) => log.error({ err }, "notification projector failed"),
    );
  }

  /** Creates the cursor (at the audit head on a fresh database) and starts listening. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.drain();
    this.timer = setInterval(() => this.wake(), INTERVAL_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.task.settle();
  }

  /** Something committed: project what is new (coalesced). */
  wake(): void {
    if (!this.stopped) this.task.trigger();
  }

  /** Resolves once nothing is being projected (tests). */
  settle(): Promise<void> {
    return this.task.settle();
  }

  private async drain(): Promise<void> {
    while (!this.stopped) {
      let projection: Projection;
      try {
        projection = await this.db.transact((work) =>
          projectNotifications(work, {
            email: this.options.email,
            publicUrl: this.options.publicUrl,
            // Real time, not a test's moved clock: the mailer compares runAt with real time.
            now: new Date(),
          }),
        );
      } catch (error) {
        if (error instanceof CursorMoved) continue;
        throw error;
      }
      if (projection.notifications > 0) {
        this.log.debug(projection, "notifications projected");
        this.options.onProjected(projection);
      }
      if (!projection.more) return;
    }
  }
}
