//! A copied home (a backup restored, a VM cloned, a dotfile directory copied)
//! shares its device id, and so its log, with the original: the two would
//! write one chain. The copy notices (its log holds a record it did not write)
//! and re-registers: a new device id, a new chain from seq 0, and everything
//! it holds re-enqueued under the new id (entry ids unchanged, so receivers
//! that have them already keep one copy). Nothing is lost on either side:
//! the old id's log becomes the original's, verified and applied like any
//! other device's.

use rusqlite::params;

use super::outbox::GENESIS_HASH;
use super::{current_device_id, Result, Store};
use crate::time::now_ms;

/// What a re-registration changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rehomed {
    /// The device id this home shared with another.
    pub old_id: String,
    /// The device id it syncs as from now on.
    pub new_id: String,
    /// How many changes were enqueued again.
    pub enqueued: usize,
}

impl Store {
    /// Re-registers this home under a new device id (UUIDv7), in one
    /// transaction: the new device becomes current (the old id stays known,
    /// as the original's), this home's entries, preferences and deletes move
    /// to the new id and are enqueued again with a device record, and its own
    /// log restarts at seq 0.
    pub fn rehome(&mut self) -> Result<Rehomed> {
        self.write(|tx| {
            let now = now_ms();
            let old_id = current_device_id(tx)?;
            let new_id = uuid::Uuid::now_v7().to_string();
            tx.execute(
                "INSERT INTO devices (id, name, platform, is_current, created_at, updated_at,
                     last_seen_at)
                 SELECT ?1, name, platform, 0, ?2, ?2, ?2 FROM devices WHERE id = ?3",
                params![new_id, now, old_id],
            )?;
            tx.execute("UPDATE devices SET is_current = 0 WHERE id = ?1", [&old_id])?;
            tx.execute("UPDATE devices SET is_current = 1 WHERE id = ?1", [&new_id])?;
            tx.execute(
                "UPDATE command_history SET device_id = ?1 WHERE device_id = ?2",
                params![new_id, old_id],
            )?;
            tx.execute(
                "UPDATE sync_preferences SET updated_by = ?1, updated_seq = 0
                 WHERE updated_by = ?2",
                params![new_id, old_id],
            )?;
            let mut enqueued = tx.execute(
                "INSERT INTO sync_queue (operation, entity_type, entity_id, created_at)
                 SELECT 'upsert', 'command', h.id, ?1 FROM command_history h
                 WHERE h.deleted_at IS NULL AND h.device_id = ?2
                   AND NOT EXISTS (SELECT 1 FROM sync_queue q
                       WHERE q.entity_type = 'command' AND q.entity_id = h.id)
                 ORDER BY h.created_at",
                params![now, new_id],
            )?;
            // The deletes this home wrote: those in the copy's lost records
            // would be lost too. A second delete of one entry changes nothing.
            enqueued += tx.execute(
                "INSERT INTO sync_queue (operation, entity_type, entity_id, payload, created_at)
                 SELECT 'delete', 'command', o.id,
                        json_object('deletedAt', coalesce(h.deleted_at, ?1)), ?1
                 FROM sync_outbox o LEFT JOIN command_history h ON h.id = o.id
                 WHERE o.kind = 'delete'
                   AND NOT EXISTS (SELECT 1 FROM sync_queue q
                       WHERE q.entity_type = 'command' AND q.entity_id = o.id)
                 ORDER BY o.seq",
                [now],
            )?;
            enqueued += tx.execute(
                "INSERT INTO sync_queue (operation, entity_type, entity_id, created_at)
                 SELECT 'upsert', 'preference', p.key, ?1 FROM sync_preferences p
                 WHERE p.updated_by = ?2
                   AND NOT EXISTS (SELECT 1 FROM sync_queue q
                       WHERE q.entity_type = 'preference' AND q.entity_id = p.key)",
                params![now, new_id],
            )?;
            enqueued += tx.execute(
                "INSERT INTO sync_queue (operation, entity_type, entity_id, created_at)
                 VALUES ('upsert', 'device', ?1, ?2)",
                params![new_id, now],
            )?;
            tx.execute("DELETE FROM sync_outbox", [])?;
            tx.execute(
                "UPDATE sync_own_chain SET device_id = ?1, next_seq = 0, last_hash = ?2",
                params![new_id, GENESIS_HASH],
            )?;
            Ok(Rehomed {
                old_id,
                new_id,
                enqueued,
            })
        })
    }
}
