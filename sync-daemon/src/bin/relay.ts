#!/usr/bin/env node
// caro-sync-relay [--host 127.0.0.1] [--port 4200] [--db PATH | --in-memory]
import { startRelay } from "../relay/server.js";
import { log } from "../log.js";
import { routeJazzLogs } from "../jazz/logging.js";

routeJazzLogs();

function usage(code: number): never {
  process.stderr.write("usage: caro-sync-relay [--host 127.0.0.1] [--port 4200] [--db PATH | --in-memory]\n");
  process.exit(code);
}

const args = process.argv.slice(2);
let host = "127.0.0.1";
let port = 4200;
let db: string | undefined;
let inMemory = false;
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  const value = () => {
    const v = args[++i];
    if (v === undefined) usage(2);
    return v;
  };
  if (a === "--host") host = value();
  else if (a === "--port") {
    port = Number(value());
    if (!Number.isInteger(port) || port < 0 || port > 65535) usage(2);
  } else if (a === "--db") db = value();
  else if (a === "--in-memory") inMemory = true;
  else if (a === "--help" || a === "-h") usage(0);
  else usage(2);
}
if (db && inMemory) usage(2);
if (!db && !inMemory) inMemory = true;

const relay = await startRelay({ host, port, db, inMemory });
process.stdout.write(`listening ${relay.url}\n`);
log.info("relay started", { url: relay.url, storage: db ? "sqlite" : "memory" });

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
