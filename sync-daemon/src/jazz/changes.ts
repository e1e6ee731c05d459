// Change detection: subscribes to the root's list of logs and, of every other
// device, to its log map, head map and newest chunk (only those: older chunks
// never change and stay releasable). After a remote change (coalesced to one
// pass per macrotask) it reloads those parts and tells the listener which
// devices have new records. The daemon turns that into `sync.changed`.
import type { RawCoValue } from "cojson";
import { log } from "../log.js";
import type { DeviceLogView } from "./chunks.js";
import type { DeviceLogs } from "./logs.js";

export class ChangeDetector {
  private logs: DeviceLogs | undefined;
  /** Subscriptions by CoValue id. */
  private readonly subs = new Map<string, () => void>();
  /** Per other device: the newest chunk subscribed to. */
  private readonly newest = new Map<string, string>();
  private scheduled = false;
  private listener: ((deviceId: string) => void) | undefined;
  /** Per other device: the record count last announced to the listener. */
  private readonly announced = new Map<string, number>();

  constructor(private readonly ownDeviceId: string) {}

  /** The logs to reload on a change; set once they exist. */
  attach(logs: DeviceLogs): void {
    this.logs = logs;
  }

  watchRoot(value: RawCoValue): void {
    this.subscribe(value);
  }

  /** Subscribes to a device log's changing parts; moves on from a chunk once a newer one exists. */
  watchLog(view: DeviceLogView): void {
    this.subscribe(view.map);
    if (view.headMap) this.subscribe(view.headMap);
    const chunk = view.chunks.get(view.newestIndex());
    if (!chunk) return;
    const previous = this.newest.get(view.deviceId);
    if (previous === chunk.id) return;
    if (previous) {
      this.subs.get(previous)?.();
      this.subs.delete(previous);
    }
    this.newest.set(view.deviceId, chunk.id);
    this.subscribe(chunk.list);
  }

  onChange(listener: (deviceId: string) => void): void {
    this.listener = listener;
  }

  close(): void {
    for (const u of this.subs.values()) u();
    this.subs.clear();
  }

  private subscribe(value: RawCoValue): void {
    if (this.subs.has(value.id)) return;
    let first = true;
    const unsub = value.subscribe(() => {
      // The first call is the subscription's initial value, not a change.
      if (first) {
        first = false;
        return;
      }
      this.schedule();
    });
    this.subs.set(value.id, unsub);
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
    const logs = this.logs;
    if (!logs) return;
    let views: DeviceLogView[];
    try {
      views = await logs.loadNewest();
    } catch (err) {
      log.warn("reload after remote change failed", { error: String(err) });
      return;
    }
    for (const v of views) {
      if (v.deviceId === this.ownDeviceId) continue;
      const n = v.recordCount();
      if (n > (this.announced.get(v.deviceId) ?? 0)) {
        this.announced.set(v.deviceId, n);
        this.listener?.(v.deviceId);
      }
    }
  }
}
