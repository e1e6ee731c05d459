//! Preferences as synced rows: a JSON value stamped with (updated_at,
//! updated_by, updated_seq) so that devices agree on the last writer. A local
//! stamp comes from the hybrid clock (`outbox.rs`): later than anything seen,
//! so no remote stamp can pin a value.

use rusqlite::{params, OptionalExtension, Row, Transaction};
use serde_json::Value;

use super::queue::enqueue;
use super::rows::{EntityType, SyncOperation};
use super::{current_device_id, Result, Store};
use crate::time::now_ms;

/// One stored preference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPreference {
    pub key: String,
    pub value: Value,
    /// When it was last set, in ms; with `updated_by` the last-writer-wins order.
    pub updated_at: i64,
    /// The device id that set it.
    pub updated_by: String,
    /// The seq of the record that carried it in that device's log (the last
    /// tie-break; 0 for a local value not sealed yet).
    pub updated_seq: u64,
    pub synced_at: Option<i64>,
}

impl StoredPreference {
    /// Whether `self` wins over `other` under last-writer-wins: the later
    /// `updated_at`, ties broken by the larger device id, then the larger seq.
    pub fn supersedes(&self, other: &StoredPreference) -> bool {
        (self.updated_at, &self.updated_by, self.updated_seq)
            > (other.updated_at, &other.updated_by, other.updated_seq)
    }
}

const COLUMNS: &str = "key, value, updated_at, updated_by, synced_at, updated_seq";

fn from_row(row: &Row<'_>) -> rusqlite::Result<StoredPreference> {
    let value: String = row.get(1)?;
    Ok(StoredPreference {
        key: row.get(0)?,
        value: serde_json::from_str(&value).unwrap_or(Value::Null),
        updated_at: row.get(2)?,
        updated_by: row.get(3)?,
        synced_at: row.get(4)?,
        updated_seq: row.get(5)?,
    })
}

/// One preference, read inside a transaction.
pub(super) fn read(tx: &Transaction<'_>, key: &str) -> Result<Option<StoredPreference>> {
    Ok(tx
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM sync_preferences WHERE key = ?1"
        ))?
        .query_row([key], from_row)
        .optional()?)
}

impl Store {
    /// Every preference that was ever set (unset ones have their defaults).
    pub fn preferences(&self) -> Result<Vec<StoredPreference>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM sync_preferences ORDER BY key"
            ))?;
            let rows = stmt.query_map([], from_row)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    /// One preference, if it was ever set.
    pub fn preference(&self, key: &str) -> Result<Option<StoredPreference>> {
        self.read(|conn| {
            Ok(conn
                .prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM sync_preferences WHERE key = ?1"
                ))?
                .query_row([key], from_row)
                .optional()?)
        })
    }

    /// Sets a preference on this device and enqueues it (replacing an older
    /// pending change of the same key), in one transaction. The new stamp is
    /// the hybrid clock's: later than the old value and than any stamp seen,
    /// even if the clock went back or a remote value came from the future.
    pub fn set_preference(&mut self, key: &str, value: &Value) -> Result<StoredPreference> {
        self.write(|tx| {
            let device_id = current_device_id(tx)?;
            let previous: Option<i64> = tx
                .prepare_cached("SELECT updated_at FROM sync_preferences WHERE key = ?1")?
                .query_row([key], |r| r.get(0))
                .optional()?;
            let now = now_ms();
            let clock = super::outbox::own_chain(tx)?;
            let updated_at = previous.map_or(clock.next_stamp(now), |p| {
                clock.next_stamp(now).max(p.saturating_add(1))
            });
            super::outbox::observe_stamp(tx, updated_at)?;
            tx.prepare_cached(
                "INSERT INTO sync_preferences (key, value, updated_at, updated_by, synced_at,
                     updated_seq)
                 VALUES (?1, ?2, ?3, ?4, NULL, 0)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value,
                     updated_at = excluded.updated_at, updated_by = excluded.updated_by,
                     synced_at = NULL, updated_seq = 0",
            )?
            .execute(params![key, value.to_string(), updated_at, device_id])?;
            tx.prepare_cached(
                "DELETE FROM sync_queue WHERE entity_type = 'preference' AND entity_id = ?1",
            )?
            .execute([key])?;
            enqueue(
                tx,
                SyncOperation::Upsert,
                EntityType::Preference,
                key,
                None,
                now,
            )?;
            Ok(StoredPreference {
                key: key.to_string(),
                value: value.clone(),
                updated_at,
                updated_by: device_id,
                updated_seq: 0,
                synced_at: None,
            })
        })
    }

    /// Applies a preference set on another device if it wins last-writer-wins
    /// against the local value. Returns whether it was applied. Never enqueued.
    pub fn apply_remote_preference(&mut self, remote: &StoredPreference) -> Result<bool> {
        self.write(|tx| apply_remote(tx, remote))
    }
}

/// [`Store::apply_remote_preference`] inside a transaction (a pulled page's).
pub(super) fn apply_remote(tx: &Transaction<'_>, remote: &StoredPreference) -> Result<bool> {
    let local = read(tx, &remote.key)?;
    if local.as_ref().is_some_and(|l| !remote.supersedes(l)) {
        return Ok(false);
    }
    tx.prepare_cached(
        "INSERT INTO sync_preferences (key, value, updated_at, updated_by, synced_at, updated_seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value,
             updated_at = excluded.updated_at, updated_by = excluded.updated_by,
             synced_at = excluded.synced_at, updated_seq = excluded.updated_seq",
    )?
    .execute(params![
        remote.key,
        remote.value.to_string(),
        remote.updated_at,
        remote.updated_by,
        now_ms(),
        remote.updated_seq
    ])?;
    // A local change this remote value beat no longer needs pushing.
    tx.prepare_cached(
        "DELETE FROM sync_queue WHERE entity_type = 'preference' AND entity_id = ?1",
    )?
    .execute([&remote.key])?;
    Ok(true)
}
