//! Applying what the account's logs hold: one pulled page of records,
//! verified and opened by the sync layer, is applied with the chain states
//! it reached, the records it rejected and the pull cursor that follows it,
//! in one transaction. Nothing applied from a log is enqueued again.

use rusqlite::{params, OptionalExtension, Transaction};

use super::entries::{soft_delete, BulkIndex};
use super::integrity::{write_chain, ChainState, Rejection};
use super::rows::insert_entry;
use super::{HistoryEntry, NewEntry, Result, Store, StoredPreference};
use crate::time::now_ms;

/// From this many entries in a page, the full-text index is filled in one
/// statement rather than by the per-row trigger.
const BULK_FTS_THRESHOLD: usize = 256;

/// A delete record from a device's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteTombstone {
    pub id: String,
    pub device_id: String,
    pub deleted_at: i64,
}

/// A device record: the name and platform a device gave itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteDevice {
    pub id: String,
    pub name: String,
    pub platform: String,
    pub created_at: i64,
}

/// One pulled page, checked and opened: what to apply, and what it changes
/// in the verified state of the logs.
#[derive(Debug, Clone, Default)]
pub struct PulledPage {
    pub entries: Vec<HistoryEntry>,
    pub deletes: Vec<RemoteTombstone>,
    pub preferences: Vec<StoredPreference>,
    pub devices: Vec<RemoteDevice>,
    /// The state each device's log reached in this page.
    pub chains: Vec<ChainState>,
    pub rejections: Vec<Rejection>,
    /// The highest stamp among the page's records (the hybrid clock sees it).
    pub clock: i64,
}

/// What applying one pulled page did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PageCounts {
    pub inserted: usize,
    /// Already present (pushed by this device before a reset, or pulled twice).
    pub duplicates: usize,
    pub deleted: usize,
    pub preferences: usize,
    pub devices: usize,
}

impl Store {
    /// Applies a pulled page and the cursor that follows it, all or nothing:
    /// a crash between pages loses nothing and the next pull resumes after
    /// the last applied page. An entry is stored under its own id, once (an
    /// id already present, even as a tombstone, is left alone); a delete of
    /// an entry not seen yet is kept as a tombstone, so that the entry
    /// arriving later stays deleted.
    pub fn apply_remote_page(&mut self, page: &PulledPage, cursor: &str) -> Result<PageCounts> {
        let bulk = page.entries.len() >= BULK_FTS_THRESHOLD;
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
            for entry in &page.entries {
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
            for tombstone in &page.deletes {
                if apply_tombstone(tx, tombstone)? {
                    counts.deleted += 1;
                }
            }
            for pref in &page.preferences {
                if super::preferences::apply_remote(tx, pref)? {
                    counts.preferences += 1;
                }
            }
            for device in &page.devices {
                upsert_device(tx, device)?;
                counts.devices += 1;
            }
            for chain in &page.chains {
                write_chain(tx, chain, now)?;
            }
            for rejection in &page.rejections {
                super::integrity::write_rejection(tx, rejection, now)?;
            }
            if page.clock > 0 {
                super::outbox::observe_stamp(tx, page.clock)?;
            }
            tx.prepare_cached(
                "UPDATE sync_identity SET pull_cursor = ?1, updated_at = ?2 WHERE id = 1",
            )?
            .execute(params![cursor, now])?;
            Ok(counts)
        })
    }
}

/// Records (or refreshes) a device learnt from its log: its last record
/// wins. The current device's own row is never overwritten.
fn upsert_device(tx: &Transaction<'_>, device: &RemoteDevice) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO devices (id, name, platform, is_current, created_at, updated_at)
         VALUES (?1, ?2, ?3, 0, ?4, ?4)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name,
             platform = excluded.platform, updated_at = excluded.updated_at
         WHERE devices.is_current = 0",
    )?
    .execute(params![
        device.id,
        device.name,
        device.platform,
        device.created_at
    ])?;
    Ok(())
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
                 VALUES (?1, '', ?2, ?3, ?3, ?4, ?3)",
            )?
            .execute(params![t.id, t.device_id, t.deleted_at, now])?;
            Ok(true)
        }
    }
}
