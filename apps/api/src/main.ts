// Entry point of `npm start`: validated configuration, the server, and graceful shutdown.
import { ConfigError, loadConfig } from "./config.ts";
import { DatabaseUnavailableError } from "./db/database.ts";
import { startServer } from "./server.ts";

let config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`configuration error: ${error.message}`);
    process.exit(2);
  }
  throw error;
}

try {
  const server = await startServer(config);
  const stop = (signal: string) => {
    server.log.info({ signal }, "shutting down");
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        server.log.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`configuration error: ${error.message}`);
    process.exit(2);
  }
  if (error instanceof DatabaseUnavailableError) {
    console.error(`DATABASE_URL: ${error.message}`);
    process.exit(2);
  }
  if ((error as NodeJS.ErrnoException).code === "EADDRINUSE" || (error as NodeJS.ErrnoException).code === "EACCES") {
    console.error(`PORT/HOST: cannot listen on ${config.host}:${config.port} (${(error as Error).message})`);
    process.exit(2);
  }
  throw error;
}
