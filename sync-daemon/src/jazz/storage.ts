// cojson's SQLite storage over better-sqlite3 (Node 20 has no node:sqlite).
import Database from "better-sqlite3";
import { getSqliteStorage, type SQLiteDatabaseDriver } from "cojson";

export interface OpenedStorage {
  storage: ReturnType<typeof getSqliteStorage>;
  db: Database.Database;
}

export function openSqliteStorage(path: string): OpenedStorage {
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  // NORMAL is durable against process crashes (SIGKILL); only an OS crash can
  // lose the last transactions.
  db.pragma("synchronous = NORMAL");
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
      stmt(sql).run(...(params as unknown[]));
    },
    query<T>(sql: string, params: unknown[]): T[] {
      const s = stmt(sql);
      return (s.reader ? s.all(...params) : (s.run(...params), [])) as T[];
    },
    get<T>(sql: string, params: unknown[]): T | undefined {
      const s = stmt(sql);
      return (s.reader ? s.get(...params) : (s.run(...params), undefined)) as T | undefined;
    },
    transaction(callback) {
      db.transaction(callback)();
    },
    closeDb() {
      if (db.open) db.close();
    },
  };
  return { storage: getSqliteStorage(driver), db };
}
