//! The store's half of a key rotation (issue 11): the retirement notice
//! appended once to this home's log in the old account, and the switch to the
//! new account in one transaction, so that a crash leaves the home wholly in
//! the old account or wholly in the new one, never between.

use rusqlite::{params, OptionalExtension};

use super::identity::link_account;
use super::outbox::own_chain;
use super::{Result, Sealed, Store, StoreError};
use crate::time::now_ms;

/// The place of the retirement notice in this home's log.
#[derive(Debug)]
pub struct RetiredToSeal<'a> {
    pub device_id: &'a str,
    pub seq: u64,
    pub prev: &'a str,
    pub created_at: i64,
}

impl Store {
    /// Appends the retirement notice to this home's outbox unless it holds
    /// one already (a resumed rotation seals it once), in one transaction
    /// with advancing the chain. Queued changes stay queued: they go to the
    /// new account only. Returns whether it sealed one now.
    pub fn append_retired(
        &mut self,
        seal: impl FnOnce(&RetiredToSeal<'_>) -> std::result::Result<Sealed, String>,
    ) -> Result<bool> {
        self.write(|tx| {
            let sealed_before = tx
                .prepare_cached("SELECT 1 FROM sync_outbox WHERE kind = 'retired'")?
                .query_row([], |_| Ok(()))
                .optional()?
                .is_some();
            if sealed_before {
                return Ok(false);
            }
            let chain = own_chain(tx)?;
            let created_at = chain.next_stamp(now_ms());
            let record = seal(&RetiredToSeal {
                device_id: &chain.device_id,
                seq: chain.next_seq,
                prev: &chain.last_hash,
                created_at,
            })
            .map_err(StoreError::Sealing)?;
            tx.execute(
                "INSERT INTO sync_outbox (seq, kind, id, epoch, envelope, hash, acked)
                 VALUES (?1, 'retired', 'retired', ?2, ?3, ?4, 0)",
                params![chain.next_seq, record.epoch, record.envelope, record.hash],
            )?;
            tx.execute(
                "UPDATE sync_own_chain SET next_seq = ?1, last_hash = ?2, clock = max(clock, ?3)",
                params![chain.next_seq + 1, record.hash, created_at],
            )?;
            Ok(true)
        })
    }

    /// Moves this home to the new account, in one transaction: what was
    /// verified of the old account's logs and learnt from them is forgotten
    /// (the removed devices with it; entries keep their device ids), the new
    /// account is linked, and everything live is enqueued for it: every
    /// entry of every device (ids kept), every delete this home knows, every
    /// preference and this device's record. This home's log starts over at
    /// seq 0. Returns how many changes were enqueued.
    pub fn rotate_into(
        &mut self,
        key_id: &str,
        account_id: &str,
        relay_url: &str,
        removed_devices: &[String],
    ) -> Result<usize> {
        self.write(|tx| {
            tx.execute("DELETE FROM sync_chains", [])?;
            tx.execute("DELETE FROM sync_findings", [])?;
            tx.execute("DELETE FROM sync_rejections", [])?;
            for id in removed_devices {
                tx.execute("DELETE FROM devices WHERE id = ?1 AND is_current = 0", [id])?;
            }
            let enqueued = link_account(tx, key_id, account_id, relay_url, true)?;
            // A device that had not applied a delete before the rotation
            // learns it from the new account.
            let deletes = tx.execute(
                "INSERT INTO sync_queue (operation, entity_type, entity_id, payload, created_at)
                 SELECT 'delete', 'command', h.id, json_object('deletedAt', h.deleted_at), ?1
                 FROM command_history h
                 WHERE h.deleted_at IS NOT NULL
                   AND NOT EXISTS (SELECT 1 FROM sync_queue q
                       WHERE q.entity_type = 'command' AND q.entity_id = h.id)
                 ORDER BY h.deleted_at",
                [now_ms()],
            )?;
            Ok(enqueued + deletes)
        })
    }
}
