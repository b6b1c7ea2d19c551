// The words of notifications and their emails: people's names, resource and system names and
// REQ-n/TKT-n labels, never internal ids; links into the dashboard (absolute with PUBLIC_URL,
// otherwise dashboard paths the email tells the reader where to open). No secrets and no
// connector detail ever reach these texts: callers hand in only what the recipient may read.
import type { NotificationKind } from "../../generated/prisma/client.ts";
import { toGlobalId } from "../global-id.ts";

/** A dashboard link: its path, and the URL people open (absolute only with PUBLIC_URL). */
export interface Link {
  label: string;
  path: string;
}

/** What one person is told about one event (the in-app notification and, when sent, its email). */
export interface Message {
  kind: NotificationKind;
  title: string;
  /** The notification's text: plain sentences, one per line. */
  lines: string[];
  links: Link[];
  requestId: string | null;
  ticketId: string | null;
}

/** Where, in the dashboard, a person acts on tickets, reads a request, their access, the admin list. */
export const dashboardPaths = {
  tickets: "/?section=tickets",
  request: (requestId: string) => `/?request=${encodeURIComponent(toGlobalId("Request", requestId))}`,
  access: "/access",
  adminTickets: "/admin/tickets",
  settings: "/settings",
};

export const requestLabel = (n: number) => `REQ-${n}`;
export const ticketLabel = (n: number) => `TKT-${n}`;

/** A link's address as the email shows it: PUBLIC_URL + path, or the bare path without one. */
export const linkHref = (publicUrl: URL | undefined, path: string): string =>
  publicUrl ? new URL(path, publicUrl).href : path;

/** A list of names in prose: "A", "A and B", "A, B and C". */
export function names(list: readonly string[]): string {
  if (list.length <= 1) return list[0] ?? "";
  return `${list.slice(0, -1).join(", ")} and ${list.at(-1) ?? ""}`;
}

/** A date and time people read in an email (UTC, to the minute). */
export const whenText = (at: Date): string => `${at.toISOString().slice(0, 16).replace("T", " ")} UTC`;

/** The lines of a quoted text (justification, comment), trimmed to something an email can carry. */
export const quoted = (text: string, max = 1_000): string => `"${text.length > max ? `${text.slice(0, max)}…` : text}"`;

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

export interface Email {
  subject: string;
  text: string;
  html: string;
}

const FOOTER =
  "You receive this because of your part in an access request. You can turn off emails of this kind " +
  "in the dashboard's settings, unless your organisation made them mandatory.";

/** The email of a message to `displayName`: a text part and an HTML part with the same words. */
export function emailOf(message: Message, displayName: string, publicUrl: URL | undefined): Email {
  const greeting = `Hello ${displayName},`;
  const linkLines = message.links.map((link) => `${link.label}: ${linkHref(publicUrl, link.path)}`);
  const whereLinks = publicUrl
    ? []
    : ["(These are addresses in the access-request dashboard: open the dashboard and add them to its address.)"];
  const text = [greeting, "", ...message.lines, "", ...linkLines, ...whereLinks, "", "-- ", FOOTER, ""].join("\n");
  const paragraphs = message.lines.map((line) => `<p>${escapeHtml(line)}</p>`);
  const links = message.links.map((link) => {
    const href = linkHref(publicUrl, link.path);
    return publicUrl
      ? `<p><a href="${escapeHtml(href)}">${escapeHtml(link.label)}</a></p>`
      : `<p>${escapeHtml(link.label)}: <code>${escapeHtml(href)}</code></p>`;
  });
  const html = [
    "<!doctype html>",
    '<html><body style="font-family: sans-serif; line-height: 1.4">',
    `<p>${escapeHtml(greeting)}</p>`,
    ...paragraphs,
    ...links,
    ...whereLinks.map((line) => `<p>${escapeHtml(line)}</p>`),
    `<hr><p style="color: #666; font-size: 0.9em">${escapeHtml(FOOTER)}</p>`,
    "</body></html>",
    "",
  ].join("\n");
  return { subject: message.title, text, html };
}
