// SyncClient: spawns caro-sync-daemon and calls its JSON-RPC methods with typed
// results. It frames and reads lines with the server's own code
// (src/protocol/framing.ts), so a daemon's line over the cap cannot grow its memory.
import { spawn, type ChildProcess } from "node:child_process";
import { EventEmitter } from "node:events";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { frame, LineReader } from "../protocol/framing.js";
import type { ErrorKind } from "../protocol/errors.js";
import type {
  DaemonState,
  DeviceHead,
  Fork,
  Gap,
  HeadItem,
  HealthResult,
  InitParams,
  InitResult,
  PullResult,
  PushResult,
  RecordItem,
  StatusResult,
} from "../protocol/types.js";

/** An error answered by the daemon: `kind` is PROTOCOL.md's `data.kind`. */
export class DaemonError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly kind: ErrorKind | string,
    readonly data: Record<string, unknown>,
  ) {
    super(message);
    this.name = "DaemonError";
  }
}

export interface SyncClientOptions {
  /** The daemon's data directory (jazz.sqlite, meta.json, daemon.lock). */
  dataDir: string;
  /** Extra environment, e.g. { CARO_SYNC_LOG_LEVEL: "debug" }. */
  env?: Record<string, string>;
  /** Where the daemon's stderr goes: "inherit" (default), "ignore" or a callback per chunk. */
  stderr?: "inherit" | "ignore" | ((chunk: string) => void);
  /** Path of the daemon script; defaults to this package's dist/caro-sync-daemon.cjs. */
  daemonPath?: string;
  /** Node binary; default process.execPath. */
  node?: string;
}

export interface SyncClientEvents {
  "sync.changed": [{ devices: string[] }];
  "sync.state": [{ state: DaemonState }];
  exit: [{ code: number | null; signal: NodeJS.Signals | null }];
}

/** What pullAll returns: every item pulled, and the last page's cursor and integrity reports. */
export interface PullAllResult {
  items: RecordItem[];
  cursor: string;
  heads: DeviceHead[];
  gaps: Gap[];
  forks: Fork[];
}

export function defaultDaemonPath(): string {
  return join(dirname(fileURLToPath(import.meta.url)), "..", "caro-sync-daemon.cjs");
}

export class SyncClient extends EventEmitter<SyncClientEvents> {
  readonly child: ChildProcess;
  private nextId = 1;
  private pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly reader = new LineReader({
    line: (line) => this.onLine(line),
    oversize: (limitBytes) => this.onOversize(limitBytes),
  });
  private exited: Promise<void>;
  private exitedFlag = false;

  private constructor(opts: SyncClientOptions) {
    super();
    const stderr = opts.stderr ?? "inherit";
    this.child = spawn(opts.node ?? process.execPath, [opts.daemonPath ?? defaultDaemonPath(), "--data-dir", opts.dataDir], {
      stdio: ["pipe", "pipe", typeof stderr === "function" ? "pipe" : stderr],
      env: { ...process.env, ...opts.env },
    });
    if (typeof stderr === "function") this.child.stderr!.on("data", (c: Buffer) => stderr(c.toString("utf8")));
    this.child.stdout!.on("data", (chunk: Buffer) => this.reader.feed(chunk));
    this.child.stdout!.on("end", () => this.reader.end());
    this.child.stdin!.on("error", () => {});
    this.exited = new Promise((resolve) => {
      this.child.on("exit", (code, signal) => {
        this.exitedFlag = true;
        for (const p of this.pending.values()) p.reject(new Error(`daemon exited (code ${code}, signal ${signal})`));
        this.pending.clear();
        this.emit("exit", { code, signal });
        resolve();
      });
    });
  }

  /** Spawns a daemon. */
  static spawn(opts: SyncClientOptions): SyncClient {
    return new SyncClient(opts);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  private onLine(line: string): void {
    let msg: {
      id?: number | string | null;
      result?: unknown;
      error?: { code: number; message: string; data?: Record<string, unknown> };
      method?: string;
      params?: unknown;
    };
    try {
      msg = JSON.parse(line);
    } catch {
      return;
    }
    if (msg.method && msg.id === undefined) {
      this.emit(msg.method as keyof SyncClientEvents, msg.params as never);
      return;
    }
    const p = typeof msg.id === "number" ? this.pending.get(msg.id) : undefined;
    if (!p) return;
    this.pending.delete(msg.id as number);
    if (msg.error) {
      const data = msg.error.data ?? {};
      p.reject(new DaemonError(msg.error.code, msg.error.message, String(data.kind ?? "unknown"), data));
    } else {
      p.resolve(msg.result);
    }
  }

  /**
   * The daemon wrote a line over the cap: which call it answered is unknown, so
   * every call in flight fails rather than one waiting forever.
   */
  private onOversize(limitBytes: number): void {
    const err = new Error(`the daemon wrote a line longer than ${limitBytes} bytes; the calls in flight are lost`);
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  /** Calls any method; prefer the typed wrappers below. */
  call<T = unknown>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    if (this.exitedFlag) return Promise.reject(new Error("daemon has exited"));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.stdin!.write(frame({ jsonrpc: "2.0", id, method, params }));
    });
  }

  ping() {
    return this.call<{ pong: true }>("daemon.ping");
  }
  health() {
    return this.call<HealthResult>("daemon.health");
  }
  init(params: InitParams) {
    return this.call<InitResult>("sync.init", { ...params });
  }
  status() {
    return this.call<StatusResult>("sync.status");
  }
  reset() {
    return this.call<{ state: DaemonState }>("sync.reset");
  }
  /** Pushes this device's records (ascending seq) and, optionally, its new sealed head. */
  push(items: RecordItem[], opts: { head?: HeadItem; ackTimeoutMs?: number } = {}) {
    return this.call<PushResult>("sync.push", { items, ...opts });
  }
  pull(cursor?: string | null, opts: { limit?: number } = {}) {
    return this.call<PullResult>("sync.pull", { cursor: cursor ?? null, ...opts });
  }
  /**
   * Pulls until hasMore is false: every record after `cursor` as raw wire items
   * (open them with openRecord), the final cursor, and the last page's heads,
   * gaps and forks (a reader must check them before trusting the history whole).
   */
  async pullAll(cursor?: string | null, opts: { limit?: number } = {}): Promise<PullAllResult> {
    const items: RecordItem[] = [];
    let c = cursor ?? null;
    for (;;) {
      const r = await this.pull(c, opts);
      items.push(...r.items);
      c = r.cursor;
      if (!r.hasMore) return { items, cursor: c, heads: r.heads, gaps: r.gaps, forks: r.forks };
    }
  }
  subscribe() {
    return this.call<{ subscribed: boolean }>("sync.subscribe");
  }
  unsubscribe() {
    return this.call<{ subscribed: boolean }>("sync.unsubscribe");
  }

  /** Resolves when the daemon process has exited. */
  waitExit(): Promise<void> {
    return this.exited;
  }

  /** daemon.shutdown, then SIGTERM after graceMs, then SIGKILL. */
  async close(opts: { timeoutMs?: number; graceMs?: number } = {}): Promise<void> {
    if (this.exitedFlag) return;
    const graceMs = opts.graceMs ?? 10_000;
    const timeoutMs = opts.timeoutMs ?? 5000;
    await Promise.race([this.call("daemon.shutdown", { timeoutMs }).catch(() => undefined), this.exited]);
    const wait = (ms: number) => Promise.race([this.exited.then(() => true), sleep(ms).then(() => false)]);
    if (await wait(graceMs)) return;
    this.child.kill("SIGTERM");
    if (await wait(graceMs)) return;
    this.child.kill("SIGKILL");
    await this.exited;
  }

  /** Kills the daemon at once (tests: crash simulation). */
  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    if (this.exitedFlag) return;
    this.child.kill(signal);
    await this.exited;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}
