// Splits a byte or text stream (a file, stdin, an HTTP body) into lines for verifyLines, without
// holding the whole export in memory. It iterates the stream itself, so a read error (a missing
// file, a directory) rejects the caller's loop and is reported as such.

/** @param {string} line */
const withoutCarriageReturn = (line) => (line.endsWith("\r") ? line.slice(0, -1) : line);

/**
 * Yields each line without its "\n" or "\r\n". Bytes are decoded as UTF-8 across chunk
 * boundaries; invalid bytes become U+FFFD, so a corrupted line fails its hash check and is
 * reported with its line number instead of aborting the whole run.
 *
 * @param {AsyncIterable<Uint8Array | string>} chunks
 * @returns {AsyncGenerator<string, void, undefined>}
 */
export async function* readLines(chunks) {
  const decoder = new TextDecoder("utf-8");
  let pending = "";
  for await (const chunk of chunks) {
    pending += typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
    const complete = pending.split("\n");
    pending = complete.pop() ?? "";
    for (const line of complete) yield withoutCarriageReturn(line);
  }
  pending += decoder.decode();
  if (pending !== "") yield withoutCarriageReturn(pending);
}
