// The entry log: appends this device's items to its own log (one writer per
// device log, every item numbered with the device's sequence number, one
// or more transactions per push per chunk, each under cojson's size limit:
// transactions.ts) and reads every device's items after a pull
// cursor ("how many items of each device were delivered": exact, clock-free,
// and robust against out-of-order arrival, since a gap holds later items back).
import type { JsonValue, RawAccount, RawCoID } from "cojson";
import type { WireItem } from "../protocol/types.js";
import { afterPositions, CHUNK_SIZE, type ChunkIndex, type ChunkList, type ChunkView, type DeviceLogView, type StoredItem } from "./chunks.js";
import { transactionGroups } from "./transactions.js";

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

export class EntryLog {
  constructor(
    private readonly account: RawAccount,
    private readonly index: ChunkIndex,
    private readonly ownLog: DeviceLogView,
    private nextSeq: number,
  ) {}

  async push(items: WireItem[]): Promise<PushOutcome> {
    await this.index.refresh();
    const touched = new Set<RawCoID>();
    const fresh: WireItem[] = [];
    const seen = new Set<string>();
    for (const item of items) {
      const isDelete = item.op === "delete";
      const key = (isDelete ? "d:" : "e:") + item.id;
      const existing = isDelete
        ? this.index.tombstones.get(item.id)
        : (this.index.entryIds.get(item.id) ?? this.index.tombstones.get(item.id));
      if (existing || seen.has(key)) {
        // A duplicate is acknowledged once the chunk holding the original is.
        if (existing) touched.add(existing);
        continue;
      }
      seen.add(key);
      fresh.push(item);
    }
    let i = 0;
    while (i < fresh.length) {
      const k = Math.floor(this.nextSeq / CHUNK_SIZE);
      const room = (k + 1) * CHUNK_SIZE - this.nextSeq;
      const slice = fresh.slice(i, i + room);
      const chunk = this.ownChunk(k);
      const stored: StoredItem[] = slice.map((it, j) => toStored(it, this.nextSeq + j));
      const groups = transactionGroups(stored);
      touched.add(chunk.id);
      try {
        for (const group of groups) {
          chunk.list.appendItems(group as unknown as JsonValue[]);
          this.nextSeq += group.length;
        }
      } finally {
        // What went in is indexed even when a later transaction failed.
        this.index.indexItems(chunk, chunk.refresh());
      }
      i += slice.length;
    }
    if (fresh.length) touched.add(this.ownLog.map.id);
    return { accepted: fresh.length, duplicates: items.length - fresh.length, touched };
  }

  private ownChunk(k: number): ChunkView {
    const existing = this.ownLog.chunks.get(k);
    if (existing) return existing;
    const list = this.account.createList() as ChunkList;
    this.ownLog.map.set(String(k), list.id);
    return this.index.addChunk(this.ownLog, k, list);
  }

  /** Reads items after `positions` (per-device delivered counts). */
  async pull(positions: Record<string, number>, limit: number, maxBytes: number, excludeDeviceId?: string): Promise<PullOutcome> {
    // The chunks after the cursor hold what is to deliver; an entry among them may
    // have been deleted by a tombstone in any chunk, so delivering entries needs
    // the whole index. Nothing to deliver (the usual sync) needs neither.
    await this.index.refreshOnce(afterPositions(positions));
    const partial = this.read(positions, limit, maxBytes, excludeDeviceId);
    if (!partial.entries.some((e) => e.op !== "delete") || this.index.complete()) return partial;
    await this.index.refresh();
    return this.read(positions, limit, maxBytes, excludeDeviceId);
  }

  private read(positions: Record<string, number>, limit: number, maxBytes: number, excludeDeviceId?: string): PullOutcome {
    const out: WireItem[] = [];
    const next: Record<string, number> = { ...positions };
    let bytes = 0;
    let hasMore = false;
    const devices = [...this.index.logs.keys()].sort();
    outer: for (const deviceId of devices) {
      const view = this.index.logs.get(deviceId)!;
      let pos = next[deviceId] ?? 0;
      for (;;) {
        const chunk = view.chunks.get(Math.floor(pos / CHUNK_SIZE));
        const item = chunk?.slots[pos - chunk.base];
        if (!item) break;
        const deliver = deviceId !== excludeDeviceId && !(item.op !== "delete" && this.index.tombstones.has(item.id));
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
    if (!synced(this.index.logsMap.id) || !synced(this.ownLog.map.id)) return ackedSeq;
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
