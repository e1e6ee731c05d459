//! What this home verified of the account's logs and what it found wrong:
//! per device (this one included) the next seq and last hash it checked, and
//! the seq where the chain broke (that device is applied no further); the
//! gaps, withheld tails and forks of the last pull; and every record it
//! rejected, with why. `caro sync status` reads these; nothing is silent.

use std::collections::{BTreeMap, HashMap};

use rusqlite::{params, Transaction};

use super::{Result, Store};

/// A device's log as far as this home verified it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainState {
    pub device_id: String,
    /// The seq the next record must have.
    pub next_seq: u64,
    /// The hash the next record's `prev` must equal.
    pub last_hash: String,
    /// The seq whose `prev` did not match: a fork or a forgery.
    pub broken_at: Option<u64>,
}

/// A pulled record this home did not apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub device_id: String,
    pub seq: u64,
    /// Its kind hint (`entry`, `delete`, …).
    pub record_kind: String,
    pub record_id: String,
    /// A stable name: `AuthenticationFailed`, `hint-mismatch`,
    /// `time-out-of-range`, `secret`, `too-long`, …
    pub reason: String,
    pub message: String,
}

/// What a pull found wrong with a log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FindingKind {
    /// The daemon holds later records but not these seqs.
    Gap,
    /// A device's head names records this home never received.
    Withheld,
    /// Two records for one (device, seq) reached the daemon.
    Fork,
}

impl FindingKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::Gap => "gap",
            FindingKind::Withheld => "withheld",
            FindingKind::Fork => "fork",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [FindingKind::Gap, FindingKind::Withheld, FindingKind::Fork]
            .into_iter()
            .find(|k| k.as_str() == text)
    }
}

/// One finding: seqs `from..=to` of `device_id`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Finding {
    pub kind: FindingKind,
    pub device_id: String,
    pub from: u64,
    pub to: u64,
}

/// Everything wrong this home knows of, for `caro sync status`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IntegrityState {
    pub findings: Vec<Finding>,
    /// Devices whose chain broke, and where.
    pub broken: Vec<(String, u64)>,
    /// Rejected records by reason.
    pub rejected: BTreeMap<String, u64>,
}

impl Store {
    /// Every device log's verified state, by device id.
    pub fn chain_states(&self) -> Result<HashMap<String, ChainState>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT device_id, next_seq, last_hash, broken_at FROM sync_chains",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok(ChainState {
                    device_id: r.get(0)?,
                    next_seq: r.get(1)?,
                    last_hash: r.get(2)?,
                    broken_at: r.get(3)?,
                })
            })?;
            let mut states = HashMap::new();
            for row in rows {
                let state = row?;
                states.insert(state.device_id.clone(), state);
            }
            Ok(states)
        })
    }

    /// Replaces the gaps, withheld tails and forks with those of the pull
    /// that just completed.
    pub fn replace_findings(&mut self, findings: &[Finding]) -> Result<()> {
        self.write(|tx| {
            let now = crate::time::now_ms();
            tx.execute("DELETE FROM sync_findings", [])?;
            for f in findings {
                tx.prepare_cached(
                    "INSERT OR REPLACE INTO sync_findings (kind, device_id, seq_from, seq_to,
                         found_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )?
                .execute(params![
                    f.kind.as_str(),
                    f.device_id,
                    f.from,
                    f.to,
                    now
                ])?;
            }
            Ok(())
        })
    }

    /// The findings of the last pull, the broken chains and the rejections.
    pub fn integrity(&self) -> Result<IntegrityState> {
        self.read(|conn| {
            let mut state = IntegrityState::default();
            let mut stmt = conn.prepare_cached(
                "SELECT kind, device_id, seq_from, seq_to FROM sync_findings
                 ORDER BY kind, device_id, seq_from",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?;
            for row in rows {
                let (kind, device_id, from, to) = row?;
                if let Some(kind) = FindingKind::parse(&kind) {
                    state.findings.push(Finding {
                        kind,
                        device_id,
                        from,
                        to,
                    });
                }
            }
            let mut stmt = conn.prepare_cached(
                "SELECT device_id, broken_at FROM sync_chains WHERE broken_at IS NOT NULL
                 ORDER BY device_id",
            )?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            state.broken = rows.collect::<rusqlite::Result<Vec<_>>>()?;
            let mut stmt = conn.prepare_cached(
                "SELECT reason, count(*) FROM sync_rejections GROUP BY reason ORDER BY reason",
            )?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)?)))?;
            for row in rows {
                let (reason, n) = row?;
                state.rejected.insert(reason, n.unsigned_abs());
            }
            Ok(state)
        })
    }
}

/// Stores a device log's verified state.
pub(super) fn write_chain(tx: &Transaction<'_>, chain: &ChainState, now: i64) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO sync_chains (device_id, next_seq, last_hash, broken_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (device_id) DO UPDATE SET next_seq = excluded.next_seq,
             last_hash = excluded.last_hash, broken_at = excluded.broken_at,
             updated_at = excluded.updated_at",
    )?
    .execute(params![
        chain.device_id,
        chain.next_seq,
        chain.last_hash,
        chain.broken_at,
        now
    ])?;
    Ok(())
}

/// Remembers a rejected record (once per device and seq).
pub(super) fn write_rejection(tx: &Transaction<'_>, r: &Rejection, now: i64) -> Result<()> {
    tx.prepare_cached(
        "INSERT OR REPLACE INTO sync_rejections (device_id, seq, record_kind, record_id, reason,
             message, found_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        r.device_id,
        r.seq,
        r.record_kind,
        r.record_id,
        r.reason,
        r.message,
        now
    ])?;
    Ok(())
}
