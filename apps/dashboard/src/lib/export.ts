// Admin exports (the audit trail, who has what): fetched with the session's token or cookie and
// handed to the browser as a file download.
import { auth } from "./auth.svelte.ts";

/**
 * Downloads `path` with `params` as `filename`. Returns null when it worked, or a sentence for
 * people (`forbidden`: what to say on 403).
 */
export async function downloadExport(
  path: string,
  params: URLSearchParams,
  filename: string,
  forbidden: string,
): Promise<string | null> {
  const query = params.toString();
  const res = await fetch(query ? `${path}?${query}` : path, {
    credentials: "same-origin",
    headers: auth.token ? { authorization: `Bearer ${auth.token}` } : {},
  }).catch(() => null);
  if (!res) return "Not exported: the server cannot be reached. Try again when you are back online.";
  if (!res.ok) return res.status === 403 ? forbidden : "The export failed. Try again.";
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  a.click();
  URL.revokeObjectURL(url);
  return null;
}
