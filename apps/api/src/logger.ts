// The product's structured logger (pino, JSON lines on stdout). What it must never write:
// credentials. Code never logs them on purpose; the redaction below is the second line of
// defence for objects that might carry one (request headers, connection parameters, connector
// settings), and test/logs.test.ts greps the logs of a whole run for every secret it used.
import pino, { type DestinationStream, type Logger } from "pino";
import type { LogLevel } from "./config.ts";

const REDACTED_PATHS = [
  "authorization",
  "*.authorization",
  "*.Authorization",
  "*.*.authorization",
  "*.*.Authorization",
  "headers.cookie",
  "*.headers.cookie",
  "connectionParams",
  "*.connectionParams",
  "token",
  "*.token",
  "*.password",
  "*.bindPassword",
  "*.secret",
  "*.bearerToken",
];

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = { level, base: { service: "access-api" }, redact: { paths: REDACTED_PATHS, censor: "[redacted]" } };
  return destination ? pino(options, destination) : pino(options);
}
