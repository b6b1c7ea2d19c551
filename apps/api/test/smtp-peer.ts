// A real SMTP server for tests (smtp-server, in-process, AUTH required, no TLS): it records every
// message it accepted with 250 after DATA, parsed enough to check To, Subject, Message-ID and the
// text and HTML parts. A test decides how each transaction is answered (accept, a 4xx or 5xx
// refusal, or hold it unanswered until released) to drive retries and crashes.
import type { AddressInfo } from "node:net";
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from "smtp-server";

export interface ReceivedMessage {
  raw: string;
  /** Lower-cased header names, unfolded values (encoded words decoded). */
  headers: Map<string, string>;
  to: string;
  subject: string;
  messageId: string;
  text: string;
  html: string;
}

/** How to answer one transaction after DATA: accept, refuse with a code, or hold it (crash tests). */
export type Answer = { accept: true } | { refuse: number; message: string } | { hold: true };

export interface SmtpPeer {
  url: string;
  user: string;
  password: string;
  /** Messages answered 250, in order. */
  received: ReceivedMessage[];
  /** Transactions that reached DATA (answered or not). */
  attempts: number;
  /** Decides each transaction's answer (accept by default). */
  answer: (message: ReceivedMessage, attempt: number) => Answer;
  /** Resolves when a transaction is being held unanswered. */
  held(): Promise<ReceivedMessage>;
  /** Answers the held transactions with a 451 (their client may be gone by then). */
  release(): void;
  close(): Promise<void>;
}

function decodeQuotedPrintable(text: string): string {
  const bytes = text.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => `%${hex}`);
  try {
    return decodeURIComponent(bytes.replace(/%(?![0-9A-F]{2})/gi, "%25"));
  } catch {
    return bytes;
  }
}

function decodeWords(value: string): string {
  return value.replace(/=\?([^?]+)\?([QB])\?([^?]*)\?=/gi, (_m, _charset: string, encoding: string, body: string) =>
    encoding.toUpperCase() === "B"
      ? Buffer.from(body, "base64").toString("utf8")
      : decodeQuotedPrintable(body.replace(/_/g, " ")),
  );
}

function splitHead(raw: string): { headers: Map<string, string>; body: string } {
  const end = raw.indexOf("\r\n\r\n");
  const head = end === -1 ? raw : raw.slice(0, end);
  const body = end === -1 ? "" : raw.slice(end + 4);
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r\n[ \t]+/g, " ").split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), decodeWords(line.slice(colon + 1).trim()));
  }
  return { headers, body };
}

function decodeBody(headers: Map<string, string>, body: string): string {
  const encoding = (headers.get("content-transfer-encoding") ?? "").toLowerCase();
  if (encoding === "base64") return Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
  if (encoding === "quoted-printable") return decodeQuotedPrintable(body);
  return body;
}

/** The text/plain and text/html parts of a message (nested multiparts included). */
function parts(headers: Map<string, string>, body: string): { text: string; html: string } {
  const type = headers.get("content-type") ?? "text/plain";
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (type.toLowerCase().startsWith("multipart/") && boundary) {
    const found = { text: "", html: "" };
    for (const chunk of body.split(`--${boundary}`).slice(1)) {
      if (chunk.startsWith("--")) break;
      const part = splitHead(chunk.replace(/^\r\n/, ""));
      const inner = parts(part.headers, part.body.replace(/\r\n$/, ""));
      found.text ||= inner.text;
      found.html ||= inner.html;
    }
    return found;
  }
  const decoded = decodeBody(headers, body);
  return type.toLowerCase().startsWith("text/html") ? { text: "", html: decoded } : { text: decoded, html: "" };
}

export function parseMessage(raw: string): ReceivedMessage {
  const { headers, body } = splitHead(raw);
  return {
    raw,
    headers,
    to: headers.get("to") ?? "",
    subject: headers.get("subject") ?? "",
    messageId: headers.get("message-id") ?? "",
    ...parts(headers, body),
  };
}

export async function startSmtpPeer(): Promise<SmtpPeer> {
  const user = "mailer";
  const password = "s3cret-for-tests";
  const heldCallbacks: ((error?: Error | null) => void)[] = [];
  const heldWaiters: ((message: ReceivedMessage) => void)[] = [];
  let server: SMTPServer | null = null;
  const peer: SmtpPeer = {
    url: "",
    user,
    password,
    received: [],
    attempts: 0,
    answer: () => ({ accept: true }),
    held: () => new Promise((resolve) => heldWaiters.push(resolve)),
    release() {
      for (const callback of heldCallbacks.splice(0)) {
        const error = Object.assign(new Error("try again later"), { responseCode: 451 });
        callback(error);
      }
    },
    close() {
      peer.release();
      return new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    },
  };
  const smtp = new SMTPServer({
    authOptional: false,
    disabledCommands: ["STARTTLS"],
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === user && auth.password === password) callback(null, { user });
      else callback(new Error("bad credentials"));
    },
    onData(stream: SMTPServerDataStream, _session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        peer.attempts += 1;
        const message = parseMessage(Buffer.concat(chunks).toString("utf8"));
        const answer = peer.answer(message, peer.attempts);
        if ("accept" in answer) {
          peer.received.push(message);
          callback(null);
        } else if ("refuse" in answer) {
          callback(Object.assign(new Error(answer.message), { responseCode: answer.refuse }));
        } else {
          heldCallbacks.push(callback);
          for (const waiter of heldWaiters.splice(0)) waiter(message);
        }
      });
    },
  });
  server = smtp;
  await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));
  const { port } = smtp.server.address() as AddressInfo;
  peer.url = `smtp://${user}:${password}@127.0.0.1:${port}`;
  return peer;
}
