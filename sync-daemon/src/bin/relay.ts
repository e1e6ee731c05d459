#!/usr/bin/env node
// caro-sync-relay: the self-hosted relay's command. Its first stdout line is
// `listening URL`, the URL clients use (it carries the token); everything else
// goes to stderr, and a failure to start is one line there and exit status 1.
import { parseArgs } from "node:util";
import { redactUrl } from "../relay/access.js";
import { DEFAULT_LIMITS, RelayStartError, startRelay } from "../relay/server.js";
import { log } from "../log.js";
import { routeJazzLogs } from "../jazz/logging.js";

const USAGE = `usage: caro-sync-relay [options]

  --host ADDR                interface to listen on (default 127.0.0.1: this machine only)
  --port N                   TCP port, 0 for any free one (default 4200)
  --db PATH                  keep the relay's data in this SQLite file (created 0600)
  --in-memory                keep data in memory only (the default without --db)
  --token-file PATH          keep the access token here (default: PATH.token beside --db;
                             without --db a new token each start)
  --open                     require no token: anyone who reaches the port may store data
  --max-connection-bytes N   bytes one connection may store (default ${DEFAULT_LIMITS.maxConnectionBytes})
  --max-account-bytes N      bytes the relay stores per account (default ${DEFAULT_LIMITS.maxAccountBytes})
  -h, --help                 this text

The first line on stdout is "listening URL"; give that URL (with its ?token=) to
caro sync init/join --relay. GET /health answers without a token.
`;

function fail(message: string, code: number): never {
  process.stderr.write(`caro-sync-relay: ${message}\n`);
  process.exit(code);
}

function usageError(message: string): never {
  fail(`${message}\n${USAGE}`.trimEnd(), 2);
}

let values;
try {
  ({ values } = parseArgs({
    strict: true,
    allowPositionals: false,
    options: {
      host: { type: "string", default: "127.0.0.1" },
      port: { type: "string", default: "4200" },
      db: { type: "string" },
      "in-memory": { type: "boolean", default: false },
      "token-file": { type: "string" },
      open: { type: "boolean", default: false },
      "max-connection-bytes": { type: "string" },
      "max-account-bytes": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  }));
} catch (err) {
  usageError((err as Error).message);
}
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

function integer(name: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) usageError(`--${name} must be an integer from ${min} to ${max}, not '${text}'`);
  return n;
}

const port = integer("port", values.port, 0, 65535)!;
if (values.db !== undefined && values["in-memory"]) usageError("--db and --in-memory exclude each other");
if (values.open && values["token-file"] !== undefined) usageError("--open and --token-file exclude each other");
const maxConnectionBytes = integer("max-connection-bytes", values["max-connection-bytes"], 1, Number.MAX_SAFE_INTEGER);
const maxAccountBytes = integer("max-account-bytes", values["max-account-bytes"], 1, Number.MAX_SAFE_INTEGER);

routeJazzLogs();

let relay;
try {
  relay = await startRelay({
    host: values.host,
    port,
    db: values.db,
    inMemory: values.db === undefined,
    tokenFile: values["token-file"],
    open: values.open,
    limits: {
      ...(maxConnectionBytes !== undefined && { maxConnectionBytes }),
      ...(maxAccountBytes !== undefined && { maxAccountBytes }),
    },
  });
} catch (err) {
  fail(err instanceof RelayStartError ? err.message : `cannot start: ${(err as Error).message ?? String(err)}`, 1);
}
// A reader that went away (EPIPE) must not take the relay down with it.
process.stdout.on("error", () => undefined);
process.stdout.write(`listening ${relay.url}\n`);
if (values.open) {
  process.stderr.write(
    "caro-sync-relay: WARNING: running OPEN (--open): no token is required, so anyone who can reach " +
      `${values.host}:${relay.port} can store data here and write into any account they know the id of.\n`,
  );
}
log.info("relay started", { url: redactUrl(relay.url), storage: values.db ? "sqlite" : "memory" });

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  log.info("relay stopping", { signal });
  relay.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on("SIGTERM", () => stop("SIGTERM"));
process.on("SIGINT", () => stop("SIGINT"));
