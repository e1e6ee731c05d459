//! Recording, listing, searching, deleting, pruning and counting entries
//! (how they map to rows is in `rows.rs`).

use std::collections::HashMap;

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use strum::VariantArray;
use uuid::{NoContext, Timestamp, Uuid};

use super::queue::enqueue;
use super::rows::{entry_from_row, insert_entry, EntityType, SyncOperation, ENTRY_COLUMNS};
use super::{current_device_id, HistoryEntry, NewEntry, Result, Store, StoreError};
use crate::safety::RiskLevel;
use crate::time::now_ms;

/// What an import knows an imported command by, kept on this device only.
pub type ImportKey = [u8; 16];

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportCounts {
    pub inserted: usize,
    /// Already present from an earlier import (or deleted since).
    pub duplicates: usize,
}

/// What a prune removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PruneCounts {
    pub older_than_retention: usize,
    pub over_max_commands: usize,
    /// Deleted entries whose delete was already synced and that are past retention.
    pub tombstones: usize,
}

/// Counts for `caro history stats`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    pub total: u64,
    pub by_level: Vec<(RiskLevel, u64)>,
    pub top_commands: Vec<(String, u64)>,
    pub with_exit_code: u64,
    pub succeeded: u64,
    pub oldest_ms: Option<i64>,
}

impl Store {
    /// Records an entry made on this device and enqueues it for sync, in one
    /// transaction. Returns its new id (UUID v7).
    pub fn record(&mut self, entry: &NewEntry) -> Result<String> {
        let id = new_entry_id(entry.created_at);
        self.write(|tx| {
            let device_id = current_device_id(tx)?;
            let now = now_ms();
            insert_entry(tx, &id, entry, &device_id, now, None)?;
            enqueue(
                tx,
                SyncOperation::Upsert,
                EntityType::Command,
                &id,
                None,
                now,
            )?;
            Ok(())
        })?;
        self.fold_wal_if_long();
        Ok(id)
    }

    /// Inserts imported entries under ids chosen by the importer, all in one
    /// transaction, skipping those whose import key (see [`ImportKey`]) or id
    /// is already present. `progress` is called with the number of entries
    /// handled so far.
    ///
    /// Indexing each row for full-text search as it lands costs most of an
    /// import, so the insert trigger is dropped for the transaction, the new
    /// rows are indexed and enqueued in one statement each, and the trigger is
    /// recreated before commit: other processes never see it missing.
    pub fn import(
        &mut self,
        entries: impl IntoIterator<Item = (Option<ImportKey>, String, NewEntry)>,
        mut progress: impl FnMut(usize),
    ) -> Result<ImportCounts> {
        // A big transaction: let SQLite keep the pages it touches in memory.
        self.read(|conn| {
            conn.pragma_update(None, "cache_size", -65_536)?;
            Ok(conn.pragma_update(None, "temp_store", "MEMORY")?)
        })?;
        let counts = self.write(|tx| {
            let device_id = current_device_id(tx)?;
            let now = now_ms();
            let index = BulkIndex::begin(tx)?;
            let (mut inserted, mut seen) = (0, 0);
            for (key, id, entry) in entries {
                let new_key = match key {
                    Some(key) => {
                        tx.prepare_cached("INSERT OR IGNORE INTO import_keys (key) VALUES (?1)")?
                            .execute([&key[..]])?
                            == 1
                    }
                    None => true,
                };
                if new_key && insert_entry(tx, &id, &entry, &device_id, now, None)? {
                    inserted += 1;
                }
                seen += 1;
                if seen % 1024 == 0 {
                    progress(seen);
                }
            }
            tx.execute(
                "INSERT INTO sync_queue (operation, entity_type, entity_id, payload, created_at)
                 SELECT 'upsert', 'command', id, NULL, ?2 FROM command_history
                 WHERE rowid > ?1 ORDER BY rowid",
                [index.last_rowid_before, now],
            )?;
            index.finish(tx)?;
            progress(seen);
            Ok(ImportCounts {
                inserted,
                duplicates: seen - inserted,
            })
        })?;
        // Fold the import's write-ahead log back into the database now, once,
        // rather than leave a large log for the next commands to read through.
        self.read(|conn| Ok(conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?))?;
        Ok(counts)
    }

    /// Full-text search over command, prompt and explanation, best match
    /// first and, among equal matches, newest first. Each word matches as a
    /// prefix (`dock` finds `docker`); a command recorded many times appears
    /// once, as its newest entry.
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<HistoryEntry>> {
        let Some(fts_query) = fts_query(query) else {
            return Ok(Vec::new());
        };
        self.read(|conn| {
            let mut window = (limit * 8).max(200);
            loop {
                let (found, exhausted) = search_window(conn, &fts_query, window, limit)?;
                if found.len() >= limit || exhausted {
                    return Ok(found);
                }
                window *= 4;
            }
        })
    }

    /// The live entries among `ids`, by id.
    pub fn live_entries_by_id(&self, ids: &[&str]) -> Result<HashMap<String, HistoryEntry>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {ENTRY_COLUMNS} FROM command_history h
                 WHERE h.id = ?1 AND h.deleted_at IS NULL"
            ))?;
            let mut found = HashMap::with_capacity(ids.len());
            for id in ids {
                if let Some(entry) = stmt.query_row([id], entry_from_row).optional()? {
                    found.insert(entry.id.clone(), entry);
                }
            }
            Ok(found)
        })
    }

    /// Every live entry, oldest first (for `caro sync export`).
    pub fn all_live_entries(&self) -> Result<Vec<HistoryEntry>> {
        self.read(|conn| {
            let mut stmt = conn.prepare(&format!(
                "SELECT {ENTRY_COLUMNS} FROM command_history h WHERE h.deleted_at IS NULL
                 ORDER BY h.created_at, h.id"
            ))?;
            let rows = stmt.query_map([], entry_from_row)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    /// Soft-deletes entries: their text is erased at once, the id stays as a
    /// tombstone so the delete can sync and a re-import cannot bring the entry
    /// back. A pending upload of the entry is cancelled. All ids must name live
    /// entries, or nothing is deleted.
    pub fn delete(&mut self, ids: &[String]) -> Result<usize> {
        let mut unique: Vec<&String> = Vec::with_capacity(ids.len());
        for id in ids {
            if !unique.contains(&id) {
                unique.push(id);
            }
        }
        self.write(|tx| {
            let mut unknown = Vec::new();
            for id in &unique {
                let live: Option<bool> = tx
                    .prepare_cached("SELECT deleted_at IS NULL FROM command_history WHERE id = ?1")?
                    .query_row([id], |r| r.get(0))
                    .optional()?;
                if live != Some(true) {
                    unknown.push((*id).clone());
                }
            }
            if !unknown.is_empty() {
                return Err(StoreError::UnknownIds { ids: unknown });
            }
            let now = now_ms();
            for id in &unique {
                soft_delete(tx, id, now)?;
                let payload = serde_json::json!({ "deletedAt": now }).to_string();
                enqueue(
                    tx,
                    SyncOperation::Delete,
                    EntityType::Command,
                    id,
                    Some(&payload),
                    now,
                )?;
            }
            Ok(unique.len())
        })
    }

    /// Retention: removes entries older than `max_age_ms` and all but the
    /// `max_commands` newest. This is local housekeeping, not a delete: nothing
    /// is enqueued, and pending uploads of removed entries are dropped. With
    /// `dry_run`, the same statements run and are rolled back: the counts are
    /// exactly what a real run would remove.
    pub fn prune(
        &mut self,
        max_age_ms: Option<i64>,
        max_commands: Option<u64>,
        dry_run: bool,
    ) -> Result<PruneCounts> {
        self.write(|tx| {
            tx.execute_batch("SAVEPOINT prune")?;
            let mut counts = PruneCounts::default();
            if let Some(max_age) = max_age_ms {
                let cutoff = now_ms().saturating_sub(max_age);
                counts.older_than_retention = tx.execute(
                    "DELETE FROM command_history WHERE deleted_at IS NULL AND created_at < ?1",
                    [cutoff],
                )?;
                counts.tombstones = tx.execute(
                    "DELETE FROM command_history
                     WHERE deleted_at IS NOT NULL AND deleted_at < ?1
                       AND id NOT IN (SELECT entity_id FROM sync_queue WHERE entity_type = 'command')",
                    [cutoff],
                )?;
            }
            if let Some(max) = max_commands {
                counts.over_max_commands = tx.execute(
                    "DELETE FROM command_history WHERE rowid IN (
                         SELECT rowid FROM command_history WHERE deleted_at IS NULL
                         ORDER BY created_at DESC, rowid DESC LIMIT -1 OFFSET ?1)",
                    [i64::try_from(max).unwrap_or(i64::MAX)],
                )?;
            }
            tx.execute(
                "DELETE FROM sync_queue WHERE entity_type = 'command' AND operation = 'upsert'
                   AND entity_id NOT IN (SELECT id FROM command_history)",
                [],
            )?;
            tx.execute_batch(if dry_run {
                "ROLLBACK TO prune; RELEASE prune"
            } else {
                "RELEASE prune"
            })?;
            Ok(counts)
        })
    }

    /// Counts by risk level, the most used commands, the success rate.
    pub fn stats(&self, top: usize) -> Result<Stats> {
        self.read(|conn| {
            let mut stats = Stats::default();
            let mut stmt = conn.prepare(
                "SELECT safety_level, count(*) FROM command_history
                 WHERE deleted_at IS NULL GROUP BY safety_level",
            )?;
            let mut by_level: HashMap<RiskLevel, u64> = HashMap::new();
            for row in
                stmt.query_map([], |r| Ok((r.get::<_, RiskLevel>(0)?, r.get::<_, i64>(1)?)))?
            {
                let (level, count) = row?;
                *by_level.entry(level).or_default() += count as u64;
            }
            stats.by_level = RiskLevel::VARIANTS
                .iter()
                .map(|level| (*level, by_level.get(level).copied().unwrap_or(0)))
                .collect();
            stats.total = stats.by_level.iter().map(|(_, n)| n).sum();
            let mut stmt = conn.prepare(
                "SELECT command, count(*) AS uses FROM command_history WHERE deleted_at IS NULL
                 GROUP BY command ORDER BY uses DESC, max(created_at) DESC LIMIT ?1",
            )?;
            stats.top_commands = stmt
                .query_map([top as i64], |r| {
                    Ok((r.get(0)?, r.get::<_, i64>(1)? as u64))
                })?
                .collect::<rusqlite::Result<_>>()?;
            let (with_exit, succeeded, oldest): (i64, Option<i64>, Option<i64>) = conn.query_row(
                "SELECT count(exit_code), sum(exit_code = 0), min(created_at)
                 FROM command_history WHERE deleted_at IS NULL",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
            stats.with_exit_code = with_exit as u64;
            stats.succeeded = succeeded.unwrap_or(0) as u64;
            stats.oldest_ms = oldest;
            Ok(stats)
        })
    }
}

/// A UUID v7 whose timestamp is the entry's creation time.
fn new_entry_id(created_at_ms: i64) -> String {
    let ms = u64::try_from(created_at_ms).unwrap_or(0);
    let ts = Timestamp::from_unix(NoContext, ms / 1000, ((ms % 1000) * 1_000_000) as u32);
    Uuid::new_v7(ts).to_string()
}

/// Full-text indexing of a big batch of inserts in one statement at the end,
/// instead of the insert trigger's one index update per row (most of the cost
/// of an import). Only inside one transaction: begin, insert, finish.
pub(super) struct BulkIndex {
    /// Rows above this rowid are the batch's.
    pub last_rowid_before: i64,
}

impl BulkIndex {
    pub fn begin(tx: &Transaction<'_>) -> Result<Self> {
        let last_rowid_before = tx.query_row(
            "SELECT coalesce(max(rowid), 0) FROM command_history",
            [],
            |r| r.get(0),
        )?;
        tx.execute_batch("DROP TRIGGER command_history_fts_insert")?;
        Ok(Self { last_rowid_before })
    }

    /// Indexes the batch's live rows and puts the trigger back.
    pub fn finish(self, tx: &Transaction<'_>) -> Result<()> {
        tx.execute(
            "INSERT INTO command_history_fts (rowid, command, prompt, explanation)
             SELECT rowid, command, prompt, explanation FROM command_history
             WHERE rowid > ?1 AND deleted_at IS NULL",
            [self.last_rowid_before],
        )?;
        tx.execute_batch(super::schema::FTS_INSERT_TRIGGER)?;
        Ok(())
    }
}

/// Marks an entry deleted and erases its text (the FTS trigger unindexes it).
pub(super) fn soft_delete(tx: &Transaction<'_>, id: &str, deleted_at: i64) -> Result<()> {
    tx.prepare_cached(
        "UPDATE command_history SET deleted_at = ?1, updated_at = ?1, command = '',
             prompt = NULL, explanation = NULL, working_dir = NULL, safety_warnings = '[]'
         WHERE id = ?2 AND deleted_at IS NULL",
    )?
    .execute(params![deleted_at, id])?;
    tx.prepare_cached(
        "DELETE FROM sync_queue WHERE entity_type = 'command' AND entity_id = ?1
           AND operation = 'upsert'",
    )?
    .execute([id])?;
    Ok(())
}

fn search_window(
    conn: &Connection,
    fts_query: &str,
    window: usize,
    limit: usize,
) -> Result<(Vec<HistoryEntry>, bool)> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {ENTRY_COLUMNS} FROM (
             SELECT rowid, rank FROM command_history_fts
             WHERE command_history_fts MATCH ?1 ORDER BY rank, rowid DESC LIMIT ?2) f
         JOIN command_history h ON h.rowid = f.rowid
         WHERE h.deleted_at IS NULL
         ORDER BY f.rank, f.rowid DESC"
    ))?;
    let mut found: Vec<HistoryEntry> = Vec::new();
    let mut slot: HashMap<String, usize> = HashMap::new();
    let mut fetched = 0;
    let mut rows = stmt.query(params![fts_query, window as i64])?;
    while let Some(row) = rows.next()? {
        fetched += 1;
        let entry = entry_from_row(row)?;
        match slot.get(&entry.command) {
            Some(&i) if entry.created_at > found[i].created_at => found[i] = entry,
            Some(_) => {}
            None if found.len() < limit => {
                slot.insert(entry.command.clone(), found.len());
                found.push(entry);
            }
            None => {}
        }
    }
    Ok((found, fetched < window))
}

/// Turns what the user typed into an FTS5 query: every word is a quoted
/// prefix term, so punctuation such as `--force` or `a|b` cannot be read as
/// query syntax. Words with no letter or digit are dropped.
pub(super) fn fts_query(input: &str) -> Option<String> {
    let terms: Vec<String> = input
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .map(|w| format!("\"{}\"*", w.replace('"', "\"\"")))
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

#[cfg(test)]
mod tests {
    use super::fts_query;

    #[test]
    fn fts_query_quotes_every_word() {
        assert_eq!(fts_query("git push").as_deref(), Some("\"git\"* \"push\"*"));
        assert_eq!(fts_query("--force").as_deref(), Some("\"--force\"*"));
        assert_eq!(
            fts_query("say \"hi\"").as_deref(),
            Some("\"say\"* \"\"\"hi\"\"\"*")
        );
        assert_eq!(fts_query("| && ;"), None);
        assert_eq!(fts_query("   "), None);
    }
}
