// Admin exports (the audit trail, a review's evidence): fetched with the tab's credentials, then
// saved as a file, since a plain link would not carry a pasted API token.
import { auth } from "./auth.svelte.ts";

/** Downloads `href` as `filename`; the HTTP status when the server refused it, null when saved. */
export async function downloadExport(href: string, filename: string): Promise<number | null> {
  const res = await fetch(href, {
    credentials: "same-origin",
    headers: auth.token ? { authorization: `Bearer ${auth.token}` } : {},
  });
  if (!res.ok) return res.status;
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  a.click();
  URL.revokeObjectURL(url);
  return null;
}
