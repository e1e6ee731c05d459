//! This installation's link to a sync account: the identity row (key id,
//! account, relay, pull cursor, last sync) and the devices it knows.

use rusqlite::{params, OptionalExtension};

use super::rows::{device_from_row, KnownDevice, DEVICE_COLUMNS};
use super::{Result, Store};
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

const IDENTITY_COLUMNS: &str =
    "key_id, account_id, relay_url, pull_cursor, last_sync_at, created_at";

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
    /// live entry recorded on this device (with `all_devices`, also those
    /// pulled from other devices, e.g. of an account left with `sync reset`)
    /// and every preference not already queued. One transaction. Returns how
    /// many items were enqueued.
    pub fn join_sync_account(
        &mut self,
        key_id: &str,
        account_id: &str,
        relay_url: &str,
        all_devices: bool,
    ) -> Result<usize> {
        self.write(|tx| link_account(tx, key_id, account_id, relay_url, all_devices))
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

    /// When the relay last confirmed an entry of this device (`synced_at` of
    /// its own entries), and when an entry from another device last arrived
    /// (pulled entries are stamped on arrival): `caro sync status`'s last
    /// push and last pull.
    pub fn last_push_and_pull(&self) -> Result<(Option<i64>, Option<i64>)> {
        self.read(|conn| {
            let current = super::current_device_id(conn)?;
            let last = |op: &str| -> rusqlite::Result<Option<i64>> {
                conn.query_row(
                    &format!("SELECT MAX(synced_at) FROM command_history WHERE device_id {op} ?1"),
                    [&current],
                    |r| r.get(0),
                )
            };
            Ok((last("=")?, last("<>")?))
        })
    }

    /// Forgets the account: the identity row, the devices learnt from it and
    /// what was verified of their logs (a join reads them again from the
    /// start). Entries, preferences, the queue and this home's own log stay.
    pub fn leave_sync_account(&mut self) -> Result<()> {
        self.write(|tx| {
            tx.execute("DELETE FROM sync_identity", [])?;
            tx.execute("DELETE FROM sync_chains", [])?;
            tx.execute("DELETE FROM sync_findings", [])?;
            tx.execute("DELETE FROM sync_rejections", [])?;
            tx.execute("DELETE FROM devices WHERE is_current = 0", [])?;
            Ok(())
        })
    }

    /// SQLite's `data_version`: changes when another connection commits.
    pub fn data_version(&self) -> Result<i64> {
        self.read(|conn| Ok(conn.query_row("PRAGMA data_version", [], |r| r.get(0))?))
    }

    /// Renames this device (from `--device-name`); its device record is
    /// enqueued so that the other devices learn the name.
    pub fn rename_current_device(&mut self, name: &str) -> Result<()> {
        self.write(|tx| {
            let now = now_ms();
            tx.execute(
                "UPDATE devices SET name = ?1, updated_at = ?2 WHERE is_current = 1",
                params![name, now],
            )?;
            tx.execute("DELETE FROM sync_queue WHERE entity_type = 'device'", [])?;
            tx.execute(
                "INSERT INTO sync_queue (operation, entity_type, entity_id, created_at)
                 SELECT 'upsert', 'device', id, ?1 FROM devices WHERE is_current = 1",
                [now],
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

/// [`Store::join_sync_account`] inside a transaction (a rotation links the
/// new account in the same transaction that forgets the old one).
pub(super) fn link_account(
    tx: &rusqlite::Transaction<'_>,
    key_id: &str,
    account_id: &str,
    relay_url: &str,
    all_devices: bool,
) -> Result<usize> {
    let now = now_ms();
    // This home's log in another account starts over; in the same
    // account (a join after `sync reset`) it goes on where it was.
    let other_account = tx.execute(
        "DELETE FROM sync_own_chain WHERE account_id IS NOT ?1",
        [account_id],
    )?;
    if other_account > 0 {
        tx.execute("DELETE FROM sync_outbox", [])?;
    }
    tx.execute("UPDATE sync_own_chain SET account_id = ?1", [account_id])?;
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
         WHERE h.deleted_at IS NULL
           AND (?2 OR h.device_id = (SELECT id FROM devices WHERE is_current = 1))
           AND NOT EXISTS (
             SELECT 1 FROM sync_queue q
             WHERE q.entity_type = 'command' AND q.entity_id = h.id)
         ORDER BY h.created_at",
        params![now, all_devices],
    )?;
    let prefs = tx.execute(
        "INSERT INTO sync_queue (operation, entity_type, entity_id, created_at)
         SELECT 'upsert', 'preference', p.key, ?1 FROM sync_preferences p
         WHERE NOT EXISTS (
             SELECT 1 FROM sync_queue q
             WHERE q.entity_type = 'preference' AND q.entity_id = p.key)",
        [now],
    )?;
    let device = tx.execute(
        "INSERT INTO sync_queue (operation, entity_type, entity_id, created_at)
         SELECT 'upsert', 'device', id, ?1 FROM devices WHERE is_current = 1",
        [now],
    )?;
    Ok(commands + prefs + device)
}
