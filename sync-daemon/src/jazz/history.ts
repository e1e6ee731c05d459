// The synced data of an account, opened: the root structure and the parts that
// work on it (chunk index, entry log, change detection, registers).
//
// root (CoMap) { version: 1, logs, devices, prefs }
//   logs    (CoMap) deviceId -> DeviceLog id
//   DeviceLog (CoMap) "0", "1", ... -> Chunk id   (chunk k holds seq 1000k .. 1000k+999)
//   Chunk   (CoList of plain JSON StoredItem)     one transaction per push per chunk
//   devices (CoMap) deviceId -> { envelope, updatedAt }
//   prefs   (CoMap) JSON([key, deviceId]) -> { key, envelope, updatedAt, deviceId }
//
// A device's log has exactly one writer (its daemon; one daemon per data dir).
import type { LocalNode, RawAccount, RawCoID } from "cojson";
import { log } from "../log.js";
import { ChangeDetector } from "./changes.js";
import { type AnyMap, CHUNK_SIZE, ChunkIndex, type ChunkList, DeviceLogView, loadValue, newestChunk } from "./chunks.js";
import { EntryLog } from "./entry-log.js";
import { Registers } from "./registers.js";

export class History {
  /** The initial background load (tests and benchmarks may await it). */
  background: Promise<void> = Promise.resolve();

  private constructor(
    readonly index: ChunkIndex,
    readonly entries: EntryLog,
    readonly registers: Registers,
    readonly changes: ChangeDetector,
    private readonly ownLog: DeviceLogView,
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
   * EntryLog.ackedThrough). The own chunks from there on are loaded now: loading
   * a value is what makes cojson reconcile it with the relay, and cojson's own
   * record of unsynced values does not reliably survive a crash.
   */
  static async open(node: LocalNode, account: RawAccount, deviceId: string, ackedSeq = 0): Promise<History> {
    const rootId = account.get("root") as RawCoID | undefined;
    if (!rootId) throw new Error("account has no root");
    const changes = new ChangeDetector(deviceId);
    const root = await loadValue<AnyMap>(node, rootId, "root");
    const get = (k: string) => {
      const v = root.get(k);
      if (typeof v !== "string") throw new Error(`root.${k} missing`);
      return v as RawCoID;
    };
    const [logsMap, devicesMap, prefsMap] = await Promise.all([
      loadValue<AnyMap>(node, get("logs"), "logs"),
      loadValue<AnyMap>(node, get("devices"), "devices"),
      loadValue<AnyMap>(node, get("prefs"), "prefs"),
    ]);
    const index = new ChunkIndex(node, logsMap, deviceId, (v) => changes.watch(v));
    changes.attach(index);
    let ownId = logsMap.get(deviceId) as RawCoID | undefined;
    if (!ownId) {
      const map = account.createMap() as AnyMap;
      logsMap.set(deviceId, map.id);
      ownId = map.id;
      log.info("created device log");
    }
    // Only what the next push needs: this device's log, its last chunk and any
    // chunk the relay may lack. The rest (other devices, the id index) loads in
    // the background right away and is awaited by the first push or pull.
    const ownMap = await loadValue<AnyMap>(node, ownId, "own device log");
    if (!index.logs.has(deviceId)) index.logs.set(deviceId, new DeviceLogView(deviceId, ownMap));
    const ownLog = index.logs.get(deviceId)!;
    const ids = ownLog.chunkIds();
    const last = ids.size ? Math.max(...ids.keys()) : -1;
    const first = Math.min(last, Math.floor(ackedSeq / CHUNK_SIZE));
    await Promise.all(
      [...ids]
        .filter(([k]) => k >= first)
        .map(([k, id]) =>
          loadValue<ChunkList>(node, id, "own chunk").then((list) => {
            if (!ownLog.chunks.has(k)) index.addChunk(ownLog, k, list);
          }),
        ),
    );
    const nextSeq = last >= 0 ? ownLog.chunks.get(last)!.nextSeq() : 0;
    const h = new History(index, new EntryLog(account, index, ownLog, nextSeq), new Registers(devicesMap, prefsMap), changes, ownLog);
    changes.watch(logsMap);
    // Every device's log and its newest chunk, so their changes are noticed and a
    // pull that is up to date costs nothing. Older chunks (the id index for push
    // and for hiding deleted entries) load when a push or a pull needs them.
    // Deferred one macrotask so the caller's answer (sync.init) is written first.
    h.background = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => index.refreshOnce(newestChunk))
      .catch((err) => log.warn("initial load", { error: String(err) }));
    return h;
  }

  /** Waits (bounded) until the store holds what the relay has of the logs, devices and preferences. */
  catchUp(peerId: string, timeoutMs: number, positions: Record<string, number>): Promise<boolean> {
    return this.index.catchUp(peerId, timeoutMs, positions, [this.registers.devicesMap.id, this.registers.prefsMap.id]);
  }

  /** The structure this device writes to, besides its chunks. */
  ownStructure(): RawCoID[] {
    return [this.index.logsMap.id, this.ownLog.map.id, this.registers.devicesMap.id, this.registers.prefsMap.id];
  }

  close(): void {
    this.changes.close();
  }
}
