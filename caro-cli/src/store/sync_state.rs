//! What `caro sync` keeps in the database besides the entries: the identity
//! row (key id, account, relay, pull cursor, last sync), pages of remote
//! entries applied in one transaction together with the cursor that follows
//! them, and the queue and device queries that push, watch and status need.

use std::collections::HashMap;

use rusqlite::{params, OptionalExtension, Row};

use super::entries::{entry_from_row, insert_entry, BulkIndex, ENTRY_COLUMNS};
use super::sync::{apply_tombstone, EntityType, RemoteTombstone, SyncOperation};
use super::{HistoryEntry, NewEntry, Result, Store, SyncQueueItem};
use crate::time::now_ms;

/// This installation's link to a sync account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncIdentity {
    /// The key id of the phrase's key set (safe to show).
    pub key_id: String,
    pub account_id: Option<String>,
    pub relay_url: Option<String>,
    /// The daemon's opaque `sync.pull` cursor after the last applied page.
    pub pull_cursor: Option<String>,
    pub last_sync_at: Option<i64>,
    pub created_at: i64,
}

/// What applying one pulled page did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PageCounts {
    pub inserted: usize,
    /// Already present (pushed by this device before a reset, or pulled twice).
    pub duplicates: usize,
    pub deleted: usize,
}

/// A device this installation knows of: itself, or one learnt from the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownDevice {
    pub id: String,
    pub name: String,
    pub platform: String,
    pub is_current: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_seen_at: Option<i64>,
}

/// From this many entries in a page, the full-text index is filled in one
/// statement rather than by the per-row trigger.
const BULK_FTS_THRESHOLD: usize = 256;

const IDENTITY_COLUMNS: &str =
    "key_id, account_id, relay_url, pull_cursor, last_sync_at, created_at";

const DEVICE_COLUMNS: &str = "id, name, platform, is_current, created_at, updated_at, last_seen_at";

fn device_from_row(r: &Row<'_>) -> rusqlite::Result<KnownDevice> {
    Ok(KnownDevice {
        id: r.get(0)?,
        name: r.get(1)?,
        platform: r.get(2)?,
        is_current: r.get(3)?,
        created_at: r.get(4)?,
        updated_at: r.get(5)?,
        last_seen_at: r.get(6)?,
    })
}

fn queue_item_from_row(r: &Row<'_>) -> rusqlite::Result<SyncQueueItem> {
    let operation: String = r.get(1)?;
    let entity: String = r.get(2)?;
    Ok(SyncQueueItem {
        id: r.get(0)?,
        operation: if operation == SyncOperation::Delete.as_str() {
            SyncOperation::Delete
        } else {
            SyncOperation::Upsert
        },
        entity_type: match entity.as_str() {
            "preference" => EntityType::Preference,
            "device" => EntityType::Device,
            _ => EntityType::Command,
        },
        entity_id: r.get(3)?,
        payload: r.get(4)?,
        created_at: r.get(5)?,
        attempts: r.get(6)?,
        last_attempt_at: r.get(7)?,
        error: r.get(8)?,
    })
}

impl Store {
    /// The identity row, if this installation joined an account.
    pub fn sync_identity(&self) -> Result<Option<SyncIdentity>> {
        self.read(|conn| {
            Ok(conn
                .prepare_cached(&format!(
                    "SELECT {IDENTITY_COLUMNS} FROM sync_identity WHERE id = 1"
                ))?
                .query_row([], |r| {
                    Ok(SyncIdentity {
                        key_id: r.get(0)?,
                        account_id: r.get(1)?,
                        relay_url: r.get(2)?,
                        pull_cursor: r.get(3)?,
                        last_sync_at: r.get(4)?,
                        created_at: r.get(5)?,
                    })
                })
                .optional()?)
        })
    }

    /// Links this installation to an account (replacing any old link, cursor
    /// included) and enqueues everything local that the account lacks: every
    /// live entry and every preference not already queued. One transaction.
    /// Returns how many items were enqueued.
    pub fn join_sync_account(
        &mut self,
        key_id: &str,
        account_id: &str,
        relay_url: &str,
    ) -> Result<usize> {
        self.write(|tx| {
            let now = now_ms();
            tx.execute(
                "INSERT OR REPLACE INTO sync_identity
                     (id, key_id, account_id, relay_url, pull_cursor, last_sync_at,
                      created_at, updated_at)
                 VALUES (1, ?1, ?2, ?3, NULL, NULL, ?4, ?4)",
                params![key_id, account_id, relay_url, now],
            )?;
            let commands = tx.execute(
                "INSERT INTO sync_queue (operation, entity_type, entity_id, created_at)
                 SELECT 'upsert', 'command', h.id, ?1 FROM command_history h
                 WHERE h.deleted_at IS NULL AND NOT EXISTS (
                     SELECT 1 FROM sync_queue q
                     WHERE q.entity_type = 'command' AND q.entity_id = h.id)
                 ORDER BY h.created_at",
                [now],
            )?;
            let prefs = tx.execute(
                "INSERT INTO sync_queue (operation, entity_type, entity_id, created_at)
                 SELECT 'upsert', 'preference', p.key, ?1 FROM sync_preferences p
                 WHERE NOT EXISTS (
                     SELECT 1 FROM sync_queue q
                     WHERE q.entity_type = 'preference' AND q.entity_id = p.key)",
                [now],
            )?;
            Ok(commands + prefs)
        })
    }

    /// Remembers the relay the user chose with `--relay`.
    pub fn set_sync_relay(&mut self, relay_url: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE sync_identity SET relay_url = ?1, updated_at = ?2 WHERE id = 1",
                params![relay_url, now_ms()],
            )?;
            Ok(())
        })
    }

    /// Stamps a completed sync.
    pub fn set_last_sync(&mut self, at_ms: i64) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE sync_identity SET last_sync_at = ?1, updated_at = ?1 WHERE id = 1",
                [at_ms],
            )?;
            Ok(())
        })
    }

    /// Forgets the account: the identity row and the devices learnt from it.
    /// Entries, preferences and the queue stay.
    pub fn leave_sync_account(&mut self) -> Result<()> {
        self.write(|tx| {
            tx.execute("DELETE FROM sync_identity", [])?;
            tx.execute("DELETE FROM devices WHERE is_current = 0", [])?;
            Ok(())
        })
    }

    /// Stores entries and deletes from other devices and the cursor that
    /// follows them, all or nothing: a crash between pages loses nothing and
    /// the next pull resumes after the last applied page.
    pub fn apply_remote_page(
        &mut self,
        entries: &[HistoryEntry],
        tombstones: &[RemoteTombstone],
        cursor: &str,
    ) -> Result<PageCounts> {
        let bulk = entries.len() >= BULK_FTS_THRESHOLD;
        if bulk {
            self.read(|conn| Ok(conn.pragma_update(None, "cache_size", -65_536)?))?;
        }
        self.write(|tx| {
            let now = now_ms();
            let mut counts = PageCounts::default();
            let index = if bulk {
                Some(BulkIndex::begin(tx)?)
            } else {
                None
            };
            for entry in entries {
                let new = NewEntry {
                    command: entry.command.clone(),
                    prompt: entry.prompt.clone(),
                    explanation: entry.explanation.clone(),
                    safety_level: entry.safety_level,
                    safety_warnings: entry.safety_warnings.clone(),
                    executed: entry.executed,
                    success: entry.success,
                    exit_code: entry.exit_code,
                    duration_ms: entry.duration_ms,
                    cwd: entry.cwd.clone(),
                    shell: entry.shell.clone(),
                    platform: entry.platform.clone(),
                    created_at: entry.created_at,
                    session_id: entry.session_id.clone(),
                    hostname: entry.hostname.clone(),
                };
                if insert_entry(tx, &entry.id, &new, &entry.device_id, now, Some(now))? {
                    counts.inserted += 1;
                } else {
                    counts.duplicates += 1;
                }
            }
            if let Some(index) = index {
                index.finish(tx)?;
            }
            // Deletes after the index is complete: the soft-delete trigger
            // removes what the index holds.
            for tombstone in tombstones {
                if apply_tombstone(tx, tombstone)? {
                    counts.deleted += 1;
                }
            }
            tx.prepare_cached(
                "UPDATE sync_identity SET pull_cursor = ?1, updated_at = ?2 WHERE id = 1",
            )?
            .execute(params![cursor, now])?;
            Ok(counts)
        })
    }

    /// Queue items with an id above `after_id`, oldest first.
    pub fn sync_queue_after(&self, after_id: i64, limit: usize) -> Result<Vec<SyncQueueItem>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, operation, entity_type, entity_id, payload, created_at, attempts,
                        last_attempt_at, error
                 FROM sync_queue WHERE id > ?1 ORDER BY id LIMIT ?2",
            )?;
            let rows = stmt.query_map(
                params![after_id, i64::try_from(limit).unwrap_or(i64::MAX)],
                queue_item_from_row,
            )?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    /// The live entries among `ids`, by id.
    pub fn live_entries_by_id(&self, ids: &[&str]) -> Result<HashMap<String, HistoryEntry>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {ENTRY_COLUMNS}
                 FROM command_history h WHERE h.id = ?1 AND h.deleted_at IS NULL"
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
                "SELECT {ENTRY_COLUMNS}
                 FROM command_history h WHERE h.deleted_at IS NULL
                 ORDER BY h.created_at, h.id"
            ))?;
            let rows = stmt.query_map([], entry_from_row)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    /// Items waiting in the queue, and how many of them failed at least once.
    pub fn sync_queue_counts(&self) -> Result<(u64, u64)> {
        self.read(|conn| {
            Ok(
                conn.query_row("SELECT count(*), count(error) FROM sync_queue", [], |r| {
                    let (pending, failed): (i64, i64) = (r.get(0)?, r.get(1)?);
                    Ok((pending.unsigned_abs(), failed.unsigned_abs()))
                })?,
            )
        })
    }

    /// SQLite's `data_version`: changes when another connection commits.
    pub fn data_version(&self) -> Result<i64> {
        self.read(|conn| Ok(conn.query_row("PRAGMA data_version", [], |r| r.get(0))?))
    }

    /// Records (or refreshes) a device learnt from the account. The current
    /// device's own row is never overwritten.
    pub fn upsert_remote_device(
        &mut self,
        id: &str,
        name: &str,
        platform: &str,
        updated_at: i64,
    ) -> Result<()> {
        self.write(|tx| {
            tx.prepare_cached(
                "INSERT INTO devices (id, name, platform, is_current, created_at, updated_at)
                 VALUES (?1, ?2, ?3, 0, ?4, ?4)
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name,
                     platform = excluded.platform, updated_at = excluded.updated_at
                 WHERE devices.is_current = 0",
            )?
            .execute(params![id, name, platform, updated_at])?;
            Ok(())
        })
    }

    /// Renames this device (from `--device-name`).
    pub fn rename_current_device(&mut self, name: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE devices SET name = ?1, updated_at = ?2 WHERE is_current = 1",
                params![name, now_ms()],
            )?;
            Ok(())
        })
    }

    /// Every known device, this one first.
    pub fn known_devices(&self) -> Result<Vec<KnownDevice>> {
        self.read(|conn| {
            let mut stmt = conn.prepare(&format!(
                "SELECT {DEVICE_COLUMNS} FROM devices ORDER BY is_current DESC, name, id"
            ))?;
            let rows = stmt.query_map([], device_from_row)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }
}
