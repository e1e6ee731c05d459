// Leveled logging to stderr. stdout belongs to the JSON-RPC protocol alone.
// Never pass a secret (jazzAuthKey, agent secrets, envelopes) to these functions.

export type LogLevel = "error" | "warn" | "info" | "debug" | "silent";

const ORDER: Record<LogLevel, number> = { silent: 0, error: 1, warn: 2, info: 3, debug: 4 };

function parseLevel(value: string | undefined): LogLevel {
  const v = (value ?? "").toLowerCase();
  return v in ORDER ? (v as LogLevel) : "info";
}

let current: LogLevel = parseLevel(process.env.CARO_SYNC_LOG_LEVEL);

export function setLogLevel(level: LogLevel): void {
  current = level;
}

function emit(level: Exclude<LogLevel, "silent">, msg: string, fields?: Record<string, unknown>): void {
  if (ORDER[level] > ORDER[current]) return;
  let line = `${new Date().toISOString()} ${level.toUpperCase()} ${msg}`;
  if (fields) {
    for (const [k, v] of Object.entries(fields)) {
      line += ` ${k}=${typeof v === "string" ? v : JSON.stringify(v)}`;
    }
  }
  process.stderr.write(line + "\n");
}

export const log = {
  error: (msg: string, fields?: Record<string, unknown>) => emit("error", msg, fields),
  warn: (msg: string, fields?: Record<string, unknown>) => emit("warn", msg, fields),
  info: (msg: string, fields?: Record<string, unknown>) => emit("info", msg, fields),
  debug: (msg: string, fields?: Record<string, unknown>) => emit("debug", msg, fields),
  enabled: (level: Exclude<LogLevel, "silent">) => ORDER[level] <= ORDER[current],
};
