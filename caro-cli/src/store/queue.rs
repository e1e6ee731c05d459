//! The outgoing sync queue: every local change is enqueued in the transaction
//! that made it; a push reads it in order and removes an item only once the
//! relay has it.

use rusqlite::{params, OptionalExtension, Transaction};

use super::rows::{queue_item_from_row, EntityType, SyncOperation, SyncQueueItem, QUEUE_COLUMNS};
use super::{Result, Store};
use crate::time::now_ms;

impl Store {
    /// Queue items with an id above `after_id`, oldest first.
    pub fn sync_queue_after(&self, after_id: i64, limit: usize) -> Result<Vec<SyncQueueItem>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {QUEUE_COLUMNS} FROM sync_queue WHERE id > ?1 ORDER BY id LIMIT ?2"
            ))?;
            let rows = stmt.query_map(
                params![after_id, i64::try_from(limit).unwrap_or(i64::MAX)],
                queue_item_from_row,
            )?;
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

    /// The relay acknowledged these items: drop them from the queue and stamp
    /// their entities' `synced_at`.
    pub fn mark_sync_done(&mut self, item_ids: &[i64]) -> Result<()> {
        self.write(|tx| {
            let now = now_ms();
            for item_id in item_ids {
                let item: Option<(EntityType, String)> = tx
                    .prepare_cached("SELECT entity_type, entity_id FROM sync_queue WHERE id = ?1")?
                    .query_row([item_id], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()?;
                let Some((entity_type, entity_id)) = item else {
                    continue;
                };
                let stamp = match entity_type {
                    EntityType::Command => {
                        "UPDATE command_history SET synced_at = ?1 WHERE id = ?2"
                    }
                    EntityType::Preference => {
                        "UPDATE sync_preferences SET synced_at = ?1 WHERE key = ?2"
                    }
                    EntityType::Device => "SELECT ?1, ?2",
                };
                tx.prepare_cached(stamp)?.execute(params![now, entity_id])?;
                tx.prepare_cached("DELETE FROM sync_queue WHERE id = ?1")?
                    .execute([item_id])?;
            }
            Ok(())
        })
    }

    /// A push failed: count the attempt and keep the error for `caro sync status`.
    pub fn record_sync_failure(&mut self, item_id: i64, error: &str) -> Result<()> {
        self.write(|tx| {
            tx.prepare_cached(
                "UPDATE sync_queue SET attempts = attempts + 1, last_attempt_at = ?1, error = ?2
                 WHERE id = ?3",
            )?
            .execute(params![now_ms(), error, item_id])?;
            Ok(())
        })
    }
}

/// Adds a pending change; called inside the transaction that made it.
pub(super) fn enqueue(
    tx: &Transaction<'_>,
    operation: SyncOperation,
    entity: EntityType,
    entity_id: &str,
    payload: Option<&str>,
    now: i64,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO sync_queue (operation, entity_type, entity_id, payload, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![operation, entity, entity_id, payload, now])?;
    Ok(())
}
