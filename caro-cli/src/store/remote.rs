//! Applying what other devices sent: pages of entries and deletes (each page
//! with the pull cursor that follows it, in one transaction) and device
//! records. Nothing applied from a remote device is enqueued again.

use rusqlite::{params, OptionalExtension, Transaction};

use super::entries::{soft_delete, BulkIndex};
use super::rows::insert_entry;
use super::{HistoryEntry, NewEntry, Result, Store};
use crate::time::now_ms;

/// From this many entries in a page, the full-text index is filled in one
/// statement rather than by the per-row trigger.
const BULK_FTS_THRESHOLD: usize = 256;

/// A delete made on another device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteTombstone {
    pub id: String,
    pub device_id: String,
    pub created_at: i64,
    pub deleted_at: i64,
}

/// What applying one pulled page did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PageCounts {
    pub inserted: usize,
    /// Already present (pushed by this device before a reset, or pulled twice).
    pub duplicates: usize,
    pub deleted: usize,
}

impl Store {
    /// Stores entries and deletes from other devices and the cursor that
    /// follows them, all or nothing: a crash between pages loses nothing and
    /// the next pull resumes after the last applied page. An entry is stored
    /// under its own id and device id, once (an id already present, even as a
    /// tombstone, is left alone); a delete of an entry not seen yet is kept
    /// as a tombstone, so that its upsert arriving later is ignored.
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
                let new = NewEntry::from(entry);
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
}

/// Applies one delete; returns whether anything changed.
fn apply_tombstone(tx: &Transaction<'_>, t: &RemoteTombstone) -> Result<bool> {
    let state: Option<bool> = tx
        .prepare_cached("SELECT deleted_at IS NULL FROM command_history WHERE id = ?1")?
        .query_row([&t.id], |r| r.get(0))
        .optional()?;
    let now = now_ms();
    match state {
        Some(false) => Ok(false),
        Some(true) => {
            soft_delete(tx, &t.id, t.deleted_at)?;
            tx.prepare_cached("UPDATE command_history SET synced_at = ?1 WHERE id = ?2")?
                .execute(params![now, t.id])?;
            Ok(true)
        }
        None => {
            tx.prepare_cached(
                "INSERT INTO command_history (id, command, device_id, created_at, updated_at,
                     synced_at, deleted_at)
                 VALUES (?1, '', ?2, ?3, ?4, ?5, ?4)",
            )?
            .execute(params![t.id, t.device_id, t.created_at, t.deleted_at, now])?;
            Ok(true)
        }
    }
}
