// The synced data of an account, opened: the root structure and the parts that
// work on it (the device logs, this device's own log, change detection).
//
// root (CoMap) { version: 2, logs }
//   logs      (CoMap) deviceId -> DeviceLog id
//   DeviceLog (CoMap) "0", "1", ... -> Chunk id   (chunk k holds seq 1000k .. 1000k+999)
//                     "head" -> { chunk, map }    (the head map of the head's chunk)
//   Chunk     (CoList of plain JSON { seq, kind, id, epoch, envelope })
//   head map  (CoMap) "head" -> { seq, epoch, envelope }
//
// A device's log has exactly one writer (its daemon; one daemon per data dir).
// Device records and preferences are records in the logs, opaque like entries.
import type { LocalNode, RawAccount, RawCoID } from "cojson";
import { log } from "../log.js";
import { RpcError } from "../protocol/errors.js";
import { ChangeDetector } from "./changes.js";
import { type AnyMap, CHUNK_SIZE, type ChunkList, loadValue } from "./chunks.js";
import { DeviceLogs } from "./logs.js";
import { OwnLog } from "./own-log.js";

/** The format of the root this daemon writes and reads. */
export const ROOT_VERSION = 2;

export class History {
  /** The initial background load (tests and benchmarks may await it). */
  background: Promise<void> = Promise.resolve();

  private constructor(
    readonly logs: DeviceLogs,
    readonly own: OwnLog,
    readonly changes: ChangeDetector,
  ) {}

  /** Creates the root structure in a freshly created account. */
  static createRoot(account: RawAccount): void {
    const logs = account.createMap();
    const root = account.createMap({ version: ROOT_VERSION, logs: logs.id });
    account.set("root", root.id, "trusting");
  }

  /**
   * `ackedSeq`: how many of this device's records the relay is known to hold (see
   * OwnLog.ackedThrough). The own chunks from there on are loaded now: loading a
   * value is what makes cojson reconcile it with the relay, and cojson's own
   * record of unsynced values does not reliably survive a crash.
   */
  static async open(node: LocalNode, account: RawAccount, deviceId: string, ackedSeq = 0): Promise<History> {
    const rootId = account.get("root") as RawCoID | undefined;
    if (!rootId) throw new Error("account has no root");
    const root = await loadValue<AnyMap>(node, rootId, "root");
    const version = root.get("version");
    if (version !== ROOT_VERSION) {
      throw new RpcError(
        "old-format",
        `the account was written by an older caro (format ${String(version)}); this version reads format ${ROOT_VERSION} only`,
        { format: typeof version === "number" ? version : null },
      );
    }
    const logsId = root.get("logs");
    if (typeof logsId !== "string") throw new Error("root.logs missing");
    const logsMap = await loadValue<AnyMap>(node, logsId as RawCoID, "logs");
    const changes = new ChangeDetector(deviceId);
    const logs = new DeviceLogs(node, logsMap, deviceId, (v) => changes.watchLog(v));
    changes.attach(logs);
    let ownId = logsMap.get(deviceId) as RawCoID | undefined;
    if (!ownId) {
      const map = account.createMap() as AnyMap;
      logsMap.set(deviceId, map.id);
      ownId = map.id;
      log.info("created device log");
    }
    // Only what the next push needs: this device's log, its head map, its last
    // chunk and any chunk the relay may lack.
    const view = logs.adopt(deviceId, await loadValue<AnyMap>(node, ownId, "own device log"));
    await view.loadHeadMap();
    const ids = view.chunkIds();
    const last = view.newestIndex();
    const first = Math.min(last, Math.floor(ackedSeq / CHUNK_SIZE));
    await Promise.all(
      [...ids]
        .filter(([k]) => k >= first)
        .map(([k, id]) => loadValue<ChunkList>(node, id, "own chunk").then((list) => view.adopt(k, list))),
    );
    const nextSeq = last >= 0 ? view.chunks.get(last)!.nextSeq() : 0;
    const h = new History(logs, new OwnLog(account, view, nextSeq, ackedSeq), changes);
    changes.watchRoot(logsMap);
    // Every other device's log, head and newest chunk, so their changes are
    // noticed and a pull that is up to date costs nothing more. Deferred one
    // macrotask so the caller's answer (sync.init) is written first.
    h.background = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => logs.loadNewest())
      .then(() => undefined)
      .catch((err) => log.warn("initial load", { error: String(err) }));
    return h;
  }

  /** Waits (bounded) until the store holds what the relay has of the logs. */
  catchUp(peerId: string, timeoutMs: number): Promise<boolean> {
    return this.logs.catchUp(peerId, timeoutMs);
  }

  /** The structure this device writes to, besides its chunks. */
  ownStructure(): RawCoID[] {
    const ids = [this.logs.logsMap.id, this.own.view.map.id];
    if (this.own.view.headMap) ids.push(this.own.view.headMap.id);
    return ids;
  }

  close(): void {
    this.changes.close();
  }
}
