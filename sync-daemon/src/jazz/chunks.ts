// The chunk index: an in-memory, decoded view of every device's log (DeviceLog
// CoMap "0", "1", ... -> Chunk CoList of StoredItem, chunk k holding seq
// 1000k .. 1000k+999), with the entry-id and tombstone index a push dedupes
// against and a pull hides deleted entries with. It loads lazily: only what a
// caller asks for, and a full chunk is never read twice (one writer, capped).
import type { CoID, JsonValue, LocalNode, RawCoID, RawCoList, RawCoMap, RawCoValue } from "cojson";
import type { WireItem } from "../protocol/types.js";

export const CHUNK_SIZE = 1000;
/** How often catchUp looks again while the relay's answers stream in. */
const CATCH_UP_POLL_MS = 5;

/** An item as a chunk stores it: the wire item and its device's sequence number. */
export interface StoredItem extends WireItem {
  seq: number;
}

export type AnyMap = RawCoMap<{ [key: string]: JsonValue | undefined }>;
export type ChunkList = RawCoList<JsonValue>;

/** A decoded, indexed view of one chunk, rebuilt when the chunk grows. */
export class ChunkView {
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

export class DeviceLogView {
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

  itemCount(): number {
    let n = 0;
    for (const c of this.chunks.values()) n += c.count;
    return n;
  }
}

/** Which chunk of a log to load from. */
export type FirstChunk = (view: DeviceLogView) => number;

/** The newest chunk of each log. */
export const newestChunk: FirstChunk = (view) => Math.max(0, ...view.chunkIds().keys());

/** Per log, the chunk holding the item after `positions` (earlier chunks are full and delivered). */
export function afterPositions(positions: Record<string, number>): FirstChunk {
  return (view) => Math.floor((positions[view.deviceId] ?? 0) / CHUNK_SIZE);
}

export class ChunkIndex {
  readonly logs = new Map<string, DeviceLogView>();
  /** entry id -> chunk holding it */
  readonly entryIds = new Map<string, RawCoID>();
  /** tombstoned id -> chunk holding the tombstone */
  readonly tombstones = new Map<string, RawCoID>();
  private refreshRunning: Promise<void> | undefined;
  private refreshQueued: Promise<void> | undefined;

  /**
   * `watch` is called with every other device's log and not-yet-full chunk as it
   * loads (change detection subscribes to them).
   */
  constructor(
    private readonly node: LocalNode,
    readonly logsMap: AnyMap,
    readonly ownDeviceId: string,
    private readonly watch: (value: RawCoValue) => void,
  ) {}

  /** Adds a loaded chunk to its log's view and indexes its items. */
  addChunk(view: DeviceLogView, k: number, list: ChunkList): ChunkView {
    const c = new ChunkView(list.id, view.deviceId, k, list);
    view.chunks.set(k, c);
    this.indexItems(c, c.refresh());
    return c;
  }

  indexItems(chunk: ChunkView, items: StoredItem[]): void {
    for (const item of items) {
      if (item.op === "delete") {
        if (!this.tombstones.has(item.id)) this.tombstones.set(item.id, chunk.id);
      } else if (!this.entryIds.has(item.id)) {
        this.entryIds.set(item.id, chunk.id);
      }
    }
  }

  /**
   * Brings the index up to date with every log and chunk in the store.
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
  async refreshOnce(firstChunk: FirstChunk = () => 0): Promise<void> {
    const loads: Promise<void>[] = [];
    for (const deviceId of this.logsMap.keys()) {
      const logId = this.logsMap.get(deviceId);
      if (typeof logId !== "string") continue;
      const view = this.logs.get(deviceId);
      if (!view) {
        loads.push(
          (async () => {
            const map = await this.node.load(logId as CoID<AnyMap>);
            if (map === "unavailable") return;
            await waitStreamed(map);
            if (this.logs.has(deviceId)) return;
            const v = new DeviceLogView(deviceId, map);
            this.logs.set(deviceId, v);
            if (deviceId !== this.ownDeviceId) this.watch(map);
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
          const c = this.addChunk(view, k, list);
          if (c.count < CHUNK_SIZE && view.deviceId !== this.ownDeviceId) this.watch(list);
        })(),
      );
    }
    await Promise.all(loads);
  }

  /** Whether every chunk of every device log is loaded (the id and tombstone index is complete). */
  complete(): boolean {
    if ([...this.logsMap.keys()].some((d) => !this.logs.has(d))) return false;
    for (const view of this.logs.values()) {
      for (const k of view.chunkIds().keys()) if (!view.chunks.has(k)) return false;
    }
    return true;
  }

  /** Every log and loaded chunk that can still grow: full chunks never change. */
  mutableIds(): RawCoID[] {
    const ids: RawCoID[] = [this.logsMap.id];
    for (const view of this.logs.values()) {
      ids.push(view.map.id);
      for (const chunk of view.chunks.values()) if (chunk.count < CHUNK_SIZE) ids.push(chunk.id);
    }
    return ids;
  }

  /**
   * Waits until the local store holds everything the relay (`peerId`) said it has
   * of `extra` and of the logs, loading what that reveals (new devices, new
   * chunks) on the way. True when caught up, false at the timeout. Costs one
   * round trip after a connection, nothing after.
   */
  async catchUp(peerId: string, timeoutMs: number, positions: Record<string, number>, extra: RawCoID[]): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.refreshOnce(afterPositions(positions));
      if (!this.behind(peerId, [...extra, ...this.mutableIds()])) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, CATCH_UP_POLL_MS));
    }
  }

  /** Whether the relay has told of content the local store lacks, or has not answered yet. */
  private behind(peerId: string, ids: RawCoID[]): boolean {
    const peer = this.node.syncManager.peers[peerId];
    if (!peer) return false;
    return ids.some((id) => {
      const theirs = peer.getKnownState(id);
      if (!theirs) return true;
      const ours = this.node.getCoValue(id).knownState().sessions;
      return Object.entries(theirs.sessions).some(([session, n]) => (ours[session as keyof typeof ours] ?? 0) < n);
    });
  }

  itemCount(): number {
    let n = 0;
    for (const v of this.logs.values()) n += v.itemCount();
    return n;
  }
}

/** Loads a CoValue and waits until all of its content has streamed in; throws when unavailable. */
export async function loadValue<T extends RawCoValue>(node: LocalNode, id: RawCoID, what: string): Promise<T> {
  const value = await node.load(id as CoID<T>);
  if (value === "unavailable") throw new Error(`${what} unavailable`);
  await waitStreamed(value);
  return value;
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
