// This device's log: appends its records under the seq rules of PROTOCOL.md
// (the next seq is appended; an earlier one is a duplicate when the stored
// envelope is the same and a conflict when not; a later one is a gap; another
// device's record is refused), stores the sealed head, and tells how far the
// relay holds the log. One writer per log (one daemon per data dir); a push
// becomes one or more transactions per chunk, each under cojson's limit.
import type { JsonValue, RawAccount, RawCoID } from "cojson";
import type { HeadItem, RecordItem, Rejected } from "../protocol/types.js";
import { type AnyMap, CHUNK_SIZE, type ChunkList, type ChunkView, type DeviceLogView, type HeadRef, type StoredRecord } from "./chunks.js";
import { transactionGroups } from "./transactions.js";

/** A refused item and its place in the pushed list (the head: -1). */
export interface Refusal {
  at: number;
  rejected: Rejected;
}

export interface PushOutcome {
  accepted: number;
  duplicates: number;
  rejected: Refusal[];
  nextSeq: number;
  /** CoValues that must reach the relay for this push to count as acknowledged. */
  touched: Set<RawCoID>;
}

export class OwnLog {
  constructor(
    private readonly account: RawAccount,
    readonly view: DeviceLogView,
    private next: number,
    ackedSeq: number,
  ) {
    view.releasableBelow = Math.floor(ackedSeq / CHUNK_SIZE);
  }

  get deviceId(): string {
    return this.view.deviceId;
  }

  /** One past the last seq stored. */
  get nextSeq(): number {
    return this.next;
  }

  async push(items: RecordItem[], head: HeadItem | undefined): Promise<PushOutcome> {
    const touched = new Set<RawCoID>();
    const rejected: Refusal[] = [];
    const fresh: StoredRecord[] = [];
    let duplicates = 0;
    const start = this.next;
    for (const [at, item] of items.entries()) {
      const reject = (kind: Rejected["kind"], message: string) => rejected.push({ at, rejected: { seq: item.seq, id: item.id, kind, message } });
      if (item.deviceId !== this.deviceId) {
        reject("wrong-device", `this daemon writes only the log of device ${this.deviceId}`);
        continue;
      }
      const end = start + fresh.length;
      if (item.seq > end) {
        reject("seq-gap", `seq ${item.seq} is after the log's next seq ${end}`);
        continue;
      }
      if (item.seq === end) {
        fresh.push({ seq: item.seq, kind: item.kind, id: item.id, epoch: item.epoch, envelope: item.envelope });
        continue;
      }
      const held = item.seq >= start ? fresh[item.seq - start] : await this.stored(item.seq, touched);
      if (held && held.envelope === item.envelope && held.kind === item.kind && held.id === item.id && held.epoch === item.epoch) {
        duplicates++;
      } else {
        reject("seq-conflict", `seq ${item.seq} already holds another record (is this home a copy of another?)`);
      }
    }
    this.append(fresh, touched);
    if (head) {
      const last = this.next - 1;
      if (head.seq !== last) {
        const kind = head.seq > last ? "seq-gap" : "seq-conflict";
        const message = `the head names seq ${head.seq} but the log ends at ${last}; head not stored`;
        rejected.push({ at: -1, rejected: { seq: head.seq, id: "head", kind, message } });
      } else {
        this.storeHead(head, touched);
      }
    }
    if (fresh.length) touched.add(this.view.map.id);
    return { accepted: fresh.length, duplicates, rejected, nextSeq: this.next, touched };
  }

  /** The stored record at an earlier seq (its chunk loads when it is not in memory). */
  private async stored(seq: number, touched: Set<RawCoID>): Promise<StoredRecord | undefined> {
    const chunk = await this.view.chunk(Math.floor(seq / CHUNK_SIZE));
    if (!chunk) return undefined;
    // A duplicate is acknowledged once the chunk holding the original is.
    touched.add(chunk.id);
    return chunk.slots[seq - chunk.base];
  }

  private append(fresh: StoredRecord[], touched: Set<RawCoID>): void {
    let i = 0;
    while (i < fresh.length) {
      const k = Math.floor(this.next / CHUNK_SIZE);
      const room = (k + 1) * CHUNK_SIZE - this.next;
      const slice = fresh.slice(i, i + room);
      const chunk = this.chunkToWrite(k);
      touched.add(chunk.id);
      try {
        for (const group of transactionGroups(slice)) {
          chunk.list.appendItems(group as unknown as JsonValue[]);
          this.next += group.length;
        }
      } finally {
        chunk.refresh();
      }
      i += slice.length;
    }
  }

  private chunkToWrite(k: number): ChunkView {
    const held = this.view.chunks.get(k);
    if (held) return held;
    const list = this.account.createList() as ChunkList;
    this.view.map.set(String(k), list.id);
    return this.view.adopt(k, list);
  }

  /**
   * Stores the head in the head map of its chunk (a new map every 1,000 records),
   * so the log map changes once per chunk and a head map holds at most a chunk's
   * worth of heads. An unchanged head is not written again.
   */
  private storeHead(head: HeadItem, touched: Set<RawCoID>): void {
    const k = Math.floor(head.seq / CHUNK_SIZE);
    let map = this.view.headRef()?.chunk === k ? this.view.headMap : undefined;
    if (!map) {
      map = this.account.createMap() as AnyMap;
      const ref: HeadRef = { chunk: k, map: map.id };
      this.view.map.set("head", ref as unknown as JsonValue);
      this.view.headMap = map;
      touched.add(this.view.map.id);
    }
    touched.add(map.id);
    const current = this.view.head();
    if (current && current.seq === head.seq && current.epoch === head.epoch && current.envelope === head.envelope) return;
    map.set("head", { seq: head.seq, epoch: head.epoch, envelope: head.envelope });
  }

  /**
   * How many of this device's records the relay holds, given that it held
   * `ackedSeq` and which values it has confirmed (`synced`): the own chunks are
   * checked in order from there, up to the first one it lacks.
   */
  ackedThrough(logsMapId: RawCoID, ackedSeq: number, synced: (id: RawCoID) => boolean): number {
    if (!synced(logsMapId) || !synced(this.view.map.id)) return ackedSeq;
    let acked = ackedSeq;
    for (let k = Math.floor(ackedSeq / CHUNK_SIZE); ; k++) {
      const chunk = this.view.chunks.get(k);
      if (!chunk || !synced(chunk.id)) return acked;
      acked = Math.max(acked, chunk.nextSeq());
      if (!chunk.full) return acked;
    }
  }

  /**
   * Releases from memory the own chunks wholly before `ackedSeq` (the relay holds
   * them; they never change): a long push session keeps only the newest chunks.
   */
  releaseAcked(ackedSeq: number): void {
    const below = Math.floor(ackedSeq / CHUNK_SIZE);
    this.view.releasableBelow = below;
    for (const k of [...this.view.chunks.keys()]) if (k < below) this.view.release(k);
  }

  /** This device's loaded chunks: at least the newest and every one the relay may lack. */
  chunks(): ChunkView[] {
    return [...this.view.chunks.values()];
  }
}
