// The data directory's lock (daemon.lock): one daemon per data directory, since
// each device log must have exactly one writer. It is a kernel lock held by the
// living process, never a pid written in a file: daemon.lock is an empty SQLite
// database on which the daemon keeps a `BEGIN EXCLUSIVE` transaction open, so
// SQLite holds a POSIX fcntl write lock on it (the byte range from
// LOCK_RANGE_START, LOCK_RANGE_LEN long) and the kernel drops that lock when the
// process dies, however it dies. Nothing is ever written to the file.
//
// Others learn who holds it from the kernel: caro asks fcntl(F_GETLK) over the
// same range and gets the holder's pid (caro-cli/src/daemon/lock.rs), so a stale
// file never blocks and a reused pid is never taken for the daemon.
import Database from "better-sqlite3";
import { truncateSync } from "node:fs";
import { RpcError } from "../protocol/errors.js";

/** SQLite's PENDING_BYTE: its lock bytes start here (unix VFS, os_unix.c). */
export const LOCK_RANGE_START = 0x40000000;
/** PENDING, RESERVED and the 510 SHARED bytes. */
export const LOCK_RANGE_LEN = 512;

export class DirLock {
  private db: Database.Database | undefined;

  constructor(
    private readonly path: string,
    private readonly dir: string,
  ) {}

  /** Takes the lock or throws `store-locked`. */
  acquire(): void {
    if (this.db) return;
    for (let attempt = 0; ; attempt++) {
      const db = new Database(this.path, { timeout: 0 });
      try {
        // No -journal file beside it: the transaction never writes.
        db.pragma("journal_mode = MEMORY");
        db.exec("BEGIN EXCLUSIVE");
        this.db = db;
        return;
      } catch (err) {
        db.close();
        const code = (err as { code?: string }).code;
        if (code === "SQLITE_BUSY") {
          throw new RpcError("store-locked", `another daemon owns ${this.dir} (it holds ${this.path})`);
        }
        // A lock file of an older version (a pid as text) or garbage: nobody can
        // hold a lock on what is not a database, so it is emptied in place (the
        // same inode: a daemon racing to do the same meets this one's lock).
        if (code === "SQLITE_NOTADB" && attempt === 0) {
          truncateSync(this.path, 0);
          continue;
        }
        throw err;
      }
    }
  }

  /** Closing the connection ends the transaction and so drops the kernel lock; the file stays. */
  release(): void {
    const db = this.db;
    this.db = undefined;
    db?.close();
  }
}
