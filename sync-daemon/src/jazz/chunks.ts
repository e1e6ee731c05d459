// One device's log as the daemon sees it: the log CoMap ("0", "1", … → Chunk
// CoList, chunk k holding seq 1000k .. 1000k+999; "head" → the current head map)
// and, decoded on demand, only the chunks a caller asks for. Nothing here indexes
// ids or scans a whole log: a push needs the own newest chunk, a pull the chunks
// after its cursor, and a delivered full chunk can be released from memory.
import type { CoID, JsonValue, LocalNode, RawCoID, RawCoList, RawCoMap, RawCoValue } from "cojson";
import type { HeadItem } from "../protocol/types.js";
import { noteReleased } from "./memory.js";

export const CHUNK_SIZE = 1000;

/** A record as a chunk stores it: the hints besides the device (the log's) and the envelope. */
export interface StoredRecord {
  seq: number;
  kind: string;
  id: string;
  epoch: number;
  envelope: string;
}

export type AnyMap = RawCoMap<{ [key: string]: JsonValue | undefined }>;
export type ChunkList = RawCoList<JsonValue>;

/** Where a log's current head lives: a small CoMap per chunk of heads, so no map grows without bound. */
export interface HeadRef {
  chunk: number;
  map: RawCoID;
}

/** A decoded view of one chunk, re-read when the chunk grows. */
export class ChunkView {
  private length = -1;
  /** slots[seq - base]: the first record stored for that seq, in CoList order. */
  readonly slots: (StoredRecord | undefined)[] = [];
  count = 0;
  /** Seqs for which a second, different record is stored (two writers of one log). */
  readonly forks = new Set<number>();

  constructor(
    readonly index: number,
    readonly list: ChunkList,
  ) {}

  get id(): RawCoID {
    return this.list.id;
  }

  get base(): number {
    return this.index * CHUNK_SIZE;
  }

  get full(): boolean {
    return this.count >= CHUNK_SIZE;
  }

  /** Re-reads the list when it changed. */
  refresh(): void {
    const n = this.list.length();
    if (n === this.length) return;
    this.length = n;
    for (const value of this.list.asArray()) {
      const rec = value as unknown as StoredRecord;
      if (!rec || typeof rec !== "object" || typeof rec.seq !== "number" || typeof rec.envelope !== "string") continue;
      const slot = rec.seq - this.base;
      if (!Number.isInteger(slot) || slot < 0 || slot >= CHUNK_SIZE) continue;
      const held = this.slots[slot];
      if (!held) {
        this.slots[slot] = rec;
        this.count++;
      } else if (held.envelope !== rec.envelope) {
        this.forks.add(rec.seq);
      }
    }
  }

  /** One past the highest seq present. */
  nextSeq(): number {
    for (let i = this.slots.length - 1; i >= 0; i--) if (this.slots[i]) return this.base + i + 1;
    return this.base;
  }

  /** The lowest seq present after `seq`, if any. */
  presentAfter(seq: number): number | undefined {
    for (let i = Math.max(0, seq - this.base + 1); i < this.slots.length; i++) if (this.slots[i]) return this.base + i;
    return undefined;
  }
}

export class DeviceLogView {
  readonly chunks = new Map<number, ChunkView>();
  /** Forks seen in any chunk of this log, kept when the chunk is released. */
  readonly forks = new Set<number>();
  headMap: AnyMap | undefined;
  /**
   * Chunks below this index may be released. Another device's log: any (it is
   * read only). The own log: those the relay has acknowledged (OwnLog), as the
   * ones after are still checked for its acknowledgement.
   */
  releasableBelow = Infinity;

  constructor(
    readonly deviceId: string,
    readonly map: AnyMap,
    private readonly node: LocalNode,
  ) {}

  chunkIds(): Map<number, RawCoID> {
    const out = new Map<number, RawCoID>();
    for (const key of this.map.keys()) {
      if (!/^\d+$/.test(key)) continue;
      const id = this.map.get(key);
      if (typeof id === "string") out.set(Number(key), id as RawCoID);
    }
    return out;
  }

  /** The index of the newest chunk, -1 when the log has none. */
  newestIndex(): number {
    let max = -1;
    for (const k of this.chunkIds().keys()) if (k > max) max = k;
    return max;
  }

  /** Chunk k, loaded (from the store or the relay) and decoded; undefined when the log has no chunk k. */
  async chunk(k: number): Promise<ChunkView | undefined> {
    const held = this.chunks.get(k);
    if (held) {
      held.refresh();
      return held;
    }
    const id = this.chunkIds().get(k);
    if (!id) return undefined;
    const list = await loadValue<ChunkList>(this.node, id, `chunk ${k} of a device log`);
    return this.adopt(k, list);
  }

  /** Takes a chunk list (loaded or just created) into the view. */
  adopt(k: number, list: ChunkList): ChunkView {
    const held = this.chunks.get(k);
    if (held) return held;
    const c = new ChunkView(k, list);
    c.refresh();
    for (const s of c.forks) this.forks.add(s);
    this.chunks.set(k, c);
    return c;
  }

  /** Re-reads the loaded chunks; collects forks. */
  refresh(): void {
    for (const c of this.chunks.values()) {
      c.refresh();
      for (const s of c.forks) this.forks.add(s);
    }
  }

  /**
   * Drops a delivered chunk from memory (cojson keeps a shell with its known
   * state). Only full chunks the relay holds go, never the newest: they never
   * change again, and the newest counts the log's records.
   */
  release(k: number): void {
    const c = this.chunks.get(k);
    if (!c || !c.full || k >= this.releasableBelow || k === this.newestIndex()) return;
    if (!this.node.internalUnmountCoValue(c.id)) return;
    this.chunks.delete(k);
    noteReleased();
  }

  /** The lowest seq present after `seq` (loading at most the chunks up to the first that has one). */
  async presentAfter(seq: number): Promise<number | undefined> {
    const k = Math.floor(seq / CHUNK_SIZE);
    const here = (await this.chunk(k))?.presentAfter(seq);
    if (here !== undefined) return here;
    const later = [...this.chunkIds().keys()].filter((i) => i > k).sort((a, b) => a - b);
    for (const i of later) {
      const c = await this.chunk(i);
      const s = c?.presentAfter(c.base - 1);
      if (s !== undefined) return s;
    }
    return undefined;
  }

  headRef(): HeadRef | undefined {
    const v = this.map.get("head") as unknown as HeadRef | undefined;
    return v && typeof v === "object" && typeof v.chunk === "number" && typeof v.map === "string" ? v : undefined;
  }

  /** The head map the log names now, loaded. */
  async loadHeadMap(): Promise<AnyMap | undefined> {
    const ref = this.headRef();
    if (!ref) return undefined;
    if (this.headMap?.id !== ref.map) this.headMap = await loadValue<AnyMap>(this.node, ref.map, "head map");
    return this.headMap;
  }

  /** The latest stored head, as loaded (call loadHeadMap first). */
  head(): HeadItem | undefined {
    const v = this.headMap?.get("head") as unknown as HeadItem | undefined;
    if (!v || typeof v !== "object" || typeof v.seq !== "number" || typeof v.epoch !== "number" || typeof v.envelope !== "string") {
      return undefined;
    }
    return { seq: v.seq, epoch: v.epoch, envelope: v.envelope };
  }

  /** Records in the log, from its chunk count and newest chunk (loaded or not: then a lower bound). */
  recordCount(): number {
    const k = this.newestIndex();
    if (k < 0) return 0;
    const newest = this.chunks.get(k);
    return k * CHUNK_SIZE + (newest ? newest.count : 0);
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
