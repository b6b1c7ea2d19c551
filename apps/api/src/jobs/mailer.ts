// The mailer: sends the email outbox (EmailMessage rows the notification projector wrote) through
// SMTP with nodemailer. Like the job runner it claims a due PENDING message with a lease (a
// conditional update, so each attempt belongs to one instance), sends outside any transaction,
// then records SENT, a retry with exponential backoff, or FAILED after EMAIL_MAX_ATTEMPTS (or at
// once on a permanent 5xx refusal). Every message carries a fixed Message-ID
// (<emailId@host-of-PUBLIC_URL>): an instance killed mid-send leaves its lease to run out, and
// the next attempt sends the same message with the same Message-ID. An SMTP transaction that did
// not end with the server's 250 after DATA delivered nothing; the one window left (the server
// accepted, the instance died before recording SENT) is a duplicate with the same Message-ID
// (docs/design.md).
import { CoalescedTask } from "../live/coalesced-task.ts";
import { randomUUID } from "node:crypto";
import nodemailer, { type Transporter } from "nodemailer";
import type { Logger } from "pino";
import type { SmtpConfig } from "../config.ts";
import type { Database } from "../db/database.ts";
import { backoffMs } from "./runner.ts";

const POLL_MS = 1_000;
/** What is kept of an SMTP error in the outbox (admins read it in emailOutbox). */
const MAX_ERROR_LENGTH = 500;

/** The Message-ID of an outbox row: fixed, so a resend after a crash is recognisable. */
export const messageIdOf = (emailId: string, host: string): string => `<${emailId}@${host}>`;

interface SmtpFailure {
  message: string;
  /** A 5xx refusal: sending again would be refused again. */
  permanent: boolean;
}

function smtpFailure(error: unknown): SmtpFailure {
  const { responseCode, response, message } = error as { responseCode?: number; response?: string; message?: string };
  const text = (response || message || String(error)).replace(/\s+/g, " ").trim();
  return {
    message: text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH)}…` : text,
    permanent: typeof responseCode === "number" && responseCode >= 500 && responseCode < 600,
  };
}

export class Mailer {
  private readonly owner = randomUUID();
  private readonly transport: Transporter;
  private timer: NodeJS.Timeout | null = null;
  /** Sending runs once at a time; a kick while it runs makes it run once more. */
  private readonly task: CoalescedTask;
  private stopped = true;

  constructor(
    private readonly db: Database,
    private readonly smtp: SmtpConfig,
    /** The Message-ID's right-hand side: PUBLIC_URL's host, or access.local. */
    private readonly messageIdHost: string,
    private readonly log: Logger,
  ) {
    this.task = new CoalescedTask(
      () => this.drain(),
      (err) => this.log.error({ err }, "mailer failed"),
    );
    this.transport = nodemailer.createTransport({
      host: smtp.host,
      port: smtp.port,
      secure: smtp.secure,
      auth: smtp.user ? { user: smtp.user, pass: smtp.password ?? "" } : undefined,
      // Short enough to stay well inside the lease: a hung server is an attempt that failed.
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: Math.max(1_000, Math.min(60_000, smtp.leaseMs / 2)),
    });
  }

  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => this.kick(), POLL_MS);
    this.timer.unref();
    this.kick();
  }

  /** Stops claiming; waits for the message in hand (its outcome is recorded). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.task.settle();
    this.transport.close();
  }

  /** Sends what is due now (also called after the projector wrote messages). */
  kick(): void {
    if (!this.stopped) this.task.trigger();
  }

  /** Resolves once nothing is being sent (tests). */
  settle(): Promise<void> {
    return this.task.settle();
  }

  private async drain(): Promise<void> {
    while (!this.stopped) {
      const message = await this.claim();
      if (!message) return;
      await this.send(message);
    }
  }

  /** Claims the next due message (a lost race for one moves on to the next). */
  private async claim() {
    for (;;) {
      const now = new Date();
      const candidate = await this.db.read.emailMessage.findFirst({
        where: { status: "PENDING", runAt: { lte: now }, OR: [{ lockedUntil: null }, { lockedUntil: { lt: now } }] },
        orderBy: [{ runAt: "asc" }, { sequence: "asc" }],
        select: { id: true, attempts: true },
      });
      if (!candidate) return null;
      const claimed = await this.db.transact(async ({ tx }) => {
        const { count } = await tx.emailMessage.updateMany({
          where: { id: candidate.id, status: "PENDING", attempts: candidate.attempts },
          data: {
            lockedBy: this.owner,
            lockedUntil: new Date(Date.now() + this.smtp.leaseMs),
            attempts: { increment: 1 },
          },
        });
        return count === 1;
      });
      if (claimed) return this.db.read.emailMessage.findUniqueOrThrow({ where: { id: candidate.id } });
    }
  }

  private async send(message: Awaited<ReturnType<Mailer["claim"]>> & object): Promise<void> {
    try {
      await this.transport.sendMail({
        from: this.smtp.from,
        to: message.toAddress,
        subject: message.subject,
        text: message.text,
        html: message.html,
        messageId: messageIdOf(message.id, this.messageIdHost),
        headers: { "Auto-Submitted": "auto-generated", "X-Access-Notification": message.kind },
      });
    } catch (error) {
      const failure = smtpFailure(error);
      const final = failure.permanent || message.attempts >= this.smtp.maxAttempts;
      this.log.warn(
        { emailId: message.id, attempt: message.attempts, final, error: failure.message },
        "email not sent",
      );
      await this.db.transact(({ tx }) =>
        tx.emailMessage.updateMany({
          where: { id: message.id, lockedBy: this.owner, status: "PENDING" },
          data: {
            status: final ? "FAILED" : "PENDING",
            runAt: final ? message.runAt : new Date(Date.now() + backoffMs(message.attempts, this.smtp.retryBaseMs)),
            lockedBy: null,
            lockedUntil: null,
            lastError: failure.message,
          },
        }),
      );
      return;
    }
    const { count } = await this.db.transact(({ tx }) =>
      tx.emailMessage.updateMany({
        where: { id: message.id, status: "PENDING" },
        data: { status: "SENT", sentAt: new Date(), lockedBy: null, lockedUntil: null },
      }),
    );
    if (count === 0) this.log.warn({ emailId: message.id }, "email sent, but it was no longer pending");
  }
}
