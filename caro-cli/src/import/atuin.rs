//! Atuin: its SQLite `history.db`, table `history(id, timestamp, duration,
//! exit, command, cwd, session, hostname, deleted_at, …)`, times in
//! nanoseconds, `-1` for an unknown exit or duration (as Atuin's own imports
//! write), `unknown` for an unknown directory. Read-only: Atuin may be running.

use std::path::Path;

use anyhow::{anyhow, Context, Result};
use rusqlite::{Connection, OpenFlags};

use super::{ParsedHistory, RowFields};

pub fn read(path: &Path) -> Result<ParsedHistory> {
    let not_atuin = || {
        anyhow!(
            "{} is not an Atuin history database (it has no `history` table with Atuin's columns); \
             pass --file with the path to Atuin's history.db",
            path.display()
        )
    };
    if !path.is_file() {
        return Err(anyhow!(
            "cannot read {}: no such file; pass --file with the path to Atuin's history.db",
            path.display()
        ));
    }
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .with_context(|| format!("cannot open {} as an SQLite database", path.display()))?;
    let columns: Vec<String> = conn
        .prepare("SELECT name FROM pragma_table_info('history')")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .map_err(|_| not_atuin())?;
    let has = |c: &str| columns.iter().any(|x| x == c);
    if !["timestamp", "duration", "exit", "command", "cwd"]
        .iter()
        .all(|c| has(c))
    {
        return Err(not_atuin());
    }
    let live = if has("deleted_at") {
        "WHERE deleted_at IS NULL"
    } else {
        ""
    };
    // Atuin writes `host:user`; the user name is not kept.
    let host = if has("hostname") { "hostname" } else { "NULL" };
    let mut stmt = conn.prepare(&format!(
        "SELECT CAST(command AS BLOB), timestamp, duration, exit, cwd, {host} FROM history {live}
         ORDER BY timestamp, rowid"
    ))?;
    let mut rows = stmt.query([])?;
    let mut out = ParsedHistory::default();
    let mut n = 0;
    while let Some(row) = rows.next()? {
        n += 1;
        let command: Vec<u8> = row.get(0)?;
        let (Ok(ts_ns), Ok(duration_ns), Ok(exit)) = (
            row.get::<_, i64>(1),
            row.get::<_, i64>(2),
            row.get::<_, i64>(3),
        ) else {
            out.skip(n, "timestamp, duration or exit is not a number");
            continue;
        };
        let cwd: Option<String> = row
            .get::<_, Option<String>>(4)
            .ok()
            .flatten()
            .filter(|c| !c.is_empty() && c != "unknown");
        let hostname = row
            .get::<_, Option<String>>(5)
            .ok()
            .flatten()
            .and_then(|h| h.split(':').next().map(str::to_string))
            .filter(|h| !h.is_empty());
        let fields = RowFields {
            timestamp_ms: Some(ts_ns.div_euclid(1_000_000)),
            duration_ms: (duration_ns >= 0).then_some(duration_ns / 1_000_000),
            exit_code: (exit != -1).then_some(exit),
            cwd,
            hostname,
        };
        out.push_row(&command, n, fields);
    }
    Ok(out)
}
