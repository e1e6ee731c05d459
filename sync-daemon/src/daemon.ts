// The daemon's state machine and its Jazz node: UNINITIALIZED -> INITIALIZING ->
// ONLINE <-> OFFLINE. Method handlers (src/rpc/methods.ts) call into this class.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { LocalNode, type CryptoProvider, type RawAccount, type RawAccountID, type RawCoID } from "cojson";
import { WebSocketPeerWithReconnection } from "cojson-transport-ws";
import { WebSocket } from "ws";

/**
 * ws's client with an all-zero frame mask, which ws (both ends) recognises and
 * skips. RFC 6455 masking protects HTTP intermediaries from scripts running in
 * browsers; this client is not a browser, and the payload is Jazz-encrypted.
 * Saves ~25% of the CPU of a large push.
 */
class UnmaskedWebSocket extends WebSocket {
  constructor(url: string) {
    super(url, { generateMask: (mask: Buffer) => void mask.fill(0) });
  }
}
import { accountFromSeed, jazzCrypto } from "./jazz/crypto.js";
import { History, type DeviceRecord, type PrefRecord, type WireItem } from "./jazz/history.js";
import { openSqliteStorage, type OpenedStorage } from "./jazz/storage.js";
import { RpcError } from "./rpc/errors.js";
import { log } from "./log.js";

export type DaemonState = "UNINITIALIZED" | "INITIALIZING" | "ONLINE" | "OFFLINE";

export interface InitParams {
  relay: string;
  seed: Uint8Array;
  deviceId: string;
  deviceName: string;
  platform: string;
  create: boolean;
}

interface Meta {
  version: 1;
  accountId: string;
  relay: string;
  deviceId: string;
}

/** How many of this device's items the relay is known to hold (acked.json). */
interface AckMark {
  accountId: string;
  deviceId: string;
  seq: number;
}

const CONNECT_TIMEOUT_MS = 3000;
const LOCAL_CONNECT_WAIT_MS = 1000;
const LOAD_TIMEOUT_MS = 4500;
/** How long a pull waits for the relay's content before answering with what is here. */
const CATCH_UP_TIMEOUT_MS = 5000;

interface Session {
  accountId: RawAccountID;
  relay: string;
  seedFingerprint: string;
  deviceId: string;
  deviceName: string;
  platform: string;
  /** Own items the relay is known to hold; only ever advanced while connected. */
  ackedSeq: number;
  node: LocalNode;
  peer: WebSocketPeerWithReconnection;
  storage: OpenedStorage;
  history: History;
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
  private session: Session | undefined;
  private readonly started = Date.now();
  private readonly mutex = new Mutex();
  private lockHeld = false;
  private storageFailed = false;
  subscribed = false;
  private lastPingDelayMs: number | null = null;
  shuttingDown = false;
  /** Called for notifications to the client (only while subscribed). */
  notify: (method: string, params: unknown) => void = () => {};

  constructor(readonly dataDir: string) {}

  get storePath(): string {
    return join(this.dataDir, "jazz.sqlite");
  }
  private get metaPath(): string {
    return join(this.dataDir, "meta.json");
  }
  private get ackPath(): string {
    return join(this.dataDir, "acked.json");
  }
  private get lockPath(): string {
    return join(this.dataDir, "daemon.lock");
  }

  // ---- lifecycle -------------------------------------------------------------

  init(p: InitParams): Promise<{ accountId: string; state: DaemonState }> {
    if (this.state === "INITIALIZING") return Promise.reject(new RpcError("busy", "sync.init is already running"));
    return this.mutex.run(() => this.initLocked(p));
  }

  private async initLocked(p: InitParams): Promise<{ accountId: string; state: DaemonState }> {
    const crypto = await jazzCrypto();
    const { accountId, agentSecret } = accountFromSeed(crypto, p.seed);
    const fingerprint = crypto.shortHash(agentSecret);
    if (this.session) {
      const s = this.session;
      if (s.accountId === accountId && s.relay === p.relay && s.seedFingerprint === fingerprint && s.deviceId === p.deviceId) {
        if (p.create) throw new RpcError("account-exists", "the account already exists (this daemon has it open)");
        return { accountId, state: this.state };
      }
      throw new RpcError("already-initialized", "already initialized with another account, relay or device; call sync.reset first");
    }
    const meta = this.readMeta();
    if (meta && meta.accountId !== accountId) {
      throw new RpcError("account-mismatch", "the local store belongs to another account; call sync.reset first");
    }
    if (p.create && meta) throw new RpcError("account-exists", "the account already exists in the local store");

    this.state = "INITIALIZING";
    const t0 = performance.now();
    const step = (what: string) => log.debug(`init: ${what}`, { ms: Math.round(performance.now() - t0) });
    mkdirSync(this.dataDir, { recursive: true, mode: 0o700 });
    this.acquireLock();
    if (!meta && existsSync(this.storePath)) {
      // A store without meta.json is the leftover of an interrupted first init:
      // it is never loaded, so start clean.
      log.warn("removing an orphaned local store (no meta.json)");
      this.removeStore();
    }
    const hadStore = existsSync(this.storePath);
    let storage: OpenedStorage | undefined;
    let node: LocalNode | undefined;
    let peer: WebSocketPeerWithReconnection | undefined;
    try {
      storage = openSqliteStorage(this.storePath);
      step("store opened");
      let account: RawAccount;
      if (p.create) {
        await this.assertRelayLacksAccount(crypto, p.relay, accountId);
        const created = await LocalNode.withNewlyCreatedAccount({
          creationProps: { name: "caro" },
          crypto,
          initialAgentSecret: agentSecret,
          storage: storage.storage,
          migration: async (acc, n) => {
            const profileGroup = n.createGroup();
            profileGroup.addMember("everyone", "reader");
            // The profile is world-readable in Jazz: a constant, never the device name.
            const profile = profileGroup.createMap({ name: "caro" });
            acc.set("profile", profile.id, "trusting");
            History.createRoot(acc);
          },
        });
        node = created.node;
        peer = this.connect(node, p.relay);
        if (!(await waitConnected(peer, CONNECT_TIMEOUT_MS))) {
          throw new RpcError("relay-unreachable", `relay ${p.relay} unreachable`);
        }
        account = node.expectCurrentAccount("after creation");
      } else {
        node = new LocalNode(agentSecret, crypto.newRandomSessionID(accountId), crypto);
        node.setStorage(storage.storage);
        peer = this.connect(node, p.relay);
        const local = meta !== undefined && hadStore;
        let loaded = local ? await node.load(accountId) : ("unavailable" as const);
        if (loaded === "unavailable") {
          if (!(await waitConnected(peer, CONNECT_TIMEOUT_MS))) {
            throw new RpcError("relay-unreachable", `relay ${p.relay} unreachable`);
          }
          loaded = await withTimeout(node.load(accountId, true), LOAD_TIMEOUT_MS, "unavailable" as const);
          if (loaded === "unavailable") {
            throw new RpcError("account-not-found", "the relay does not have this account (wrong phrase or wrong relay?)");
          }
        } else {
          await waitConnected(peer, LOCAL_CONNECT_WAIT_MS);
        }
        account = loaded as unknown as RawAccount;
        step(local ? "account loaded from the store" : "account loaded from the relay");
        if (account.currentAgentID() !== crypto.getAgentID(agentSecret)) {
          throw new RpcError("account-not-found", "the key does not match this account");
        }
      }
      const ackedSeq = this.readAckedSeq(accountId, p.deviceId);
      const history = await History.open(node, account, p.deviceId, ackedSeq);
      step("history opened");
      const session: Session = {
        accountId,
        relay: p.relay,
        seedFingerprint: fingerprint,
        deviceId: p.deviceId,
        deviceName: p.deviceName,
        platform: p.platform,
        ackedSeq,
        node,
        peer,
        storage,
        history,
      };
      this.session = session;
      history.onChange((deviceId) => this.onRemoteChange(deviceId));
      peer.subscribe((connected) => this.onConnection(connected));
      this.state = peer.connected && !peer.closed ? "ONLINE" : "OFFLINE";
      this.writeMeta({ version: 1, accountId, relay: p.relay, deviceId: p.deviceId });
      if (p.create) {
        // Creation counts only once the relay has it: a second device must find it.
        const ok = await this.waitAcked([...history.ownStructure(), accountId as unknown as RawCoID], 10_000);
        if (!ok) log.warn("relay has not acknowledged the new account yet");
      }
      log.info("initialized", { state: this.state, create: p.create });
      return { accountId, state: this.state };
    } catch (err) {
      this.session = undefined;
      this.state = "UNINITIALIZED";
      peer?.disable();
      try {
        await node?.gracefulShutdown();
      } catch {
        /* ignore */
      }
      storage?.db.open && storage.db.close();
      if (!hadStore && !this.readMeta()) this.removeStore();
      this.releaseLock();
      if (err instanceof RpcError) throw err;
      throw err;
    }
  }

  private connect(node: LocalNode, url: string): WebSocketPeerWithReconnection {
    const peer = new WebSocketPeerWithReconnection({
      peer: url,
      reconnectionTimeout: 500,
      addPeer: (x) => node.syncManager.addPeer(x),
      removePeer: () => {},
      WebSocketConstructor: UnmaskedWebSocket as unknown as ConstructorParameters<
        typeof WebSocketPeerWithReconnection
      >[0]["WebSocketConstructor"],
      onPingReceived: ({ serverTime, localReceiveTime }) => {
        this.lastPingDelayMs = Math.max(0, localReceiveTime - serverTime);
      },
    });
    peer.enable();
    return peer;
  }

  /** create:true must not create a second root: probe the relay with a throwaway node first. */
  private async assertRelayLacksAccount(crypto: CryptoProvider, url: string, accountId: RawAccountID): Promise<void> {
    const secret = crypto.newRandomAgentSecret();
    const probe = new LocalNode(secret, crypto.newRandomSessionID(crypto.getAgentID(secret)), crypto);
    const peer = this.connect(probe, url);
    try {
      if (!(await waitConnected(peer, CONNECT_TIMEOUT_MS))) {
        throw new RpcError("relay-unreachable", `relay ${url} unreachable`);
      }
      const found = await withTimeout(probe.load(accountId, true), LOAD_TIMEOUT_MS, "unavailable" as const);
      if (found !== "unavailable") throw new RpcError("account-exists", "the relay already has this account");
    } finally {
      peer.disable();
      await probe.gracefulShutdown().catch(() => undefined);
    }
  }

  private onConnection(connected: boolean): void {
    if (!this.session || this.state === "INITIALIZING" || this.state === "UNINITIALIZED") return;
    const next = connected ? "ONLINE" : "OFFLINE";
    if (next === this.state) return;
    this.state = next;
    log.info("connection", { state: next });
    if (this.subscribed) this.notify("sync.state", { state: next });
  }

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
  private changedDevices = new Set<string>();
  private changeTimer: NodeJS.Immediate | undefined;

  reset(): Promise<{ state: DaemonState }> {
    return this.mutex.run(async () => {
      await this.closeSession(0);
      this.removeStore();
      rmSync(this.metaPath, { force: true });
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
      this.releaseLock();
      return true;
    }
    let acknowledged = false;
    if (flushTimeoutMs > 0) acknowledged = await this.waitAcked(this.pendingIds(), flushTimeoutMs);
    this.noteAcked();
    this.session = undefined;
    s.history.close();
    s.peer.disable();
    try {
      await s.node.gracefulShutdown();
    } catch (err) {
      log.warn("node shutdown", { error: String(err) });
    }
    if (s.storage.db.open) s.storage.db.close();
    this.releaseLock();
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

  connected(): boolean {
    const s = this.session;
    return !!s && s.peer.connected && !s.peer.closed && !!s.node.syncManager.peers[s.relay];
  }

  /** True when every id is uploaded to the relay within the timeout. */
  async waitAcked(ids: Iterable<RawCoID>, timeoutMs: number): Promise<boolean> {
    const s = this.session;
    if (!s) return false;
    const list = [...ids];
    if (list.length === 0) return true;
    if (!this.connected()) return false;
    try {
      await Promise.all(list.map((id) => s.node.syncManager.waitForSyncWithPeer(s.relay, id, Math.max(1, timeoutMs))));
      return this.connected() || list.every((id) => !s.node.syncManager.unsyncedTracker.has(id));
    } catch {
      return false;
    }
  }

  async push(items: WireItem[], ackTimeoutMs: number) {
    const s = this.need();
    const r = await this.mutex.run(async () => {
      const stored = await s.history.push(items);
      // Local durability: the SQLite storage writes synchronously when the
      // transaction is made; wait for the storage's confirmation anyway.
      await Promise.all([...stored.touched].map((id) => s.node.syncManager.waitForStorageSync(id)));
      return stored;
    });
    // Outside the lock, so the next push is stored while the relay takes this
    // one. A value the next push grows is acknowledged only with its growth.
    const acknowledged =
      ackTimeoutMs > 0
        ? await this.waitAcked(r.touched, ackTimeoutMs)
        : this.connected() && [...r.touched].every((id) => this.isSynced(id));
    this.noteAcked();
    return { accepted: r.accepted, duplicates: r.duplicates, acknowledged };
  }

  /** Online, first catches up with the relay (bounded), so a pull returns what the relay holds. */
  async pull(positions: Record<string, number>, limit: number, excludeDeviceId?: string) {
    const s = this.need();
    if (this.connected() && !(await s.history.catchUp(s.relay, CATCH_UP_TIMEOUT_MS, positions))) {
      log.warn("pull: the relay's content is still arriving; answering with what is here");
    }
    return s.history.pull(positions, limit, 8 * 1024 * 1024, excludeDeviceId);
  }

  registerDevice(rec: DeviceRecord) {
    const s = this.need();
    return this.mutex.run(async () => {
      const r = s.history.registerDevice(rec);
      await Promise.all(r.touched.map((id) => s.node.syncManager.waitForStorageSync(id)));
      return { applied: r.applied };
    });
  }

  listDevices() {
    return { devices: this.need().history.listDevices() };
  }

  setPref(rec: PrefRecord) {
    const s = this.need();
    return this.mutex.run(async () => {
      const r = s.history.setPref(rec);
      await Promise.all(r.touched.map((id) => s.node.syncManager.waitForStorageSync(id)));
      return { applied: r.applied };
    });
  }

  listPrefs() {
    return { prefs: this.need().history.listPrefs() };
  }

  requireInitialized(): void {
    this.need();
  }

  // ---- status ----------------------------------------------------------------

  /** Own CoValues (chunks, log, maps) the relay has not confirmed. */
  private pendingIds(): RawCoID[] {
    const s = this.session;
    if (!s) return [];
    const ids: RawCoID[] = [...s.history.ownStructure()];
    for (const c of s.history.ownChunks()) ids.push(c.id);
    return ids.filter((id) => !this.isSynced(id));
  }

  /**
   * Records durably how far the relay holds this device's items, so a restart
   * reloads (and so re-uploads) exactly the chunks it may lack. Only the relay's
   * own confirmation counts: cojson's offline bookkeeping can miss values.
   */
  private noteAcked(): void {
    const s = this.session;
    if (!s || !this.connected()) return;
    const seq = s.history.ackedThrough(s.ackedSeq, (id) => this.isSynced(id));
    if (seq <= s.ackedSeq) return;
    s.ackedSeq = seq;
    const mark: AckMark = { accountId: s.accountId, deviceId: s.deviceId, seq };
    try {
      // Not fsynced (4 ms a push here): a crash can only leave the previous,
      // lower mark or an unreadable file (read as 0), and a low mark only makes
      // the next start re-upload chunks the relay already has.
      writeFileAtomic(this.ackPath, JSON.stringify(mark) + "\n", { durable: false });
    } catch (err) {
      log.warn("could not record the relay's acknowledgement", { error: String(err) });
    }
  }

  private isSynced(id: RawCoID): boolean {
    const s = this.session!;
    const peer = s.node.syncManager.peers[s.relay];
    if (peer && this.connected()) return s.node.syncManager.syncState.isSynced(peer, id);
    return !s.node.syncManager.unsyncedTracker.has(id);
  }

  pendingCount(): number {
    const s = this.session;
    if (!s) return 0;
    let n = 0;
    for (const c of s.history.ownChunks()) if (!this.isSynced(c.id)) n += c.count;
    return n;
  }

  status() {
    const s = this.session;
    return {
      state: this.state,
      accountId: s?.accountId ?? null,
      deviceId: s?.deviceId ?? null,
      relay: s?.relay ?? null,
      connected: this.connected(),
      pending: this.pendingCount(),
    };
  }

  health() {
    const s = this.session;
    let sizeBytes = 0;
    for (const f of [this.storePath, this.storePath + "-wal"]) {
      try {
        sizeBytes += statSync(f).size;
      } catch {
        /* absent */
      }
    }
    const connected = this.connected();
    return {
      healthy: !this.storageFailed,
      uptime: (Date.now() - this.started) / 1000,
      state: this.state,
      relay: { url: s?.relay ?? null, connected, latencyMs: connected ? this.lastPingDelayMs : null },
      storage: { entries: s ? s.history.itemCount() : 0, sizeBytes },
      queue: { pending: this.pendingCount(), failed: 0 },
    };
  }

  // ---- files -------------------------------------------------------------------

  private readMeta(): Meta | undefined {
    try {
      const m = JSON.parse(readFileSync(this.metaPath, "utf8")) as Meta;
      return m && typeof m.accountId === "string" ? m : undefined;
    } catch {
      return undefined;
    }
  }

  private writeMeta(meta: Meta): void {
    writeFileAtomic(this.metaPath, JSON.stringify(meta) + "\n");
  }

  /** 0 (reload every own chunk) when absent, unreadable or of another account or device. */
  private readAckedSeq(accountId: string, deviceId: string): number {
    try {
      const m = JSON.parse(readFileSync(this.ackPath, "utf8")) as AckMark;
      const ok = m && m.accountId === accountId && m.deviceId === deviceId && Number.isSafeInteger(m.seq) && m.seq >= 0;
      return ok ? m.seq : 0;
    } catch {
      return 0;
    }
  }

  private removeStore(): void {
    for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(this.storePath + suffix, { force: true });
    rmSync(this.ackPath, { force: true });
  }

  private acquireLock(): void {
    if (this.lockHeld) return;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(this.lockPath, "wx", 0o600);
        writeFileSync(fd, `${process.pid}\n`);
        closeSync(fd);
        this.lockHeld = true;
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
        const pid = Number(readFileSync(this.lockPath, "utf8").trim());
        if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
          this.state = "UNINITIALIZED";
          throw new RpcError("store-locked", `another daemon (pid ${pid}) owns ${this.dataDir}`);
        }
        rmSync(this.lockPath, { force: true });
      }
    }
    this.state = "UNINITIALIZED";
    throw new RpcError("store-locked", `could not take the lock in ${this.dataDir}`);
  }

  releaseLock(): void {
    if (!this.lockHeld) return;
    this.lockHeld = false;
    try {
      const pid = Number(readFileSync(this.lockPath, "utf8").trim());
      if (pid === process.pid) rmSync(this.lockPath, { force: true });
    } catch {
      /* gone */
    }
  }
}

/**
 * Write-then-rename, so a crash leaves the old file or the new one; `durable`
 * (the default) also fsyncs, so an OS crash cannot leave an empty file either.
 */
function writeFileAtomic(path: string, text: string, { durable = true } = {}): void {
  const tmp = path + ".tmp";
  const fd = openSync(tmp, "w", 0o600);
  try {
    writeFileSync(fd, text);
    if (durable) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function waitConnected(peer: WebSocketPeerWithReconnection, timeoutMs: number): Promise<boolean> {
  if (!peer.closed) return true;
  return withTimeout(
    peer.waitUntilConnected().then(() => true),
    timeoutMs,
    false,
  );
}

function withTimeout<T, F>(p: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => resolve(fallback), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}
