//! nushell: reedline's plain-text `history.txt` (one command per line, inner
//! newlines written as `<\n>`) or its SQLite `history.sqlite3`, table
//! `history(id, command_line, start_timestamp ms, session_id, hostname, cwd,
//! duration_ms, exit_status, more_info)`.

use std::path::Path;

use anyhow::{anyhow, Context, Result};
use rusqlite::{Connection, OpenFlags};

use super::{lines, ParsedHistory, RowFields};

/// What reedline writes for a newline inside a command.
const NEWLINE_ESCAPE: &[u8] = b"<\\n>";

pub fn parse_text(bytes: &[u8]) -> ParsedHistory {
    let mut out = ParsedHistory::default();
    for (n, line) in lines(bytes) {
        out.push(&unescape(line), n, None, None);
    }
    out
}

fn unescape(line: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(line.len());
    let mut rest = line;
    while !rest.is_empty() {
        if rest.starts_with(NEWLINE_ESCAPE) {
            out.push(b'\n');
            rest = &rest[NEWLINE_ESCAPE.len()..];
        } else {
            out.push(rest[0]);
            rest = &rest[1..];
        }
    }
    out
}

pub fn read_sqlite(path: &Path) -> Result<ParsedHistory> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .with_context(|| format!("cannot open {} as an SQLite database", path.display()))?;
    let mut stmt = conn
        .prepare(
            "SELECT CAST(command_line AS BLOB), start_timestamp, duration_ms, exit_status, cwd,
                    hostname
             FROM history ORDER BY id",
        )
        .map_err(|_| {
            anyhow!(
                "{} is not a nushell history database (it has no `history` table with reedline's \
                 columns); pass --file with the path to history.sqlite3 or history.txt",
                path.display()
            )
        })?;
    let mut rows = stmt.query([])?;
    let mut out = ParsedHistory::default();
    let mut n = 0;
    while let Some(row) = rows.next()? {
        n += 1;
        let command: Vec<u8> = row.get(0)?;
        let fields = RowFields {
            timestamp_ms: row.get(1)?,
            duration_ms: row.get::<_, Option<i64>>(2)?.filter(|d| *d >= 0),
            exit_code: row.get(3)?,
            cwd: row.get::<_, Option<String>>(4)?.filter(|c| !c.is_empty()),
            hostname: row.get::<_, Option<String>>(5)?.filter(|h| !h.is_empty()),
        };
        out.push_row(&command, n, fields);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::parse_text;

    #[test]
    fn escaped_newlines_are_restored() {
        let h = parse_text(b"ls -la\nfor x in [1 2] {<\\n>  print $x<\\n>}\n\ncd ~\n");
        let cmds: Vec<_> = h.commands.iter().map(|c| c.command.as_str()).collect();
        assert_eq!(cmds, ["ls -la", "for x in [1 2] {\n  print $x\n}", "cd ~"]);
        assert_eq!(h.commands[2].line, 4);
    }
}
