// What the WebSocket server does beyond graphql-ws: protocol errors of a client are the
// client's (graphql-ws would answer them as internal errors), a client that stops reading
// is dropped before the server buffers without end for it, and the keep-alive pings go out from
// one timer for all sockets (graphql-ws's keep-alive is two timers per socket: thousands of
// idle subscribers meant thousands of timers firing).
import { CloseCode } from "graphql-ws";
import type { Logger } from "pino";
import type { WebSocket, WebSocketServer } from "ws";

const SERVER_ONLY_MESSAGES = new Set(["connection_ack", "next", "error"]);

/** The `type` of a graphql-ws message, or "" when it is not a JSON object with one. */
function messageType(text: string): string {
  // Parse only what could be one of the refused types; graphql-ws parses every message anyway.
  if (!/"(connection_ack|next|error)"/.test(text)) return "";
  try {
    const message: unknown = JSON.parse(text);
    return message !== null && typeof message === "object" && typeof (message as { type?: unknown }).type === "string"
      ? (message as { type: string }).type
      : "";
  } catch {
    return "";
  }
}

/**
 * Pings every socket each KEEP_ALIVE_MS, graphql-ws's default, and drops one that has not
 * answered the previous ping by the next (a peer gone without closing); graphql-ws's own
 * keep-alive is off (useServer's keepAlive 0).
 */
export const KEEP_ALIVE_MS = 12_000;

/**
 * Must be called before graphql-ws's `useServer`: its connection listener then runs first and
 * wraps the listeners graphql-ws adds to each socket. Returns a function that stops the sweeps.
 */
export function guardWebSockets(wss: WebSocketServer, log: Logger, maxBufferedBytes: number): () => void {
  const awaitingPong = new WeakSet<WebSocket>();
  wss.on("connection", (socket) => {
    socket.on("pong", () => awaitingPong.delete(socket));
    // A message only a server may send (connection_ack, next, error) is the client's protocol
    // error: BadRequest (4400), where graphql-ws would close with 4500 "internal error".
    const on = socket.on.bind(socket);
    socket.on = ((event: string, listener: (...args: unknown[]) => void) => {
      if (event !== "message") return on(event as "close", listener as never);
      return on("message", (data: unknown, isBinary: boolean) => {
        // A socket being closed (credentials revoked, protocol error) takes no more operations.
        if (socket.readyState !== socket.OPEN) return;
        if (!isBinary && SERVER_ONLY_MESSAGES.has(messageType(String(data)))) {
          socket.close(CloseCode.BadRequest, "Only a server sends this message type");
          return;
        }
        listener(data, isBinary);
      });
    }) as typeof socket.on;
    // A socket error is the client breaking the protocol (an oversized or malformed frame); ws
    // has already closed the socket with the right code (1009, 1002). graphql-ws would print it
    // to stderr as an internal error and try to close again with 4500: log it as what it is.
    const once = socket.once.bind(socket);
    socket.once = ((event: string, listener: (...args: unknown[]) => void) => {
      if (event !== "error") return once(event as "close", listener as never);
      return once("error", (err: Error) =>
        log.info({ code: (err as { code?: string }).code, message: err.message }, "WebSocket client protocol error"),
      );
    }) as typeof socket.once;
  });
  const sweep = setInterval(() => {
    for (const socket of wss.clients) {
      if (socket.bufferedAmount > maxBufferedBytes) {
        log.warn({ buffered: socket.bufferedAmount }, "dropping a WebSocket client that does not read");
        socket.terminate();
      }
    }
  }, 1_000);
  sweep.unref();
  const keepAlive = setInterval(() => {
    for (const socket of wss.clients) {
      if (awaitingPong.has(socket)) socket.terminate();
      else if (socket.readyState === socket.OPEN) {
        awaitingPong.add(socket);
        socket.ping();
      }
    }
  }, KEEP_ALIVE_MS);
  keepAlive.unref();
  return () => {
    clearInterval(sweep);
    clearInterval(keepAlive);
  };
}
