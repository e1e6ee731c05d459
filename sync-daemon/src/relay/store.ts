// The relay's SQLite store: opened private (0600; SQLite gives its -wal and -shm
// files the database file's mode), with one clear line for each way opening can
// fail, and the bytes each account already stores (for the quotas).
import { chmodSync, closeSync, openSync, readSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { openSqliteStorage, type OpenedStorage } from "../jazz/storage.js";
import { log } from "../log.js";
import { RelayStartError } from "./errors.js";
import { sessionAuthor } from "./quota.js";

export function openRelayStore(path: string): OpenedStorage {
  const dir = dirname(resolve(path));
  let dirOk = false;
  try {
    dirOk = statSync(dir).isDirectory();
  } catch {
    dirOk = false;
  }
  if (!dirOk) throw new RelayStartError(`the directory ${dir} for --db does not exist: create it first (mkdir -p ${dir})`);
  createPrivate(path);
  // Checked before anything is changed: a file that is not a store is left alone.
  if (!looksLikeSqlite(path)) {
    throw new RelayStartError(`${path} is not a SQLite database: pass the path of a relay store or of a new file to --db`);
  }
  for (const file of [path, `${path}-wal`, `${path}-shm`]) tighten(file);
  try {
    return openSqliteStorage(path);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "SQLITE_NOTADB") {
      throw new RelayStartError(`${path} is not a SQLite database: pass the path of a relay store or of a new file to --db`);
    }
    throw new RelayStartError(`cannot open the relay store ${path}: ${(err as Error).message}`);
  }
}

function createPrivate(path: string): void {
  try {
    closeSync(openSync(path, "wx", 0o600));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EEXIST" && !statSync(path).isDirectory()) return;
    if (code === "EEXIST" || code === "EISDIR") throw new RelayStartError(`--db ${path} is a directory: pass a file path`);
    throw new RelayStartError(`cannot create the relay store ${path}: ${code ?? (err as Error).message}`);
  }
}

const SQLITE_MAGIC = Buffer.from("SQLite format 3\0", "latin1");

/** Empty (a store not yet written) or starting with SQLite's header. */
function looksLikeSqlite(path: string): boolean {
  const head = Buffer.alloc(SQLITE_MAGIC.length);
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (err) {
    throw new RelayStartError(`cannot read the relay store ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    const n = readSync(fd, head, 0, head.length, 0);
    return n === 0 || (n === head.length && head.equals(SQLITE_MAGIC));
  } finally {
    closeSync(fd);
  }
}

/** A store from before the relay kept it private: make it (and its -wal, -shm) 0600. */
function tighten(file: string): void {
  let mode: number;
  try {
    const st = statSync(file);
    if (st.isDirectory()) throw new RelayStartError(`--db ${file} is a directory: pass a file path`);
    mode = st.mode & 0o777;
  } catch (err) {
    if (err instanceof RelayStartError) throw err;
    return;
  }
  if ((mode & 0o077) === 0) return;
  try {
    chmodSync(file, 0o600);
    log.warn("relay: made the store private", { file, was: mode.toString(8) });
  } catch {
    throw new RelayStartError(`${file} is readable by others (mode ${mode.toString(8)}) and cannot be changed: run chmod 600 ${file}`);
  }
}

/** Bytes of transactions stored per author account (see quota.ts), summed over the store. */
export function storedBytesByAccount(store: OpenedStorage): Map<string, number> {
  const out = new Map<string, number>();
  const rows = store.db
    .prepare("SELECT s.sessionID AS session, SUM(length(t.tx)) AS bytes FROM sessions s JOIN transactions t ON t.ses = s.rowID GROUP BY s.rowID")
    .all() as { session: string; bytes: number }[];
  for (const { session, bytes } of rows) {
    const author = sessionAuthor(session);
    out.set(author, (out.get(author) ?? 0) + bytes);
  }
  return out;
}
