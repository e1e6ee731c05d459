// The synced data: per-device append-only logs of sealed items in bounded chunks,
// device records and preferences, all under the account's root CoMap.
//
// root (CoMap) { version: 1, logs, devices, prefs }
//   logs    (CoMap) deviceId -> DeviceLog id
//   DeviceLog (CoMap) "0", "1", ... -> Chunk id   (chunk k holds seq 1000k .. 1000k+999)
//   Chunk   (CoList of plain JSON StoredItem)     one transaction per push per chunk
//   devices (CoMap) deviceId -> { envelope, updatedAt }
//   prefs   (CoMap) JSON([key, deviceId]) -> { key, envelope, updatedAt, deviceId }
//
// A device's log has exactly one writer (its daemon; one daemon per data dir), and
// every item carries that device's sequence number, so a pull cursor is just
// "how many items of each device were delivered": exact, clock-free, and robust
// against out-of-order arrival (a gap holds later items back).
import type { CoID, JsonValue, LocalNode, RawAccount, RawCoID, RawCoList, RawCoMap, RawCoValue } from "cojson";
import { log } from "../log.js";

export const CHUNK_SIZE = 1000;
/** How often catchUp looks again while the relay's answers stream in. */
const CATCH_UP_POLL_MS = 5;

export interface WireItem {
  id: string;
  deviceId: string;
  createdAt: number;
  envelope?: string;
  op?: "delete";
}

export interface StoredItem extends WireItem {
  seq: number;
}

export interface DeviceRecord {
  deviceId: string;
  envelope: string;
  updatedAt: number;
}

export interface PrefRecord {
  key: string;
  envelope: string;
  updatedAt: number;
  deviceId: string;
}

type AnyMap = RawCoMap<{ [key: string]: JsonValue | undefined }>;
type ChunkList = RawCoList<JsonValue>;

/** A decoded, indexed view of one chunk, rebuilt when the chunk grows. */
class ChunkView {
  length = -1;
  /** slots[seq - base] */
  slots: (StoredItem | undefined)[] = [];
  count = 0;
  constructor(
    readonly id: RawCoID,
    readonly deviceId: string,
    readonly index: number,
    readonly list: ChunkList,
  ) {}

  get base(): number {
    return this.index * CHUNK_SIZE;
  }

  /** Re-reads the list; returns the items that are new since the last refresh. */
  refresh(): StoredItem[] {
    // Full chunks never change (one writer, capped); length() is cached by cojson.
    if (this.count >= CHUNK_SIZE) return [];
    const n = this.list.length();
    if (n === this.length) return [];
    const raw = this.list.asArray();
    this.length = n;
    const fresh: StoredItem[] = [];
    for (const value of raw) {
      const item = value as unknown as StoredItem;
      if (!item || typeof item !== "object" || typeof item.seq !== "number") continue;
      const slot = item.seq - this.base;
      if (slot < 0 || slot >= CHUNK_SIZE || this.slots[slot]) continue;
      this.slots[slot] = item;
      this.count++;
      fresh.push(item);
    }
    return fresh;
  }

  /** One past the highest seq present. */
  nextSeq(): number {
    for (let i = this.slots.length - 1; i >= 0; i--) if (this.slots[i]) return this.base + i + 1;
    return this.base;
  }
}

class DeviceLogView {
  chunks = new Map<number, ChunkView>();
  constructor(
    readonly deviceId: string,
    readonly map: AnyMap,
  ) {}

  chunkIds(): Map<number, RawCoID> {
    const out = new Map<number, RawCoID>();
    for (const key of this.map.keys()) {
      const k = Number(key);
      const id = this.map.get(key);
      if (Number.isInteger(k) && k >= 0 && typeof id === "string") out.set(k, id as RawCoID);
    }
    return out;
  }
}

export interface PushOutcome {
  accepted: number;
  duplicates: number;
  /** CoValues that must reach the relay for this push to count as acknowledged. */
  touched: Set<RawCoID>;
}

export interface PullOutcome {
  entries: WireItem[];
  positions: Record<string, number>;
  hasMore: boolean;
}

export class History {
  private logsMap!: AnyMap;
  private devicesMap!: AnyMap;
  private prefsMap!: AnyMap;
  private logs = new Map<string, DeviceLogView>();
  private ownLog!: DeviceLogView;
  private nextSeq = 0;
  /** entry id -> chunk holding it */
  private entryIds = new Map<string, RawCoID>();
  /** tombstoned id -> chunk holding the tombstone */
  private tombstones = new Map<string, RawCoID>();
  private unsubscribers: (() => void)[] = [];
  private watched = new Set<RawCoID>();
  private changeListener: ((deviceId: string) => void) | undefined;

  private constructor(
    readonly node: LocalNode,
    readonly account: RawAccount,
    readonly deviceId: string,
  ) {}

  /** Creates the root structure in a freshly created account. */
  static createRoot(account: RawAccount): void {
    const logs = account.createMap();
    const devices = account.createMap();
    const prefs = account.createMap();
    const root = account.createMap({ version: 1, logs: logs.id, devices: devices.id, prefs: prefs.id });
    account.set("root", root.id, "trusting");
  }

  /**
   * `ackedSeq`: how many of this device's items the relay is known to hold (see
   * ackedThrough). The own chunks from there on are loaded now: loading a value
   * is what makes cojson reconcile it with the relay, and cojson's own record of
   * unsynced values does not reliably survive a crash.
   */
  static async open(node: LocalNode, account: RawAccount, deviceId: string, ackedSeq = 0): Promise<History> {
    const h = new History(node, account, deviceId);
    await h.init(ackedSeq);
    return h;
  }

  private async load<T extends RawCoValue>(id: RawCoID, what: string): Promise<T> {
    const value = await this.node.load(id as CoID<T>);
    if (value === "unavailable") throw new Error(`${what} unavailable`);
    await waitStreamed(value);
    return value;
  }

  private async init(ackedSeq: number): Promise<void> {
    const rootId = this.account.get("root") as RawCoID | undefined;
    if (!rootId) throw new Error("account has no root");
    const root = await this.load<AnyMap>(rootId, "root");
    const get = (k: string) => {
      const v = root.get(k);
      if (typeof v !== "string") throw new Error(`root.${k} missing`);
      return v as RawCoID;
    };
    [this.logsMap, this.devicesMap, this.prefsMap] = await Promise.all([
      this.load<AnyMap>(get("logs"), "logs"),
      this.load<AnyMap>(get("devices"), "devices"),
      this.load<AnyMap>(get("prefs"), "prefs"),
    ]);
    let ownId = this.logsMap.get(this.deviceId) as RawCoID | undefined;
    if (!ownId) {
      const map = this.account.createMap() as AnyMap;
      this.logsMap.set(this.deviceId, map.id);
      ownId = map.id;
      log.info("created device log");
    }
    // Only what the next push needs: this device's log, its last chunk and any
    // chunk the relay may lack. The rest (other devices, the id index) loads in
    // the background right away and is awaited by the first push or pull.
    const ownMap = await this.load<AnyMap>(ownId, "own device log");
    if (!this.logs.has(this.deviceId)) this.logs.set(this.deviceId, new DeviceLogView(this.deviceId, ownMap));
    this.ownLog = this.logs.get(this.deviceId)!;
    const ids = this.ownLog.chunkIds();
    const last = ids.size ? Math.max(...ids.keys()) : -1;
    const first = Math.min(last, Math.floor(ackedSeq / CHUNK_SIZE));
    const loads: Promise<void>[] = [];
    for (const [k, id] of ids) {
      if (k < first) continue;
      loads.push(
        this.load<ChunkList>(id, "own chunk").then((list) => {
          if (this.ownLog.chunks.has(k)) return;
          const c = new ChunkView(list.id, this.deviceId, k, list);
          this.ownLog.chunks.set(k, c);
          this.indexItems(c, c.refresh());
        }),
      );
    }
    await Promise.all(loads);
    this.nextSeq = last >= 0 ? this.ownLog.chunks.get(last)!.nextSeq() : 0;
    this.watch(this.logsMap);
    // Every device's log and its newest chunk, so their changes are noticed and a
    // pull that is up to date costs nothing. Older chunks (the id index for push
    // and for hiding deleted entries) load when a push or a pull needs them.
    // Deferred one macrotask so the caller's answer (sync.init) is written first.
    this.background = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.refreshOnce(newestChunk))
      .catch((err) => log.warn("initial load", { error: String(err) }));
  }

  /** The initial background load (tests and benchmarks may await it). */
  background: Promise<void> = Promise.resolve();

  private refreshRunning: Promise<void> | undefined;
  private refreshQueued: Promise<void> | undefined;

  /**
   * Brings the in-memory index up to date with every log and chunk in the store.
   * Single-flight: a call while one runs waits for it and then runs once more
   * (coalesced), so a caller always sees everything known when it called.
   */
  refresh(): Promise<void> {
    if (this.refreshQueued) return this.refreshQueued;
    if (!this.refreshRunning) {
      this.refreshRunning = this.refreshOnce().finally(() => {
        this.refreshRunning = undefined;
      });
      return this.refreshRunning;
    }
    this.refreshQueued = this.refreshRunning
      .catch(() => undefined)
      .then(() => {
        this.refreshQueued = undefined;
        return this.refresh();
      });
    return this.refreshQueued;
  }

  /**
   * Loads every device's log and, of each log, the chunks from `firstChunk(view)`
   * on (default: all of them), and indexes what is new.
   */
  private async refreshOnce(firstChunk: (view: DeviceLogView) => number = () => 0): Promise<void> {
    const loads: Promise<void>[] = [];
    for (const deviceId of this.logsMap.keys()) {
      const logId = this.logsMap.get(deviceId);
      if (typeof logId !== "string") continue;
      let view = this.logs.get(deviceId);
      if (!view) {
        loads.push(
          (async () => {
            const map = await this.node.load(logId as CoID<AnyMap>);
            if (map === "unavailable") return;
            await waitStreamed(map);
            if (this.logs.has(deviceId)) return;
            const v = new DeviceLogView(deviceId, map);
            this.logs.set(deviceId, v);
            if (deviceId !== this.deviceId) this.watch(map);
            await this.refreshLog(v, firstChunk(v));
          })(),
        );
      } else {
        loads.push(this.refreshLog(view, firstChunk(view)));
      }
    }
    await Promise.all(loads);
  }

  private async refreshLog(view: DeviceLogView, firstChunk: number): Promise<void> {
    const loads: Promise<void>[] = [];
    for (const [k, id] of view.chunkIds()) {
      const chunk = view.chunks.get(k);
      if (chunk) {
        this.indexItems(chunk, chunk.refresh());
        continue;
      }
      if (k < firstChunk) continue;
      loads.push(
        (async () => {
          const list = await this.node.load(id as CoID<ChunkList>);
          if (list === "unavailable") return;
          await waitStreamed(list);
          if (view.chunks.has(k)) return;
          const c = new ChunkView(id, view.deviceId, k, list);
          view.chunks.set(k, c);
          this.indexItems(c, c.refresh());
          if (c.count < CHUNK_SIZE && view.deviceId !== this.deviceId) this.watch(list);
        })(),
      );
    }
    await Promise.all(loads);
  }

  /**
   * Waits until the local store holds everything the relay (`peerId`) said it
   * has of the account's logs, devices and preferences, loading what that
   * reveals (new devices, new chunks) on the way. True when caught up, false
   * at the timeout. Costs one round trip after a connection, nothing after.
   */
  async catchUp(peerId: string, timeoutMs: number, positions: Record<string, number>): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.refreshOnce(afterPositions(positions));
      if (!this.behind(peerId)) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, CATCH_UP_POLL_MS));
    }
  }

  /** Whether the relay has told of content the local store lacks, or has not answered yet. */
  private behind(peerId: string): boolean {
    const peer = this.node.syncManager.peers[peerId];
    if (!peer) return false;
    return this.mutableIds().some((id) => {
      const theirs = peer.getKnownState(id);
      if (!theirs) return true;
      const ours = this.node.getCoValue(id).knownState().sessions;
      return Object.entries(theirs.sessions).some(([session, n]) => (ours[session as keyof typeof ours] ?? 0) < n);
    });
  }

  /** Whether every chunk of every device log is loaded (the id and tombstone index is complete). */
  private indexComplete(): boolean {
    if ([...this.logsMap.keys()].some((d) => !this.logs.has(d))) return false;
    for (const view of this.logs.values()) {
      for (const k of view.chunkIds().keys()) if (!view.chunks.has(k)) return false;
    }
    return true;
  }

  /** Every CoValue that can still grow: full chunks never change. Of the chunks, only those loaded. */
  private mutableIds(): RawCoID[] {
    const ids: RawCoID[] = [this.logsMap.id, this.devicesMap.id, this.prefsMap.id];
    for (const view of this.logs.values()) {
      ids.push(view.map.id);
      for (const chunk of view.chunks.values()) if (chunk.count < CHUNK_SIZE) ids.push(chunk.id);
    }
    return ids;
  }

  private indexItems(chunk: ChunkView, items: StoredItem[]): void {
    for (const item of items) {
      if (item.op === "delete") {
        if (!this.tombstones.has(item.id)) this.tombstones.set(item.id, chunk.id);
      } else if (!this.entryIds.has(item.id)) {
        this.entryIds.set(item.id, chunk.id);
      }
    }
  }

  /** Subscribes to a CoValue so remote changes are noticed (and it stays live). */
  private watch(value: RawCoValue): void {
    if (this.watched.has(value.id)) return;
    this.watched.add(value.id);
    let first = true;
    const unsub = value.subscribe(() => {
      if (first) {
        first = false;
        return;
      }
      this.onRemoteChange();
    });
    this.unsubscribers.push(unsub);
  }

  private changeScheduled = false;
  private onRemoteChange(): void {
    if (this.changeScheduled) return;
    this.changeScheduled = true;
    setImmediate(() => {
      this.changeScheduled = false;
      void this.detectChanges();
    });
  }

  /** Per other device: the item count last announced through onChange. */
  private announced = new Map<string, number>();

  private async detectChanges(): Promise<void> {
    try {
      await this.refresh();
    } catch (err) {
      log.warn("refresh after remote change failed", { error: String(err) });
      return;
    }
    // Compared with what was announced (not with a snapshot taken here): items
    // indexed meanwhile by a push's or pull's refresh are still announced.
    for (const [d, v] of this.logs) {
      if (d === this.deviceId) continue;
      const n = countItems(v);
      if (n > (this.announced.get(d) ?? 0)) {
        this.announced.set(d, n);
        this.changeListener?.(d);
      }
    }
  }

  onChange(listener: (deviceId: string) => void): void {
    this.changeListener = listener;
  }

  close(): void {
    for (const u of this.unsubscribers) u();
    this.unsubscribers = [];
  }

  // ---- entries -------------------------------------------------------------

  async push(items: WireItem[]): Promise<PushOutcome & { duplicateIds: string[] }> {
    await this.refresh();
    const touched = new Set<RawCoID>();
    const fresh: WireItem[] = [];
    const seen = new Set<string>();
    const duplicateIds: string[] = [];
    for (const item of items) {
      const isDelete = item.op === "delete";
      const key = (isDelete ? "d:" : "e:") + item.id;
      let existing: RawCoID | undefined;
      if (isDelete) existing = this.tombstones.get(item.id);
      else existing = this.entryIds.get(item.id) ?? this.tombstones.get(item.id);
      if (existing || seen.has(key)) {
        if (existing) touched.add(existing);
        duplicateIds.push(item.id);
        continue;
      }
      seen.add(key);
      fresh.push(item);
    }
    // Group by chunk, one transaction per chunk.
    let i = 0;
    while (i < fresh.length) {
      const k = Math.floor(this.nextSeq / CHUNK_SIZE);
      const room = (k + 1) * CHUNK_SIZE - this.nextSeq;
      const slice = fresh.slice(i, i + room);
      const chunk = this.ownChunk(k);
      const stored: StoredItem[] = slice.map((it, j) => toStored(it, this.nextSeq + j));
      chunk.list.appendItems(stored as unknown as JsonValue[]);
      this.indexItems(chunk, chunk.refresh());
      touched.add(chunk.id);
      this.nextSeq += slice.length;
      i += slice.length;
    }
    if (fresh.length) touched.add(this.ownLog.map.id);
    return { accepted: fresh.length, duplicates: items.length - fresh.length, touched, duplicateIds };
  }

  private ownChunk(k: number): ChunkView {
    const existing = this.ownLog.chunks.get(k);
    if (existing) return existing;
    const list = this.account.createList() as ChunkList;
    this.ownLog.map.set(String(k), list.id);
    const view = new ChunkView(list.id, this.deviceId, k, list);
    view.refresh();
    this.ownLog.chunks.set(k, view);
    return view;
  }

  /** Reads items after `positions` (per-device delivered counts). */
  async pull(
    positions: Record<string, number>,
    limit: number,
    maxBytes: number,
    excludeDeviceId?: string,
  ): Promise<PullOutcome> {
    // The chunks after the cursor hold what is to deliver; an entry among them may
    // have been deleted by a tombstone in any chunk, so delivering entries needs
    // the whole index. Nothing to deliver (the usual sync) needs neither.
    await this.refreshOnce(afterPositions(positions));
    const partial = this.read(positions, limit, maxBytes, excludeDeviceId);
    if (!partial.entries.some((e) => e.op !== "delete") || this.indexComplete()) return partial;
    await this.refresh();
    return this.read(positions, limit, maxBytes, excludeDeviceId);
  }

  private read(
    positions: Record<string, number>,
    limit: number,
    maxBytes: number,
    excludeDeviceId?: string,
  ): PullOutcome {
    const out: WireItem[] = [];
    const next: Record<string, number> = { ...positions };
    let bytes = 0;
    let hasMore = false;
    const devices = [...this.logs.keys()].sort();
    outer: for (const deviceId of devices) {
      const view = this.logs.get(deviceId)!;
      let pos = next[deviceId] ?? 0;
      for (;;) {
        const chunk = view.chunks.get(Math.floor(pos / CHUNK_SIZE));
        const item = chunk?.slots[pos - chunk.base];
        if (!item) break;
        const deliver = deviceId !== excludeDeviceId && !(item.op !== "delete" && this.tombstones.has(item.id));
        if (deliver) {
          const wire = toWire(item);
          const size = approxSize(wire);
          if (out.length >= limit || (out.length > 0 && bytes + size > maxBytes)) {
            hasMore = true;
            if (pos > 0) next[deviceId] = pos;
            break outer;
          }
          out.push(wire);
          bytes += size;
        }
        pos++;
      }
      if (pos > 0) next[deviceId] = pos;
    }
    return { entries: out, positions: next, hasMore };
  }

  /**
   * How many of this device's items the relay holds, given that it held `ackedSeq`
   * and which values it has confirmed (`synced`): the own chunks are checked in
   * order from there, up to the first one it lacks.
   */
  ackedThrough(ackedSeq: number, synced: (id: RawCoID) => boolean): number {
    if (!synced(this.logsMap.id) || !synced(this.ownLog.map.id)) return ackedSeq;
    let acked = ackedSeq;
    for (let k = Math.floor(ackedSeq / CHUNK_SIZE); ; k++) {
      const chunk = this.ownLog.chunks.get(k);
      if (!chunk || !synced(chunk.id)) return acked;
      acked = Math.max(acked, chunk.nextSeq());
      if (chunk.count < CHUNK_SIZE) return acked;
    }
  }

  /** This device's loaded chunks: at least the newest and every one the relay may lack. */
  ownChunks(): ChunkView[] {
    return [...this.ownLog.chunks.values()];
  }

  ownStructure(): RawCoID[] {
    return [this.logsMap.id, this.ownLog.map.id, this.devicesMap.id, this.prefsMap.id];
  }

  itemCount(): number {
    let n = 0;
    for (const v of this.logs.values()) n += countItems(v);
    return n;
  }

  // ---- devices and prefs ----------------------------------------------------

  registerDevice(rec: DeviceRecord): { applied: boolean; touched: RawCoID[] } {
    const current = this.devicesMap.get(rec.deviceId) as unknown as Omit<DeviceRecord, "deviceId"> | undefined;
    if (current && typeof current.updatedAt === "number" && current.updatedAt > rec.updatedAt) {
      return { applied: false, touched: [] };
    }
    this.devicesMap.set(rec.deviceId, { envelope: rec.envelope, updatedAt: rec.updatedAt });
    return { applied: true, touched: [this.devicesMap.id] };
  }

  listDevices(): DeviceRecord[] {
    const out: DeviceRecord[] = [];
    for (const deviceId of this.devicesMap.keys()) {
      const v = this.devicesMap.get(deviceId) as unknown as Omit<DeviceRecord, "deviceId"> | undefined;
      if (!v || typeof v.envelope !== "string" || typeof v.updatedAt !== "number") continue;
      out.push({ deviceId, envelope: v.envelope, updatedAt: v.updatedAt });
    }
    return out.sort((a, b) => cmpStr(a.deviceId, b.deviceId));
  }

  setPref(rec: PrefRecord): { applied: boolean; touched: RawCoID[] } {
    const winner = this.prefWinners().get(rec.key);
    if (winner && cmpPref(winner, rec) >= 0) return { applied: false, touched: [] };
    this.prefsMap.set(JSON.stringify([rec.key, rec.deviceId]), { ...rec });
    return { applied: true, touched: [this.prefsMap.id] };
  }

  listPrefs(): PrefRecord[] {
    return [...this.prefWinners().values()].sort((a, b) => cmpStr(a.key, b.key));
  }

  private prefWinners(): Map<string, PrefRecord> {
    const winners = new Map<string, PrefRecord>();
    for (const slot of this.prefsMap.keys()) {
      const v = this.prefsMap.get(slot) as unknown as PrefRecord | undefined;
      if (!v || typeof v.key !== "string" || typeof v.envelope !== "string") continue;
      if (typeof v.updatedAt !== "number" || typeof v.deviceId !== "string") continue;
      const rec = { key: v.key, envelope: v.envelope, updatedAt: v.updatedAt, deviceId: v.deviceId };
      const w = winners.get(rec.key);
      if (!w || cmpPref(rec, w) > 0) winners.set(rec.key, rec);
    }
    return winners;
  }
}

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function cmpPref(a: PrefRecord, b: PrefRecord): number {
  return a.updatedAt !== b.updatedAt ? (a.updatedAt < b.updatedAt ? -1 : 1) : cmpStr(a.deviceId, b.deviceId);
}

/** The newest chunk of each log. */
function newestChunk(view: DeviceLogView): number {
  return Math.max(0, ...view.chunkIds().keys());
}

/** Per log, the chunk holding the item after `positions` (earlier chunks are full and delivered). */
function afterPositions(positions: Record<string, number>): (view: DeviceLogView) => number {
  return (view) => Math.floor((positions[view.deviceId] ?? 0) / CHUNK_SIZE);
}

function countItems(v: DeviceLogView): number {
  let n = 0;
  for (const c of v.chunks.values()) n += c.count;
  return n;
}

function toStored(item: WireItem, seq: number): StoredItem {
  return item.op === "delete"
    ? { seq, id: item.id, deviceId: item.deviceId, createdAt: item.createdAt, op: "delete" }
    : { seq, id: item.id, deviceId: item.deviceId, createdAt: item.createdAt, envelope: item.envelope };
}

function toWire(item: StoredItem): WireItem {
  return item.op === "delete"
    ? { id: item.id, deviceId: item.deviceId, createdAt: item.createdAt, op: "delete" }
    : { id: item.id, deviceId: item.deviceId, createdAt: item.createdAt, envelope: item.envelope };
}

function approxSize(item: WireItem): number {
  return 80 + item.id.length + item.deviceId.length + (item.envelope?.length ?? 0);
}

/** Waits until a CoValue loaded from a peer has all of its content (large values stream in pieces). */
export async function waitStreamed(value: RawCoValue, timeoutMs = 10_000): Promise<void> {
  const core = value.core;
  if (!core.isStreaming()) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      unsub();
      resolve();
    }, timeoutMs);
    const unsub = core.subscribe(() => {
      if (!core.isStreaming()) {
        clearTimeout(timer);
        queueMicrotask(() => unsub());
        resolve();
      }
    });
  });
}
