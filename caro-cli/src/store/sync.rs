//! What a sync layer calls: the outgoing queue, and applying what other
//! devices sent. Nothing applied from a remote device is enqueued again.

use rusqlite::{params, OptionalExtension, Transaction};

use super::entries::{insert_entry, soft_delete};
use super::{HistoryEntry, NewEntry, Result, Store};
use crate::time::now_ms;

/// What happened to an entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncOperation {
    Upsert,
    Delete,
}

impl SyncOperation {
    pub fn as_str(self) -> &'static str {
        match self {
            SyncOperation::Upsert => "upsert",
            SyncOperation::Delete => "delete",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "upsert" => Some(SyncOperation::Upsert),
            "delete" => Some(SyncOperation::Delete),
            _ => None,
        }
    }
}

/// Which table an enqueued item refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntityType {
    /// `command_history`, by entry id.
    Command,
    /// `sync_preferences`, by key.
    Preference,
    /// `devices`, by device id.
    Device,
}

impl EntityType {
    pub fn as_str(self) -> &'static str {
        match self {
            EntityType::Command => "command",
            EntityType::Preference => "preference",
            EntityType::Device => "device",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "command" => Some(EntityType::Command),
            "preference" => Some(EntityType::Preference),
            "device" => Some(EntityType::Device),
            _ => None,
        }
    }
}

/// One pending change to push. An upsert carries no payload: the pusher reads
/// the entity's current state (`Store::entry`, `Store::preference`). A delete's
/// payload is `{"deletedAt": ms}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncQueueItem {
    pub id: i64,
    pub operation: SyncOperation,
    pub entity_type: EntityType,
    pub entity_id: String,
    pub payload: Option<String>,
    pub created_at: i64,
    pub attempts: i64,
    pub last_attempt_at: Option<i64>,
    pub error: Option<String>,
}

/// A delete made on another device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteTombstone {
    pub id: String,
    pub device_id: String,
    pub created_at: i64,
    pub deleted_at: i64,
}

impl Store {
    /// Pending items, oldest first.
    pub fn pending_sync_items(&self, limit: usize) -> Result<Vec<SyncQueueItem>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, operation, entity_type, entity_id, payload, created_at, attempts,
                        last_attempt_at, error
                 FROM sync_queue ORDER BY id LIMIT ?1",
            )?;
            let rows = stmt.query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
                let op: String = r.get(1)?;
                let entity: String = r.get(2)?;
                Ok(SyncQueueItem {
                    id: r.get(0)?,
                    operation: SyncOperation::parse(&op).unwrap_or(SyncOperation::Upsert),
                    entity_type: EntityType::parse(&entity).unwrap_or(EntityType::Command),
                    entity_id: r.get(3)?,
                    payload: r.get(4)?,
                    created_at: r.get(5)?,
                    attempts: r.get(6)?,
                    last_attempt_at: r.get(7)?,
                    error: r.get(8)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    /// The relay acknowledged these items: drop them from the queue and stamp
    /// their entities' `synced_at`.
    pub fn mark_sync_done(&mut self, item_ids: &[i64]) -> Result<()> {
        self.write(|tx| {
            let now = now_ms();
            for item_id in item_ids {
                let item: Option<(String, String)> = tx
                    .prepare_cached("SELECT entity_type, entity_id FROM sync_queue WHERE id = ?1")?
                    .query_row([item_id], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()?;
                let Some((entity_type, entity_id)) = item else {
                    continue;
                };
                let stamp = match EntityType::parse(&entity_type) {
                    Some(EntityType::Command) => {
                        "UPDATE command_history SET synced_at = ?1 WHERE id = ?2"
                    }
                    Some(EntityType::Preference) => {
                        "UPDATE sync_preferences SET synced_at = ?1 WHERE key = ?2"
                    }
                    Some(EntityType::Device) | None => "SELECT ?1, ?2",
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

    /// Stores an entry received from another device under its own id and
    /// device id. Idempotent: an id already present (even as a tombstone) is
    /// left alone. Returns whether it was inserted. Never enqueued.
    pub fn insert_remote_entry(&mut self, entry: &HistoryEntry) -> Result<bool> {
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
        self.write(|tx| {
            let now = now_ms();
            insert_entry(tx, &entry.id, &new, &entry.device_id, now, Some(now))
        })
    }

    /// Applies a delete made on another device. An entry not seen yet is
    /// stored as a tombstone, so that its upsert arriving later is ignored.
    /// Returns whether anything changed. Never enqueued.
    pub fn apply_remote_tombstone(&mut self, tombstone: &RemoteTombstone) -> Result<bool> {
        self.write(|tx| apply_tombstone(tx, tombstone))
    }
}

pub(super) fn apply_tombstone(tx: &Transaction<'_>, t: &RemoteTombstone) -> Result<bool> {
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
    .execute(params![
        operation.as_str(),
        entity.as_str(),
        entity_id,
        payload,
        now
    ])?;
    Ok(())
}
