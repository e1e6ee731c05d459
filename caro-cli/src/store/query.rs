//! Filtered listing and searching: one filter struct (directory, exit status,
//! time window, device, session, host, git repository) turned into SQL that
//! the V3 indexes answer, and three ways to match text (full-text, prefix,
//! fuzzy). The interactive search reads its first page through here and then
//! loads [`CompactRow`]s in the background for in-memory matching.
//!
//! Substring search (`tatus` finds `git status`) is a `LIKE` scan of the rows
//! the filter leaves, after the word-prefix FTS5 pass: measured at 100,000
//! entries it costs a few milliseconds, where a trigram index would add a
//! second FTS table to every `history add` and import.

use std::collections::HashMap;

use nucleo_matcher::pattern::{AtomKind, CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};
use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection, OptionalExtension};

use super::entries::fts_query;
use super::rows::{entry_from_row, ENTRY_COLUMNS};
use super::{HistoryEntry, Result, Store};
use crate::safety::RiskLevel;

/// How text is matched against commands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum SearchMode {
    /// Whole words anywhere, best match first, then any substring.
    #[default]
    FullText,
    /// The command starts with the query.
    Prefix,
    /// The query's characters in order, scored by `nucleo`.
    Fuzzy,
}

/// Which entries a listing or search considers. Every field narrows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntryFilter {
    /// Ran in exactly this directory.
    pub cwd: Option<String>,
    /// Ran in this directory or below it (a git repository's root).
    pub under_dir: Option<String>,
    pub exit_code: Option<i64>,
    /// Created strictly before this time (ms since the epoch).
    pub before_ms: Option<i64>,
    /// Created at or after this time.
    pub after_ms: Option<i64>,
    /// Recorded on the device with this name or id.
    pub device: Option<String>,
    pub session_id: Option<String>,
    pub hostname: Option<String>,
}

/// The few fields the interactive search keeps in memory for every entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompactRow {
    pub rowid: i64,
    pub command: String,
    pub created_at: i64,
    pub exit_code: Option<i64>,
    pub duration_ms: Option<i64>,
    pub cwd: Option<String>,
    pub device_id: String,
    pub session_id: Option<String>,
    pub safety_level: RiskLevel,
}

impl EntryFilter {
    /// SQL conditions on `command_history h`, and their parameters in order.
    fn to_sql(&self) -> (String, Vec<Value>) {
        let mut sql = String::from("h.deleted_at IS NULL");
        let mut params = Vec::new();
        let mut add = |cond: &str, values: Vec<Value>| {
            sql.push_str(" AND ");
            sql.push_str(cond);
            params.extend(values);
        };
        if let Some(cwd) = &self.cwd {
            add("h.working_dir = ?", vec![cwd.clone().into()]);
        }
        if let Some(root) = &self.under_dir {
            let root = root.trim_end_matches('/');
            // A range on the path keeps the cwd index usable: '0' follows '/'.
            add(
                "(h.working_dir = ? OR (h.working_dir >= ? AND h.working_dir < ?))",
                vec![
                    root.to_string().into(),
                    format!("{root}/").into(),
                    format!("{root}0").into(),
                ],
            );
        }
        if let Some(code) = self.exit_code {
            add("h.exit_code = ?", vec![code.into()]);
        }
        if let Some(before) = self.before_ms {
            add("h.created_at < ?", vec![before.into()]);
        }
        if let Some(after) = self.after_ms {
            add("h.created_at >= ?", vec![after.into()]);
        }
        if let Some(device) = &self.device {
            add(
                "(h.device_id = ? OR h.device_id IN (SELECT id FROM devices WHERE name = ?))",
                vec![device.clone().into(), device.clone().into()],
            );
        }
        if let Some(session) = &self.session_id {
            add("h.session_id = ?", vec![session.clone().into()]);
        }
        if let Some(host) = &self.hostname {
            add("h.hostname = ?", vec![host.clone().into()]);
        }
        (sql, params)
    }
}

impl Store {
    /// Entries passing `filter`, newest first (the log: repeats included).
    pub fn list_filtered(&self, filter: &EntryFilter, limit: usize) -> Result<Vec<HistoryEntry>> {
        let (conds, mut params) = filter.to_sql();
        params.push(limit_value(limit));
        self.read(|conn| {
            query_entries(
                conn,
                &format!(
                    "SELECT {ENTRY_COLUMNS} FROM command_history h WHERE {conds}
                     ORDER BY h.created_at DESC, h.rowid DESC LIMIT ?"
                ),
                params,
            )
        })
    }

    /// Entries passing `filter` whose command matches `text`, each command
    /// once (its newest entry), at most `limit`.
    pub fn search_filtered(
        &self,
        text: &str,
        mode: SearchMode,
        filter: &EntryFilter,
        limit: usize,
    ) -> Result<Vec<HistoryEntry>> {
        self.read(|conn| match mode {
            SearchMode::FullText => full_text(conn, text, filter, limit),
            SearchMode::Prefix => {
                let pattern = format!("{}%", like_escape(text));
                newest_distinct(conn, filter, &[pattern], limit)
            }
            SearchMode::Fuzzy => fuzzy(conn, text, filter, limit),
        })
    }

    /// Up to `limit` entries passing every filter whose command matches
    /// every `LIKE` pattern, newest first, as [`CompactRow`]s: the
    /// interactive search's first page, drawn before the history is loaded.
    pub fn compact_page(
        &self,
        filters: &[&EntryFilter],
        like_patterns: &[String],
        limit: usize,
    ) -> Result<Vec<CompactRow>> {
        let mut conds = String::from("1");
        let mut params = Vec::new();
        for filter in filters {
            let (sql, values) = filter.to_sql();
            conds.push_str(" AND ");
            conds.push_str(&sql);
            params.extend(values);
        }
        for pattern in like_patterns {
            conds.push_str(" AND h.command LIKE ? ESCAPE '\\'");
            params.push(pattern.clone().into());
        }
        params.push(limit_value(limit));
        self.read(|conn| {
            compact_rows(
                conn,
                &format!(
                    "SELECT {COMPACT_COLUMNS} FROM command_history h WHERE {conds}
                     ORDER BY h.created_at DESC, h.rowid DESC LIMIT ?"
                ),
                params,
            )
        })
    }

    /// Live entries passing `filter` older than `(created_at, rowid)`, newest
    /// first: the background load walks the whole history in such chunks.
    pub fn compact_chunk(
        &self,
        filter: &EntryFilter,
        before: Option<(i64, i64)>,
        limit: usize,
    ) -> Result<Vec<CompactRow>> {
        let (created, rowid) = before.unwrap_or((i64::MAX, i64::MAX));
        let (conds, mut params) = filter.to_sql();
        params.extend([
            created.into(),
            created.into(),
            rowid.into(),
            limit_value(limit),
        ]);
        self.read(|conn| {
            compact_rows(
                conn,
                &format!(
                    "SELECT {COMPACT_COLUMNS} FROM command_history h
                     WHERE {conds} AND (h.created_at < ? OR (h.created_at = ? AND h.rowid < ?))
                     ORDER BY h.created_at DESC, h.rowid DESC LIMIT ?"
                ),
                params,
            )
        })
    }

    /// A live entry by rowid (the interactive search's handle on a row).
    pub fn entry_by_rowid(&self, rowid: i64) -> Result<Option<HistoryEntry>> {
        self.read(|conn| {
            Ok(conn
                .prepare_cached(&format!(
                    "SELECT {ENTRY_COLUMNS} FROM command_history h
                     WHERE h.rowid = ?1 AND h.deleted_at IS NULL"
                ))?
                .query_row([rowid], entry_from_row)
                .optional()?)
        })
    }

    /// The ids of the live entries with exactly this command line.
    pub fn ids_of_command(&self, command: &str) -> Result<Vec<String>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id FROM command_history WHERE command = ?1 AND deleted_at IS NULL",
            )?;
            let rows = stmt.query_map([command], |r| r.get(0))?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    /// Device names by id, for showing where an entry ran.
    pub fn device_names(&self) -> Result<HashMap<String, String>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached("SELECT id, name FROM devices")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<rusqlite::Result<HashMap<_, _>>>()?)
        })
    }
}

const COMPACT_COLUMNS: &str = "h.rowid, h.command, h.created_at, h.exit_code, \
     h.execution_time_ms, h.working_dir, h.device_id, h.session_id, h.safety_level";

fn compact_rows(conn: &Connection, sql: &str, params: Vec<Value>) -> Result<Vec<CompactRow>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params_from_iter(params), |r| {
        let level: String = r.get(8)?;
        Ok(CompactRow {
            rowid: r.get(0)?,
            command: r.get(1)?,
            created_at: r.get(2)?,
            exit_code: r.get(3)?,
            duration_ms: r.get(4)?,
            cwd: r.get(5)?,
            device_id: r.get(6)?,
            session_id: r.get(7)?,
            safety_level: level.parse().unwrap_or_default(),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

fn query_entries(conn: &Connection, sql: &str, params: Vec<Value>) -> Result<Vec<HistoryEntry>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params_from_iter(params), entry_from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

fn limit_value(limit: usize) -> Value {
    i64::try_from(limit).unwrap_or(i64::MAX).into()
}

/// Escapes `LIKE`'s wildcards with `\` (every query here says `ESCAPE '\'`).
pub fn like_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `LIKE` patterns any fuzzy match of `text` satisfies: each word's characters
/// in order (`gst` → `%g%s%t%`). `LIKE` ignores ASCII case, as the smart-case
/// matcher does for a lower-case query.
pub fn fuzzy_like_patterns(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|word| {
            let mut pattern = String::from("%");
            for c in word.chars() {
                pattern.push_str(&like_escape(&c.to_string()));
                pattern.push('%');
            }
            pattern
        })
        .collect()
}

/// Word-prefix FTS5 matches (bm25 order), then commands holding every word
/// as a substring (newest first), each command once. With a directory or
/// session filter the substring pass alone answers: it walks that filter's
/// index, where ranking every full-text match of a common word across the
/// whole history first cost ~250 ms at 1,000,000 entries.
fn full_text(
    conn: &Connection,
    text: &str,
    filter: &EntryFilter,
    limit: usize,
) -> Result<Vec<HistoryEntry>> {
    let mut found = Vec::new();
    let narrow = filter.cwd.is_some() || filter.session_id.is_some();
    if let Some(fts) = fts_query(text).filter(|_| !narrow) {
        let (conds, mut params) = filter.to_sql();
        params.insert(0, fts.into());
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM command_history_fts f
             JOIN command_history h ON h.rowid = f.rowid
             WHERE command_history_fts MATCH ? AND {conds}
             ORDER BY f.rank, h.created_at DESC"
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(params_from_iter(params))?;
        let mut seen = std::collections::HashSet::new();
        while let Some(row) = rows.next()? {
            let entry = entry_from_row(row)?;
            if seen.insert(entry.command.clone()) {
                found.push(entry);
                if found.len() == limit {
                    return Ok(found);
                }
            }
        }
    }
    let patterns: Vec<String> = text
        .split_whitespace()
        .map(|w| format!("%{}%", like_escape(w)))
        .collect();
    if patterns.is_empty() {
        return Ok(found);
    }
    for entry in newest_distinct(conn, filter, &patterns, limit + found.len())? {
        if found.len() == limit {
            break;
        }
        if !found.iter().any(|f| f.command == entry.command) {
            found.push(entry);
        }
    }
    Ok(found)
}

/// The newest entry of each distinct command matching every `LIKE` pattern.
fn newest_distinct(
    conn: &Connection,
    filter: &EntryFilter,
    patterns: &[String],
    limit: usize,
) -> Result<Vec<HistoryEntry>> {
    let (mut conds, mut params) = filter.to_sql();
    for pattern in patterns {
        conds.push_str(" AND h.command LIKE ? ESCAPE '\\'");
        params.push(pattern.clone().into());
    }
    params.push(limit_value(limit));
    // SQLite's bare-column rule: with max(), the other columns come from the
    // row holding the maximum, so each group yields its newest entry.
    let sql = format!(
        "SELECT {ENTRY_COLUMNS} FROM (
             SELECT h.rowid AS rid, max(h.created_at) AS newest FROM command_history h
             WHERE {conds} GROUP BY h.command ORDER BY newest DESC LIMIT ?) g
         JOIN command_history h ON h.rowid = g.rid ORDER BY g.newest DESC"
    );
    query_entries(conn, &sql, params)
}

/// How many candidates a command-line fuzzy search scores at most.
const FUZZY_CANDIDATES: usize = 50_000;

/// Candidates from SQL (each word's letters in order), scored by `nucleo`,
/// best first; ties go to the newest.
fn fuzzy(
    conn: &Connection,
    text: &str,
    filter: &EntryFilter,
    limit: usize,
) -> Result<Vec<HistoryEntry>> {
    let candidates = newest_distinct(conn, filter, &fuzzy_like_patterns(text), FUZZY_CANDIDATES)?;
    let pattern = Pattern::new(
        text,
        CaseMatching::Smart,
        Normalization::Smart,
        AtomKind::Fuzzy,
    );
    let mut matcher = Matcher::new(Config::DEFAULT);
    let mut buf = Vec::new();
    let mut scored: Vec<(u32, usize, HistoryEntry)> = candidates
        .into_iter()
        .enumerate()
        .filter_map(|(order, entry)| {
            let score = pattern.score(Utf32Str::new(&entry.command, &mut buf), &mut matcher)?;
            Some((score, order, entry))
        })
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    Ok(scored.into_iter().take(limit).map(|(_, _, e)| e).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_escape("50%_a\\b"), "50\\%\\_a\\\\b");
        assert_eq!(fuzzy_like_patterns("gst x_"), vec!["%g%s%t%", "%x%\\_%"]);
    }

    #[test]
    fn a_repository_root_matches_itself_and_below_only() {
        let filter = EntryFilter {
            under_dir: Some("/src/app/".into()),
            ..EntryFilter::default()
        };
        let (sql, params) = filter.to_sql();
        assert!(sql.contains("h.working_dir >= ?"));
        assert_eq!(
            params,
            vec![
                Value::from("/src/app".to_string()),
                Value::from("/src/app/".to_string()),
                Value::from("/src/app0".to_string())
            ]
        );
    }
}
