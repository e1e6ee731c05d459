// Every device's log of the account (root.logs: deviceId → DeviceLog), loaded as
// far as a caller needs: a log's map, its head map and its newest chunk are small
// and enough for a sync that is up to date; older chunks load only when a pull's
// cursor reaches them. Catch-up (waiting for the relay's content) lives here too.
import type { CoID, LocalNode, RawCoID } from "cojson";
import type { Fork } from "../protocol/types.js";
import { type AnyMap, DeviceLogView, waitStreamed } from "./chunks.js";

/** How often catchUp looks again while the relay's answers stream in. */
const CATCH_UP_POLL_MS = 5;

export class DeviceLogs {
  readonly views = new Map<string, DeviceLogView>();
  private readonly loading = new Map<string, Promise<DeviceLogView | undefined>>();

  /**
   * `watch` is called once with every other device's log as it loads, and again
   * after each load of its newest parts (change detection subscribes to them).
   */
  constructor(
    private readonly node: LocalNode,
    readonly logsMap: AnyMap,
    readonly ownDeviceId: string,
    private readonly watch: (view: DeviceLogView) => void,
  ) {}

  deviceIds(): string[] {
    return [...this.logsMap.keys()].filter((d) => typeof this.logsMap.get(d) === "string").sort();
  }

  /** Adds a log map (the own one, just created or loaded) to the views. */
  adopt(deviceId: string, map: AnyMap): DeviceLogView {
    let v = this.views.get(deviceId);
    if (!v) {
      v = new DeviceLogView(deviceId, map, this.node);
      this.views.set(deviceId, v);
    }
    return v;
  }

  /** A device's log map, loaded once. */
  view(deviceId: string): Promise<DeviceLogView | undefined> {
    const held = this.views.get(deviceId);
    if (held) return Promise.resolve(held);
    let p = this.loading.get(deviceId);
    if (!p) {
      p = (async () => {
        const id = this.logsMap.get(deviceId);
        if (typeof id !== "string") return undefined;
        const map = await this.node.load(id as CoID<AnyMap>);
        if (map === "unavailable") return undefined;
        await waitStreamed(map);
        return this.adopt(deviceId, map);
      })().finally(() => this.loading.delete(deviceId));
      this.loading.set(deviceId, p);
    }
    return p;
  }

  /** Every device's log map, head map and newest chunk: what an up-to-date sync reads. */
  async loadNewest(): Promise<DeviceLogView[]> {
    const views = await Promise.all(
      this.deviceIds().map(async (d) => {
        const v = await this.view(d);
        if (!v) return undefined;
        await v.loadHeadMap();
        await v.chunk(v.newestIndex());
        v.refresh();
        if (d !== this.ownDeviceId) this.watch(v);
        return v;
      }),
    );
    return views.filter((v): v is DeviceLogView => v !== undefined);
  }

  /** Every log, head map and loaded chunk that can still grow (full chunks never change). */
  mutableIds(): RawCoID[] {
    const ids: RawCoID[] = [this.logsMap.id];
    for (const v of this.views.values()) {
      ids.push(v.map.id);
      if (v.headMap) ids.push(v.headMap.id);
      for (const c of v.chunks.values()) if (!c.full) ids.push(c.id);
    }
    return ids;
  }

  /**
   * Waits until the local store holds everything the relay (`peerId`) said it has
   * of the logs, loading what that reveals (new devices, new chunks, new head
   * maps) on the way. True when caught up, false at the timeout. Costs one round
   * trip after a connection, nothing after.
   */
  async catchUp(peerId: string, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.loadNewest();
      if (!this.behind(peerId, this.mutableIds())) return true;
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

  /** Records in the store, from each loaded log's length. */
  recordCount(): number {
    let n = 0;
    for (const v of this.views.values()) n += v.recordCount();
    return n;
  }

  /** Every fork seen so far, by device and seq. */
  forks(): Fork[] {
    const out: Fork[] = [];
    for (const d of [...this.views.keys()].sort()) {
      const v = this.views.get(d)!;
      v.refresh();
      for (const seq of [...v.forks].sort((a, b) => a - b)) out.push({ deviceId: d, seq });
    }
    return out;
  }
}
