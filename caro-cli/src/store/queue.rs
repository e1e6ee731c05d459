//! The outgoing sync queue: every local change is enqueued in the transaction
//! that made it; a sync seals it into the outbox (`outbox.rs`) in order, and
//! the outbox holds it until the relay has it.

use rusqlite::{params, Transaction};

use super::rows::{queue_item_from_row, EntityType, SyncOperation, SyncQueueItem, QUEUE_COLUMNS};
use super::{Result, Store};

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

    /// Changes not yet acknowledged by the relay (queued, or sealed and
    /// not acknowledged), and how many of them the daemon refused.
    pub fn sync_queue_counts(&self) -> Result<(u64, u64)> {
        self.read(|conn| {
            Ok(conn.query_row(
                "SELECT (SELECT count(*) FROM sync_queue)
                      + (SELECT count(*) FROM sync_outbox WHERE acked = 0),
                        (SELECT count(error) FROM sync_outbox WHERE acked = 0)",
                [],
                |r| {
                    let (pending, failed): (i64, i64) = (r.get(0)?, r.get(1)?);
                    Ok((pending.unsigned_abs(), failed.unsigned_abs()))
                },
            )?)
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
