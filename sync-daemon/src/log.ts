// Leveled logging to stderr. stdout belongs to the JSON-RPC protocol alone.
// Never pass a secret (jazzAuthKey, agent secrets, envelopes) to these functions.
//
// Logging never throws and never loops: once stderr fails (EPIPE when the
// reader is gone, a destroyed stream) every later line is dropped. Without
// this, a closed stderr made an uncaught 'error' event, whose handler logged,
// which failed again: a 100 % CPU loop that outlived its parent.

export type LogLevel = "error" | "warn" | "info" | "debug" | "silent";

const ORDER: Record<LogLevel, number> = { silent: 0, error: 1, warn: 2, info: 3, debug: 4 };

function parseLevel(value: string | undefined): LogLevel {
  const v = (value ?? "").toLowerCase();
  return v in ORDER ? (v as LogLevel) : "info";
}

let current: LogLevel = parseLevel(process.env.CARO_SYNC_LOG_LEVEL);
let stderrGone = false;
const goneListeners: Array<() => void> = [];

function markStderrGone(): void {
  if (stderrGone) return;
  stderrGone = true;
  for (const listener of goneListeners.splice(0)) listener();
}

process.stderr.on("error", markStderrGone);

export function setLogLevel(level: LogLevel): void {
  current = level;
}

/** Calls `listener` once when stderr fails (at once if it already has). */
export function onStderrGone(listener: () => void): void {
  if (stderrGone) listener();
  else goneListeners.push(listener);
}

/** Writes `text` to stderr unless stderr has failed; never throws. */
export function writeStderr(text: string): void {
  if (stderrGone || process.stderr.destroyed) return;
  try {
    process.stderr.write(text);
  } catch {
    markStderrGone();
  }
}

function emit(level: Exclude<LogLevel, "silent">, msg: string, fields?: Record<string, unknown>): void {
  if (ORDER[level] > ORDER[current] || stderrGone) return;
  let line = `${new Date().toISOString()} ${level.toUpperCase()} ${msg}`;
  if (fields) {
    for (const [k, v] of Object.entries(fields)) {
      line += ` ${k}=${typeof v === "string" ? v : describe(v)}`;
    }
  }
  writeStderr(line + "\n");
}

/** JSON, or a placeholder for what JSON cannot hold (a cycle, a BigInt): a log line never throws. */
function describe(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return "[unprintable]";
  }
}

export const log = {
  error: (msg: string, fields?: Record<string, unknown>) => emit("error", msg, fields),
  warn: (msg: string, fields?: Record<string, unknown>) => emit("warn", msg, fields),
  info: (msg: string, fields?: Record<string, unknown>) => emit("info", msg, fields),
  debug: (msg: string, fields?: Record<string, unknown>) => emit("debug", msg, fields),
  enabled: (level: Exclude<LogLevel, "silent">) => ORDER[level] <= ORDER[current],
};
