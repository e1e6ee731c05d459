#!/usr/bin/env node
// caro-sync-daemon [--data-dir DIR] [--socket PATH]: JSON-RPC 2.0 over stdio
// (see PROTOCOL.md), and with --socket the same on a unix socket for every
// other caro process of the home (src/daemon/socket.ts).
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { Daemon } from "../daemon/daemon.js";
import { makeHandlers } from "../rpc/methods.js";
import { MAX_SOCKET_PATH_BYTES, Sessions, SocketServer } from "../daemon/socket.js";
import { log, onStderrGone } from "../log.js";
import { routeJazzLogs } from "../jazz/logging.js";

routeJazzLogs();
// The store, its write-ahead log and the lock file are this user's alone.
process.umask(0o077);

const USAGE =
  "usage: caro-sync-daemon [--data-dir DIR] [--socket PATH]   (JSON-RPC 2.0 on stdin/stdout, and on the unix socket PATH once sync.init succeeded; see PROTOCOL.md)";

/** A bad command line: one line on stderr (what was wrong, then the usage), exit 2. */
function usageError(what: string): never {
  process.stderr.write(`caro-sync-daemon: ${what}; ${USAGE}\n`);
  process.exit(2);
}

interface Args {
  dataDir: string;
  socket: string | undefined;
}

/** The data directory (--data-dir, else CARO_SYNC_DATA_DIR, else $CARO_HOME/sync, else ~/.caro/sync) and --socket. */
function parseCommandLine(args: string[]): Args {
  let values: { "data-dir"?: string; socket?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: { "data-dir": { type: "string" }, socket: { type: "string" }, help: { type: "boolean", short: "h" } },
    }));
  } catch (err) {
    usageError((err as Error).message);
  }
  if (values.help) {
    process.stderr.write(USAGE + "\n");
    process.exit(0);
  }
  let socket: string | undefined;
  if (values.socket !== undefined) {
    if (values.socket === "") usageError("--socket needs a path");
    socket = resolve(values.socket);
    if (Buffer.byteLength(socket) > MAX_SOCKET_PATH_BYTES) {
      usageError(`--socket ${socket} is longer than ${MAX_SOCKET_PATH_BYTES} bytes, which unix sockets cannot take`);
    }
  }
  return { dataDir: dataDir(values["data-dir"]), socket };
}

function dataDir(flag: string | undefined): string {
  if (flag !== undefined) {
    if (flag === "") usageError("--data-dir needs a directory");
    return resolve(flag);
  }
  if (process.env.CARO_SYNC_DATA_DIR) return resolve(process.env.CARO_SYNC_DATA_DIR);
  if (process.env.CARO_HOME) return join(resolve(process.env.CARO_HOME), "sync");
  return join(homedir(), ".caro", "sync");
}

/** How long a daemon stopped by EOF, a closed pipe or a signal waits for the relay to take what is pending. */
const STOP_FLUSH_MS = 500;
/**
 * A stop ends the process by then, whatever it still waits on (a call in
 * flight, a relay that does not answer): a daemon whose parent went away
 * never lingers. What `sync.push` answered is in the store already.
 */
const STOP_DEADLINE_MS = 1000;

const args = parseCommandLine(process.argv.slice(2));
const daemon = new Daemon(args.dataDir);
let exiting = false;
let stopping = false;

// stdout is the protocol channel: nothing else may write to it. Once it fails
// (the reader is gone) nothing more is written.
const out = process.stdout;
let stdoutGone = false;
const write = (framed: string) => {
  if (stdoutGone || out.destroyed) return;
  out.write(framed);
};

const exit = async (code: number) => {
  if (exiting) return;
  exiting = true;
  socket?.close();
  // Let queued writes reach the pipe before exiting.
  await new Promise<void>((r) => {
    if (stdoutGone || out.destroyed || out.writableLength === 0) return r();
    out.once("drain", () => r());
    out.once("error", () => r());
    setTimeout(r, 2000).unref();
  });
  process.exit(code);
};

const handlers = makeHandlers(daemon, () => {
  // daemon.shutdown answered: exit once the response is written.
  setImmediate(() => void exit(0));
});
const sessions = new Sessions(daemon, handlers);
let socket: SocketServer | undefined;
if (args.socket !== undefined) {
  const path = args.socket;
  const init = handlers["sync.init"];
  // The socket appears once the account is open: whoever connects finds a
  // daemon ready to sync, never one still starting.
  handlers["sync.init"] = async (p) => {
    const r = await init(p);
    if (!socket) {
      const listening = new SocketServer(path, sessions);
      await listening.listen();
      socket = listening;
    }
    return r;
  };
  // However the process ends, the socket file goes with it.
  process.on("exit", () => socket?.close());
}
const server = sessions.open(write);

/** Stops for good: `before` (answering calls in flight), a short flush, exit; all within STOP_DEADLINE_MS. */
const stop = (why: string, before: () => Promise<void> = async () => {}) => {
  if (stopping) return;
  stopping = true;
  setTimeout(() => {
    log.warn("stop deadline passed; exiting", { reason: why, deadlineMs: STOP_DEADLINE_MS });
    process.exit(0);
  }, STOP_DEADLINE_MS).unref();
  log.info("stopping", { reason: why });
  void (async () => {
    await before();
    try {
      await daemon.shutdown(STOP_FLUSH_MS);
    } catch (err) {
      log.warn("shutdown", { error: String(err) });
    }
    await exit(0);
  })();
};

// The client went away: a failed write on either pipe, or the end of stdin.
out.on("error", () => {
  stdoutGone = true;
  stop("stdout closed");
});
onStderrGone(() => stop("stderr closed"));
process.stdin.on("data", (chunk: Buffer) => server.feed(chunk));
process.stdin.on("end", () => stop("stdin closed", () => server.end()));
process.stdin.on("error", () => stop("stdin failed"));
for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(signal, () => stop(signal));
// Logging cannot fail (src/log.ts), so these cannot loop.
process.on("uncaughtException", (err) => {
  log.error("uncaught exception", { error: err.message });
});
process.on("unhandledRejection", (err) => {
  log.error("unhandled rejection", { error: err instanceof Error ? err.message : String(err) });
});
log.debug("daemon started", { pid: process.pid });
