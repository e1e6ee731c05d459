// The daemon's data directory and the small files in it besides the Jazz store:
// meta.json (which account, relay and device the store belongs to) and acked.json
// (how far the relay holds this device's items), written atomically.
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface Meta {
  version: 1;
  accountId: string;
  relay: string;
  deviceId: string;
}

/** How many of this device's items the relay is known to hold (acked.json). */
export interface AckMark {
  accountId: string;
  deviceId: string;
  seq: number;
}

export class DataDir {
  constructor(readonly path: string) {}

  get storePath(): string {
    return join(this.path, "jazz.sqlite");
  }
  get lockPath(): string {
    return join(this.path, "daemon.lock");
  }
  private get metaPath(): string {
    return join(this.path, "meta.json");
  }
  private get ackPath(): string {
    return join(this.path, "acked.json");
  }

  hasStore(): boolean {
    return existsSync(this.storePath);
  }

  /** The store's bytes on disk, its write-ahead log included. */
  storeSizeBytes(): number {
    let size = 0;
    for (const f of [this.storePath, this.storePath + "-wal"]) {
      try {
        size += statSync(f).size;
      } catch {
        // Absent: nothing stored yet.
      }
    }
    return size;
  }

  readMeta(): Meta | undefined {
    try {
      const m = JSON.parse(readFileSync(this.metaPath, "utf8")) as Meta;
      return m && typeof m.accountId === "string" ? m : undefined;
    } catch {
      return undefined;
    }
  }

  writeMeta(meta: Meta): void {
    writeFileAtomic(this.metaPath, JSON.stringify(meta) + "\n");
  }

  removeMeta(): void {
    rmSync(this.metaPath, { force: true });
  }

  /** 0 (reload every own chunk) when absent, unreadable or of another account or device. */
  readAckedSeq(accountId: string, deviceId: string): number {
    try {
      const m = JSON.parse(readFileSync(this.ackPath, "utf8")) as AckMark;
      const ok = m && m.accountId === accountId && m.deviceId === deviceId && Number.isSafeInteger(m.seq) && m.seq >= 0;
      return ok ? m.seq : 0;
    } catch {
      return 0;
    }
  }

  /**
   * Not fsynced (4 ms a push here): a crash can only leave the previous, lower
   * mark or an unreadable file (read as 0), and a low mark only makes the next
   * start re-upload chunks the relay already has.
   */
  writeAckMark(mark: AckMark): void {
    writeFileAtomic(this.ackPath, JSON.stringify(mark) + "\n", { durable: false });
  }

  /** The Jazz store with its side files, and the ack mark that describes it. */
  removeStore(): void {
    for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(this.storePath + suffix, { force: true });
    rmSync(this.ackPath, { force: true });
  }
}

/**
 * Write-then-rename, so a crash leaves the old file or the new one; `durable`
 * (the default) also fsyncs, so an OS crash cannot leave an empty file either.
 */
export function writeFileAtomic(path: string, text: string, { durable = true } = {}): void {
  const tmp = path + ".tmp";
  const fd = openSync(tmp, "w", 0o600);
  try {
    writeFileSync(fd, text);
    if (durable) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
