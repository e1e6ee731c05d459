//! This home's own log (sync protocol v2): its chain state and its outbox.
//! Queued changes are sealed into the outbox in ONE transaction with leaving
//! the queue, each given the next seq and the hash of the record before it,
//! so a crash leaves either the queue item or its sealed record, never both
//! and never neither. An acknowledged record drops its envelope but keeps its
//! seq and hash: they prove which records this home wrote (a pulled own
//! record that is not among them means the home was copied).

use std::collections::HashMap;

use rusqlite::{params, OptionalExtension, Transaction};

use super::rows::{queue_item_from_row, EntityType, SyncOperation, QUEUE_COLUMNS};
use super::{current_device_id, HistoryEntry, Result, Store, StoreError, StoredPreference};
use crate::time::now_ms;

/// The `prev` of a log's first record: 64 zeros.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Queue items sealed per transaction: bounds the memory of one seal step.
const SEAL_BATCH: usize = 1_000;

/// This home's own log: where its next record goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnChain {
    pub device_id: String,
    pub next_seq: u64,
    /// The hash of the last record sealed (GENESIS_HASH before the first).
    pub last_hash: String,
    /// The highest stamp seen, local or pulled: the hybrid logical clock.
    pub clock: i64,
}

impl OwnChain {
    /// The stamp of a new local preference or device record: never before
    /// anything seen, so no remote value can pin it.
    pub fn next_stamp(&self, now: i64) -> i64 {
        now.max(self.clock.saturating_add(1))
    }
}

/// A queued change, resolved to what its record carries.
#[derive(Debug, Clone, PartialEq)]
pub enum LocalOp {
    Entry(Box<HistoryEntry>),
    Delete { id: String },
    Preference(StoredPreference),
    Device { name: String, platform: String },
}

impl LocalOp {
    /// The record kind (`entry`, `delete`, `pref`, `device`).
    pub fn kind(&self) -> &'static str {
        match self {
            LocalOp::Entry(_) => "entry",
            LocalOp::Delete { .. } => "delete",
            LocalOp::Preference(_) => "pref",
            LocalOp::Device { .. } => "device",
        }
    }
}

/// One record to seal: the change and its place in this home's log.
#[derive(Debug)]
pub struct ToSeal<'a> {
    pub op: &'a LocalOp,
    /// The record id: the entry's, the preference key, the device id.
    pub id: &'a str,
    pub device_id: &'a str,
    pub seq: u64,
    pub prev: &'a str,
    pub created_at: i64,
}

/// A sealed record, as the sealer returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub epoch: u32,
    pub envelope: Vec<u8>,
    /// Lowercase hex SHA-256 of the envelope: the next record's `prev`.
    pub hash: String,
}

/// A record of the outbox not yet acknowledged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRecord {
    pub seq: u64,
    pub kind: String,
    pub id: String,
    pub epoch: u32,
    pub envelope: Vec<u8>,
    pub hash: String,
}

impl Store {
    /// This home's chain, created at seq 0 for the current device if it has none.
    pub fn own_chain(&mut self) -> Result<OwnChain> {
        self.write(own_chain)
    }

    /// Seals every queued change into the outbox with `seal`, oldest first,
    /// [`SEAL_BATCH`] per transaction; each transaction moves its items from
    /// the queue to the outbox and advances the chain, all or nothing. A
    /// change with nothing left to send (an entry deleted or pruned since, a
    /// preference gone) just leaves the queue. Returns how many records were
    /// sealed.
    pub fn seal_queue(
        &mut self,
        mut seal: impl FnMut(&ToSeal<'_>) -> std::result::Result<Sealed, String>,
    ) -> Result<u64> {
        let mut total = 0;
        loop {
            let (sealed, more) = self.write(|tx| seal_batch(tx, &mut seal))?;
            total += sealed;
            if !more {
                return Ok(total);
            }
        }
    }

    /// Outbox records not yet acknowledged with a seq above `after`, in seq
    /// order, at most `limit`.
    pub fn unacked_outbox(&self, after: Option<u64>, limit: usize) -> Result<Vec<OutboxRecord>> {
        self.read(|conn| {
            let after = after.map_or(-1, |a| i64::try_from(a).unwrap_or(i64::MAX));
            let mut stmt = conn.prepare_cached(
                "SELECT seq, kind, id, epoch, envelope, hash FROM sync_outbox
                 WHERE acked = 0 AND seq > ?1 AND envelope IS NOT NULL ORDER BY seq LIMIT ?2",
            )?;
            let rows = stmt.query_map(
                params![after, i64::try_from(limit).unwrap_or(i64::MAX)],
                |r| {
                    Ok(OutboxRecord {
                        seq: r.get(0)?,
                        kind: r.get(1)?,
                        id: r.get(2)?,
                        epoch: r.get(3)?,
                        envelope: r.get(4)?,
                        hash: r.get(5)?,
                    })
                },
            )?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    /// Records sealed and not yet acknowledged.
    pub fn unacked_count(&self) -> Result<u64> {
        self.read(|conn| {
            let n: i64 = conn.query_row(
                "SELECT count(*) FROM sync_outbox WHERE acked = 0",
                [],
                |r| r.get(0),
            )?;
            Ok(n.unsigned_abs())
        })
    }

    /// The relay has the records up to `through_seq`: mark them acknowledged
    /// (dropping their envelopes) and stamp their entries and preferences
    /// `synced_at`.
    pub fn mark_acked(&mut self, through_seq: u64) -> Result<()> {
        self.write(|tx| {
            let now = now_ms();
            tx.execute(
                "UPDATE command_history SET synced_at = ?1 WHERE id IN
                     (SELECT id FROM sync_outbox WHERE acked = 0 AND seq <= ?2
                      AND kind IN ('entry', 'delete'))",
                params![now, through_seq],
            )?;
            tx.execute(
                "UPDATE sync_preferences SET synced_at = ?1 WHERE key IN
                     (SELECT id FROM sync_outbox WHERE acked = 0 AND seq <= ?2 AND kind = 'pref')",
                params![now, through_seq],
            )?;
            tx.execute(
                "UPDATE sync_outbox SET acked = 1, envelope = NULL WHERE acked = 0 AND seq <= ?1",
                [through_seq],
            )?;
            Ok(())
        })
    }

    /// The daemon refused record `seq`: keep why for `caro sync status`.
    pub fn record_push_failure(&mut self, seq: u64, error: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE sync_outbox SET error = ?1 WHERE seq = ?2",
                params![error, seq],
            )?;
            Ok(())
        })
    }

    /// The hashes this home recorded for its records `from..=to`, by seq
    /// (a seq it did not write is absent).
    pub fn outbox_hashes(&self, from: u64, to: u64) -> Result<HashMap<u64, String>> {
        self.read(|conn| {
            let mut stmt = conn
                .prepare_cached("SELECT seq, hash FROM sync_outbox WHERE seq BETWEEN ?1 AND ?2")?;
            let rows = stmt.query_map(params![from, to], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<rusqlite::Result<HashMap<_, _>>>()?)
        })
    }
}

/// The chain row, created for the current device at seq 0 when missing.
pub(super) fn own_chain(tx: &Transaction<'_>) -> Result<OwnChain> {
    let found = tx
        .prepare_cached("SELECT device_id, next_seq, last_hash, clock FROM sync_own_chain")?
        .query_row([], |r| {
            Ok(OwnChain {
                device_id: r.get(0)?,
                next_seq: r.get(1)?,
                last_hash: r.get(2)?,
                clock: r.get(3)?,
            })
        })
        .optional()?;
    if let Some(chain) = found {
        return Ok(chain);
    }
    let chain = OwnChain {
        device_id: current_device_id(tx)?,
        next_seq: 0,
        last_hash: GENESIS_HASH.to_string(),
        clock: 0,
    };
    tx.execute(
        "INSERT INTO sync_own_chain (id, account_id, device_id, next_seq, last_hash, clock)
         VALUES (1, (SELECT account_id FROM sync_identity WHERE id = 1), ?1, 0, ?2, 0)",
        params![chain.device_id, chain.last_hash],
    )?;
    Ok(chain)
}

/// Raises the hybrid clock to `stamp` if it is later.
pub(super) fn observe_stamp(tx: &Transaction<'_>, stamp: i64) -> Result<()> {
    own_chain(tx)?;
    tx.prepare_cached("UPDATE sync_own_chain SET clock = max(clock, ?1)")?
        .execute([stamp])?;
    Ok(())
}

/// Seals up to [`SEAL_BATCH`] queue items; returns how many records it
/// sealed and whether the queue holds more.
fn seal_batch(
    tx: &Transaction<'_>,
    seal: &mut impl FnMut(&ToSeal<'_>) -> std::result::Result<Sealed, String>,
) -> Result<(u64, bool)> {
    let mut chain = own_chain(tx)?;
    let items = {
        let mut stmt = tx.prepare_cached(&format!(
            "SELECT {QUEUE_COLUMNS} FROM sync_queue ORDER BY id LIMIT ?1"
        ))?;
        let rows = stmt.query_map([SEAL_BATCH as i64], queue_item_from_row)?;
        rows.collect::<rusqlite::Result<Vec<_>>>()?
    };
    let now = now_ms();
    let mut sealed = 0;
    for item in &items {
        if let Some(op) = resolve(tx, item.entity_type, item.operation, &item.entity_id)? {
            let id = match &op {
                LocalOp::Device { .. } => chain.device_id.clone(),
                _ => item.entity_id.clone(),
            };
            let created_at = match &op {
                LocalOp::Entry(entry) => entry.created_at,
                LocalOp::Delete { .. } => item.deleted_at(),
                LocalOp::Preference(pref) => pref.updated_at,
                LocalOp::Device { .. } => chain.next_stamp(now),
            };
            let record = seal(&ToSeal {
                op: &op,
                id: &id,
                device_id: &chain.device_id,
                seq: chain.next_seq,
                prev: &chain.last_hash,
                created_at,
            })
            .map_err(StoreError::Sealing)?;
            tx.prepare_cached(
                "INSERT INTO sync_outbox (seq, kind, id, epoch, envelope, hash, acked)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0)",
            )?
            .execute(params![
                chain.next_seq,
                op.kind(),
                id,
                record.epoch,
                record.envelope,
                record.hash
            ])?;
            if let LocalOp::Preference(pref) = &op {
                tx.prepare_cached(
                    "UPDATE sync_preferences SET updated_seq = ?1
                     WHERE key = ?2 AND updated_by = ?3",
                )?
                .execute(params![chain.next_seq, pref.key, chain.device_id])?;
            }
            chain.next_seq += 1;
            chain.last_hash = record.hash;
            chain.clock = chain.clock.max(created_at);
            sealed += 1;
        }
        tx.prepare_cached("DELETE FROM sync_queue WHERE id = ?1")?
            .execute([item.id])?;
    }
    tx.prepare_cached("UPDATE sync_own_chain SET next_seq = ?1, last_hash = ?2, clock = ?3")?
        .execute(params![chain.next_seq, chain.last_hash, chain.clock])?;
    Ok((sealed, items.len() == SEAL_BATCH))
}

/// What a queue item's record carries now; `None` when nothing is left to send.
fn resolve(
    tx: &Transaction<'_>,
    entity: EntityType,
    operation: SyncOperation,
    entity_id: &str,
) -> Result<Option<LocalOp>> {
    Ok(match (entity, operation) {
        (EntityType::Command, SyncOperation::Upsert) => tx
            .prepare_cached(&format!(
                "SELECT {} FROM command_history h WHERE h.id = ?1 AND h.deleted_at IS NULL",
                super::rows::ENTRY_COLUMNS
            ))?
            .query_row([entity_id], super::rows::entry_from_row)
            .optional()?
            .map(|e| LocalOp::Entry(Box::new(e))),
        (EntityType::Command, SyncOperation::Delete) => Some(LocalOp::Delete {
            id: entity_id.to_string(),
        }),
        (EntityType::Preference, _) => {
            super::preferences::read(tx, entity_id)?.map(LocalOp::Preference)
        }
        (EntityType::Device, _) => tx
            .prepare_cached("SELECT name, platform FROM devices WHERE is_current = 1")?
            .query_row([], |r| {
                Ok(LocalOp::Device {
                    name: r.get(0)?,
                    platform: r.get(1)?,
                })
            })
            .optional()?,
    })
}
