// Change detection: subscribes to other devices' logs and growing chunks, and
// after a remote change (coalesced to one pass per macrotask) refreshes the chunk
// index and tells the listener which devices have new items. The daemon turns
// that into `sync.changed` notifications.
import type { RawCoValue } from "cojson";
import { log } from "../log.js";
import type { ChunkIndex } from "./chunks.js";

export class ChangeDetector {
  private index: ChunkIndex | undefined;
  private unsubscribers: (() => void)[] = [];
  private watched = new Set<string>();
  private scheduled = false;
  private listener: ((deviceId: string) => void) | undefined;
  /** Per other device: the item count last announced to the listener. */
  private announced = new Map<string, number>();

  constructor(private readonly ownDeviceId: string) {}

  /** The index to refresh on a change; set once it exists (it calls watch() as it loads). */
  attach(index: ChunkIndex): void {
    this.index = index;
  }

  /** Subscribes to a CoValue so remote changes are noticed (and it stays live). */
  watch(value: RawCoValue): void {
    if (this.watched.has(value.id)) return;
    this.watched.add(value.id);
    let first = true;
    const unsub = value.subscribe(() => {
      // The first call is the subscription's initial value, not a change.
      if (first) {
        first = false;
        return;
      }
      this.schedule();
    });
    this.unsubscribers.push(unsub);
  }

  onChange(listener: (deviceId: string) => void): void {
    this.listener = listener;
  }

  close(): void {
    for (const u of this.unsubscribers) u();
    this.unsubscribers = [];
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.detect();
    });
  }

  private async detect(): Promise<void> {
    const index = this.index;
    if (!index) return;
    try {
      await index.refresh();
    } catch (err) {
      log.warn("refresh after remote change failed", { error: String(err) });
      return;
    }
    // Compared with what was announced (not with a snapshot taken here): items
    // indexed meanwhile by a push's or pull's refresh are still announced.
    for (const [d, v] of index.logs) {
      if (d === this.ownDeviceId) continue;
      const n = v.itemCount();
      if (n > (this.announced.get(d) ?? 0)) {
        this.announced.set(d, n);
        this.listener?.(d);
      }
    }
  }
}
