// cojson's SQLite storage over better-sqlite3 (Node 20 has no node:sqlite).
// Every SQLite error on the way (open, read, write: disk full, a file that is no
// database) is reported to `onFailure` before it is rethrown: cojson runs its
// writes in microtasks and only logs what they throw, so without this a failing
// store would go unnoticed (and the daemon's health would stay "healthy").
import Database from "better-sqlite3";
import { getSqliteStorage, type SQLiteDatabaseDriver } from "cojson";

export interface OpenedStorage {
  storage: ReturnType<typeof getSqliteStorage>;
  db: Database.Database;
}

export function openSqliteStorage(path: string, onFailure: (err: Error) => void = () => {}): OpenedStorage {
  const guard = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      onFailure(err instanceof Error ? err : new Error(String(err)));
      throw err;
    }
  };
  const db = guard(() => {
    const d = new Database(path);
    try {
      d.pragma("journal_mode = WAL");
      // NORMAL is durable against process crashes (SIGKILL); only an OS crash can
      // lose the last transactions.
      d.pragma("synchronous = NORMAL");
    } catch (err) {
      d.close();
      throw err;
    }
    return d;
  });
  const cache = new Map<string, Database.Statement>();
  const stmt = (sql: string): Database.Statement => {
    let s = cache.get(sql);
    if (!s) {
      s = db.prepare(sql);
      cache.set(sql, s);
    }
    return s;
  };
  const driver: SQLiteDatabaseDriver = {
    run(sql, params) {
      guard(() => stmt(sql).run(...(params as unknown[])));
    },
    query<T>(sql: string, params: unknown[]): T[] {
      return guard(() => {
        const s = stmt(sql);
        return (s.reader ? s.all(...params) : (s.run(...params), [])) as T[];
      });
    },
    get<T>(sql: string, params: unknown[]): T | undefined {
      return guard(() => {
        const s = stmt(sql);
        return (s.reader ? s.get(...params) : (s.run(...params), undefined)) as T | undefined;
      });
    },
    transaction(callback) {
      guard(() => db.transaction(callback)());
    },
    closeDb() {
      if (db.open) db.close();
    },
  };
  return { storage: guard(() => getSqliteStorage(driver)), db };
}
