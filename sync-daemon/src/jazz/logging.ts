// Routes cojson's logger into ours (stderr, CARO_SYNC_LOG_LEVEL) and keeps every
// stray console output off stdout, which belongs to the protocol.
import { logger, LogLevel } from "cojson";
import { log, writeStderr } from "../log.js";

function describe(attrs: unknown): Record<string, unknown> | undefined {
  if (!attrs || typeof attrs !== "object") return undefined;
  const a = attrs as Record<string, unknown>;
  // Only error messages: attributes can hold (encrypted) content or ids.
  if (a.err !== undefined) return { err: a.err instanceof Error ? a.err.message : String(a.err) };
  return undefined;
}

export function routeJazzLogs(): void {
  logger.setLogSystem({
    debug: (m) => log.debug(`jazz: ${m}`),
    info: (m) => log.info(`jazz: ${m}`),
    warn: (m, a) => log.warn(`jazz: ${m}`, describe(a)),
    error: (m, a) => log.error(`jazz: ${m}`, describe(a)),
  });
  logger.setLevel(
    log.enabled("debug") ? LogLevel.DEBUG : log.enabled("info") ? LogLevel.INFO : log.enabled("warn") ? LogLevel.WARN : LogLevel.ERROR,
  );
  const toStderr = (...args: unknown[]) => {
    if (log.enabled("debug")) writeStderr(args.map((x) => (typeof x === "string" ? x : JSON.stringify(x))).join(" ") + "\n");
  };
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;
}
