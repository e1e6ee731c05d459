// The daemon's state machine: UNINITIALIZED -> INITIALIZING -> ONLINE <-> OFFLINE.
// Method handlers (src/rpc/methods.ts) call into this class; it owns the data
// directory (src/daemon/datadir.ts, lock.ts), serializes mutations, and drives
// the Jazz node (src/jazz/node.ts) without touching cojson itself.
import { mkdirSync } from "node:fs";
import { identify, JazzNode, type CoId } from "../jazz/node.js";
import { RpcError } from "../protocol/errors.js";
import { MAX_PULL_BYTES } from "../protocol/limits.js";
import type { DaemonState, HeadItem, HealthResult, RecordItem, StatusResult } from "../protocol/types.js";
import { readAfter } from "../jazz/reader.js";
import { log } from "../log.js";
import { DataDir } from "./datadir.js";
import { DirLock } from "./lock.js";

/** `sync.init` params once validated. */
export interface InitOptions {
  relay: string;
  seed: Uint8Array;
  deviceId: string;
  deviceName: string;
  platform: string;
  create: boolean;
}

/** How long a pull waits for the relay's content before answering with what is here. */
const CATCH_UP_TIMEOUT_MS = 5000;
/** How long sync.init with create:true waits for the relay to hold the new account. */
const CREATE_ACK_TIMEOUT_MS = 10_000;

interface Session {
  jazz: JazzNode;
  seedFingerprint: string;
  deviceId: string;
  deviceName: string;
  platform: string;
  /** Own records the relay is known to hold; only ever advanced while connected. */
  ackedSeq: number;
}

/** Serializes async operations (mutations, lifecycle). */
class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T> | T): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

export class Daemon {
  state: DaemonState = "UNINITIALIZED";
  subscribed = false;
  shuttingDown = false;
  /** Called for notifications to the client (only while subscribed). */
  notify: (method: string, params: unknown) => void = () => {};
  private session: Session | undefined;
  private readonly started = Date.now();
  private readonly mutex = new Mutex();
  private readonly dir: DataDir;
  private readonly lock: DirLock;
  /** The local store's failure, until a store opens cleanly again. */
  private storageFailure: Error | undefined;
  private changedDevices = new Set<string>();
  private changeTimer: NodeJS.Immediate | undefined;

  constructor(readonly dataDir: string) {
    this.dir = new DataDir(dataDir);
    this.lock = new DirLock(this.dir.lockPath, dataDir);
  }

  get storePath(): string {
    return this.dir.storePath;
  }

  // ---- lifecycle -------------------------------------------------------------

  init(p: InitOptions): Promise<{ accountId: string; state: DaemonState }> {
    if (this.state === "INITIALIZING") return Promise.reject(new RpcError("busy", "sync.init is already running"));
    return this.mutex.run(() => this.initLocked(p));
  }

  private async initLocked(p: InitOptions): Promise<{ accountId: string; state: DaemonState }> {
    const identity = await identify(p.seed);
    const { accountId, fingerprint } = identity;
    if (this.session) {
      const s = this.session;
      if (s.jazz.accountId === accountId && s.jazz.relay === p.relay && s.seedFingerprint === fingerprint && s.deviceId === p.deviceId) {
        if (p.create) throw new RpcError("account-exists", "the account already exists (this daemon has it open)");
        return { accountId, state: this.state };
      }
      throw new RpcError("already-initialized", "already initialized with another account, relay or device; call sync.reset first");
    }
    const meta = this.dir.readMeta();
    if (meta && meta.accountId !== accountId) {
      throw new RpcError("account-mismatch", "the local store belongs to another account; call sync.reset first");
    }
    if (p.create && meta) throw new RpcError("account-exists", "the account already exists in the local store");

    const t0 = performance.now();
    const step = (what: string) => log.debug(`init: ${what}`, { ms: Math.round(performance.now() - t0) });
    mkdirSync(this.dataDir, { recursive: true, mode: 0o700 });
    this.lock.acquire();
    this.state = "INITIALIZING";
    if (!meta && this.dir.hasStore()) {
      // A store without meta.json is the leftover of an interrupted first init:
      // it is never loaded, so start clean.
      log.warn("removing an orphaned local store (no meta.json)");
      this.dir.removeStore();
    }
    const hadStore = this.dir.hasStore();
    // Health describes the store as it opens now: a failure of it sets this again.
    this.storageFailure = undefined;
    try {
      const ackedSeq = this.dir.readAckedSeq(accountId, p.deviceId);
      const jazz = await JazzNode.open({
        identity,
        relay: p.relay,
        storePath: this.dir.storePath,
        create: p.create,
        fromStore: meta !== undefined && hadStore,
        deviceId: p.deviceId,
        ackedSeq,
        onStoreFailure: (err) => this.onStoreFailure(err),
        step,
      });
      const session: Session = {
        jazz,
        seedFingerprint: fingerprint,
        deviceId: p.deviceId,
        deviceName: p.deviceName,
        platform: p.platform,
        ackedSeq,
      };
      this.session = session;
      jazz.history.changes.onChange((deviceId) => this.onRemoteChange(deviceId));
      jazz.onConnection((connected) => this.onConnection(connected));
      this.state = jazz.connected() ? "ONLINE" : "OFFLINE";
      this.dir.writeMeta({ version: 1, accountId, relay: p.relay, deviceId: p.deviceId });
      if (p.create) {
        // Creation counts only once the relay has it: a second device must find it.
        const ok = await jazz.waitAcked([...jazz.history.ownStructure(), accountId as CoId], CREATE_ACK_TIMEOUT_MS);
        if (!ok) log.warn("relay has not acknowledged the new account yet");
      }
      log.info("initialized", { state: this.state, create: p.create });
      return { accountId, state: this.state };
    } catch (err) {
      const s = this.session;
      this.session = undefined;
      this.state = "UNINITIALIZED";
      await s?.jazz.close();
      if (!hadStore && !this.dir.readMeta()) this.dir.removeStore();
      this.lock.release();
      throw err;
    }
  }

  private onStoreFailure(err: Error): void {
    if (!this.storageFailure) log.error("the local store failed", { error: err.message });
    this.storageFailure ??= err;
  }

  private onConnection(connected: boolean): void {
    if (!this.session || this.state === "INITIALIZING" || this.state === "UNINITIALIZED") return;
    const next = connected ? "ONLINE" : "OFFLINE";
    if (next === this.state) return;
    this.state = next;
    log.info("connection", { state: next });
    if (this.subscribed) this.notify("sync.state", { state: next });
  }

  /** Coalesces remote changes into one `sync.changed` per macrotask. */
  private onRemoteChange(deviceId: string): void {
    if (this.subscribed) this.changedDevices.add(deviceId);
    if (this.subscribed && !this.changeTimer) {
      this.changeTimer = setImmediate(() => {
        this.changeTimer = undefined;
        const devices = [...this.changedDevices].sort();
        this.changedDevices.clear();
        if (devices.length && this.subscribed) this.notify("sync.changed", { devices });
      });
    }
  }

  reset(): Promise<{ state: DaemonState }> {
    return this.mutex.run(async () => {
      await this.closeSession(0);
      this.dir.removeStore();
      this.dir.removeMeta();
      this.state = "UNINITIALIZED";
      log.info("reset: local store removed");
      return { state: this.state };
    });
  }

  /** Flushes to the relay (bounded wait), closes the node and the store. */
  async shutdown(timeoutMs: number): Promise<{ acknowledged: boolean }> {
    this.shuttingDown = true;
    return this.mutex.run(async () => {
      const acknowledged = await this.closeSession(timeoutMs);
      return { acknowledged };
    });
  }

  private async closeSession(flushTimeoutMs: number): Promise<boolean> {
    const s = this.session;
    if (!s) {
      this.lock.release();
      return true;
    }
    let acknowledged = false;
    if (flushTimeoutMs > 0) acknowledged = await s.jazz.waitAcked(this.pendingIds(), flushTimeoutMs);
    this.noteAcked();
    this.session = undefined;
    await s.jazz.close();
    this.lock.release();
    this.state = "UNINITIALIZED";
    return acknowledged;
  }

  // ---- sync ------------------------------------------------------------------

  private need(): Session {
    if (this.shuttingDown) throw new RpcError("shutting-down", "the daemon is shutting down");
    if (!this.session || this.state === "INITIALIZING") {
      throw new RpcError("not-initialized", "sync.init has not completed");
    }
    return this.session;
  }

  requireInitialized(): void {
    this.need();
  }

  connected(): boolean {
    return !!this.session?.jazz.connected();
  }

  async push(items: RecordItem[], head: HeadItem | undefined, ackTimeoutMs: number) {
    const { jazz } = this.need();
    const r = await this.mutex.run(async () => {
      const stored = await jazz.history.own.push(items, head);
      await jazz.waitStored(stored.touched);
      return stored;
    });
    // Outside the lock, so the next push is stored while the relay takes this
    // one. A value the next push grows is acknowledged only with its growth.
    const acknowledged =
      ackTimeoutMs > 0 ? await jazz.waitAcked(r.touched, ackTimeoutMs) : jazz.connected() && [...r.touched].every((id) => jazz.isSynced(id));
    this.noteAcked();
    return { accepted: r.accepted, duplicates: r.duplicates, rejected: r.rejected, acknowledged, nextSeq: r.nextSeq };
  }

  /** Online, first catches up with the relay (bounded), so a pull returns what the relay holds. */
  async pull(positions: Record<string, number>, limit: number) {
    const { jazz } = this.need();
    if (jazz.connected() && !(await jazz.history.catchUp(jazz.relay, CATCH_UP_TIMEOUT_MS))) {
      log.warn("pull: the relay's content is still arriving; answering with what is here");
    }
    return readAfter(jazz.history.logs, positions, limit, MAX_PULL_BYTES);
  }

  // ---- status ----------------------------------------------------------------

  /** Own CoValues (chunks, log, maps) the relay has not confirmed. */
  private pendingIds(): CoId[] {
    const s = this.session;
    if (!s) return [];
    const ids: CoId[] = [...s.jazz.history.ownStructure()];
    for (const c of s.jazz.history.own.chunks()) ids.push(c.id);
    return ids.filter((id) => !s.jazz.isSynced(id));
  }

  /**
   * Records durably how far the relay holds this device's items, so a restart
   * reloads (and so re-uploads) exactly the chunks it may lack. Only the relay's
   * own confirmation counts: cojson's offline bookkeeping can miss values.
   */
  private noteAcked(): void {
    const s = this.session;
    if (!s || !s.jazz.connected()) return;
    const seq = s.jazz.history.own.ackedThrough(s.jazz.history.logs.logsMap.id, s.ackedSeq, (id) => s.jazz.isSynced(id));
    if (seq <= s.ackedSeq) return;
    s.ackedSeq = seq;
    s.jazz.history.own.releaseAcked(seq);
    try {
      this.dir.writeAckMark({ accountId: s.jazz.accountId, deviceId: s.deviceId, seq });
    } catch (err) {
      log.warn("could not record the relay's acknowledgement", { error: String(err) });
    }
  }

  pendingCount(): number {
    const s = this.session;
    if (!s) return 0;
    let n = 0;
    for (const c of s.jazz.history.own.chunks()) if (!s.jazz.isSynced(c.id)) n += c.count;
    return n;
  }

  status(): StatusResult {
    const s = this.session;
    return {
      state: this.state,
      accountId: s?.jazz.accountId ?? null,
      deviceId: s?.deviceId ?? null,
      relay: s?.jazz.relay ?? null,
      connected: this.connected(),
      pending: this.pendingCount(),
    };
  }

  health(): HealthResult {
    const s = this.session;
    const connected = this.connected();
    return {
      healthy: this.storageFailure === undefined,
      uptime: (Date.now() - this.started) / 1000,
      state: this.state,
      relay: { url: s?.jazz.relay ?? null, connected, latencyMs: connected ? (s?.jazz.lastPingDelayMs ?? null) : null },
      storage: { entries: s ? s.jazz.history.logs.recordCount() : 0, sizeBytes: this.dir.storeSizeBytes() },
      queue: { pending: this.pendingCount(), failed: 0 },
    };
  }
}
