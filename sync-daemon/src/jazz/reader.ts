// sync.pull's reading: every device's records after a cursor ("how many records
// of each device were delivered", i.e. the next seq: exact and clock-free), per
// device in seq order, never past a hole (reported as a gap), the first record
// of a forked seq (the fork reported), and every device's latest head. It reads
// only the chunks from the cursor on and releases full chunks once delivered
// (the own log's only once the relay holds them), so a full join's memory, or
// the pull-back of a long push, stays that of a few chunks.
import type { DeviceHead, Fork, Gap, RecordItem } from "../protocol/types.js";
import { CHUNK_SIZE, type StoredRecord } from "./chunks.js";
import type { DeviceLogs } from "./logs.js";

export interface PullOutcome {
  items: RecordItem[];
  positions: Record<string, number>;
  hasMore: boolean;
  heads: DeviceHead[];
  gaps: Gap[];
  forks: Fork[];
}

/** Reads records after `positions` (per-device next seq), at most `limit` and about `maxBytes`. */
export async function readAfter(logs: DeviceLogs, positions: Record<string, number>, limit: number, maxBytes: number): Promise<PullOutcome> {
  const views = await logs.loadNewest();
  const items: RecordItem[] = [];
  const next: Record<string, number> = { ...positions };
  const gaps: Gap[] = [];
  let bytes = 0;
  let hasMore = false;
  outer: for (const view of views) {
    const deviceId = view.deviceId;
    let pos = next[deviceId] ?? 0;
    for (;;) {
      const k = Math.floor(pos / CHUNK_SIZE);
      const chunk = await view.chunk(k);
      const rec = chunk?.slots[pos - k * CHUNK_SIZE];
      if (!rec) {
        const later = await view.presentAfter(pos);
        if (later !== undefined) gaps.push({ deviceId, from: pos, to: later - 1 });
        break;
      }
      const item = toItem(deviceId, rec);
      const size = approxSize(item);
      if (items.length >= limit || (items.length > 0 && bytes + size > maxBytes)) {
        hasMore = true;
        if (pos > 0) next[deviceId] = pos;
        break outer;
      }
      items.push(item);
      bytes += size;
      pos++;
      if (pos % CHUNK_SIZE === 0) view.release(k);
    }
    if (pos > 0) next[deviceId] = pos;
  }
  const heads: DeviceHead[] = [];
  for (const view of views) {
    const h = view.head();
    if (h) heads.push({ deviceId: view.deviceId, ...h });
  }
  return { items, positions: next, hasMore, heads, gaps, forks: logs.forks() };
}

function toItem(deviceId: string, r: StoredRecord): RecordItem {
  return { deviceId, seq: r.seq, kind: r.kind, id: r.id, epoch: r.epoch, envelope: r.envelope };
}

function approxSize(item: RecordItem): number {
  return 100 + item.id.length + item.deviceId.length + item.kind.length + item.envelope.length;
}
