//! The push half of a sync: seal the queue into the outbox (one transaction
//! per batch, `store/outbox.rs`), then send the outbox's unacknowledged
//! records in seq order, each call with a fresh sealed head naming its last
//! record. A record is marked acknowledged only when the daemon answers that
//! the relay has its call. A call is bounded by records and by bytes
//! (`limits.maxPushBytes`), so no history, however long its commands, makes
//! a push the daemon or Jazz refuses. The next call is sent while the daemon
//! stores the previous one and waits for the relay.

use std::time::Duration;

use anyhow::Result;
use crypto_core::RecordKind;
use indicatif::ProgressBar;

use super::account::CALL_TIMEOUT;
use super::records::{self, HEAD_ID};
use super::report::Report;
use super::session::Session;
use crate::daemon::client::PendingCall;
use crate::daemon::protocol::{self as rpc, PushParams, PushResult, WireRecord};
use crate::time::now_ms;

/// Records per `sync.push`.
const PUSH_BATCH: usize = 2_500;
const _: () = assert!(PUSH_BATCH <= rpc::MAX_PUSH_ITEMS);
/// How long a push waits for the relay's acknowledgement.
const ACK_TIMEOUT: Duration = Duration::from_secs(10);

/// How a push ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pushed {
    /// Everything sent (acknowledged or not yet).
    Done,
    /// The daemon's log of this device holds other records at these seqs:
    /// another home writes it (this one is a copy).
    SeqConflict,
}

/// One call in flight: the records it carries.
struct InFlight {
    call: PendingCall,
    first: u64,
    last: u64,
    count: u64,
}

impl Session {
    /// Seals what is queued, then sends the outbox in seq order.
    pub async fn push(&mut self, report: &mut Report) -> Result<Pushed> {
        let _turn = self.turns.take().await?;
        let keys = &self.keys;
        let sealed = self
            .store
            .seal_queue(|to_seal| records::seal(keys, to_seal).map_err(|e| e.to_string()))?;
        self.trace(&format!(
            "sealed {}",
            crate::plural::count(sealed, "record", "records")
        ));
        self.push_outbox(report).await
    }

    /// Sends the outbox's unacknowledged records in seq order, sealing
    /// nothing new (a rotation's notice goes alone to the old account).
    pub async fn push_outbox(&mut self, report: &mut Report) -> Result<Pushed> {
        let pending = self.store.unacked_count()?;
        let bar = self.progress.start(pending, "pushing");
        let mut after = None;
        let mut in_flight: Option<InFlight> = None;
        let mut outcome = Pushed::Done;
        loop {
            let sent = self.send_batch(after).await?;
            if let Some(sent) = &sent {
                after = Some(sent.last);
            }
            if let Some(previous) = in_flight.take() {
                outcome = self.finish_push(previous, report, bar.as_ref()).await?;
            }
            in_flight = sent;
            if in_flight.is_none() || outcome == Pushed::SeqConflict {
                break;
            }
        }
        if let Some(last) = in_flight.take() {
            let ended = self.finish_push(last, report, bar.as_ref()).await?;
            if outcome == Pushed::Done {
                outcome = ended;
            }
        }
        Ok(outcome)
    }

    /// Sends the unacknowledged records after `after`, up to [`PUSH_BATCH`]
    /// and [`rpc::MAX_PUSH_BYTES`], with a head naming the last one. `None`
    /// when nothing is left.
    async fn send_batch(&mut self, after: Option<u64>) -> Result<Option<InFlight>> {
        let records = self.store.unacked_outbox(after, PUSH_BATCH)?;
        let mut wire: Vec<WireRecord> = Vec::with_capacity(records.len());
        let mut bytes = 0;
        let mut last_hash = None;
        let mut last_kind = "";
        for record in &records {
            let item = records::to_wire(&self.device_id, record);
            let size = serde_json::to_vec(&item)?.len();
            // A sealed record is bounded far below the limit (crypto-core's
            // padding buckets, the 10 KB command limit); one is always sent.
            if !wire.is_empty() && bytes + size > rpc::MAX_PUSH_BYTES {
                break;
            }
            bytes += size;
            wire.push(item);
            last_hash = Some(record.hash.as_str());
            last_kind = record.kind.as_str();
        }
        let (Some(first), Some(last), Some(hash)) = (wire.first(), wire.last(), last_hash) else {
            return Ok(None);
        };
        let (first, last) = (first.seq, last.seq);
        let seal_head = if last_kind == RecordKind::Retired.as_str() {
            records::seal_final_head
        } else {
            records::seal_head
        };
        let head = seal_head(&self.keys, &self.device_id, last, hash, now_ms())?;
        let call = self
            .client()?
            .send(
                rpc::PUSH,
                &PushParams {
                    items: &wire,
                    head: Some(&head),
                    ack_timeout_ms: ACK_TIMEOUT.as_millis() as u64,
                },
            )
            .await?;
        self.trace(&format!(
            "sent {}, {bytes} bytes",
            crate::plural::count(wire.len(), "record", "records")
        ));
        Ok(Some(InFlight {
            call,
            first,
            last,
            count: wire.len() as u64,
        }))
    }

    /// Waits for a push's answer and updates the outbox accordingly.
    async fn finish_push(
        &mut self,
        sent: InFlight,
        report: &mut Report,
        bar: Option<&ProgressBar>,
    ) -> Result<Pushed> {
        let result: PushResult = self
            .client()?
            .answer(sent.call, ACK_TIMEOUT + CALL_TIMEOUT)
            .await?;
        self.trace("daemon answered the push");
        let mut outcome = Pushed::Done;
        let (head, records): (Vec<_>, Vec<_>) = result
            .rejected
            .iter()
            .partition(|r| r.id.as_deref() == Some(HEAD_ID));
        for rejected in head {
            // The log ends past this call's last record (an interrupted
            // sync stored more of the outbox): a later call's head is stored.
            self.trace(&format!(
                "head not stored ({}: {})",
                rejected.kind, rejected.message
            ));
        }
        for rejected in &records {
            if rejected.kind == rpc::SEQ_CONFLICT {
                outcome = Pushed::SeqConflict;
            }
            let seq = rejected.seq.unwrap_or(sent.first);
            let error = format!("{}: {}", rejected.kind, rejected.message);
            self.store.record_push_failure(seq, &error)?;
            report.rejected.push(format!(
                "record {seq} ({}): {error}",
                rejected.id.as_deref().unwrap_or("?")
            ));
        }
        // The log holds the records before the first rejected one.
        let first_rejected = records.iter().map(|r| r.seq.unwrap_or(sent.first)).min();
        let stored_through = match first_rejected {
            None => Some(sent.last),
            Some(seq) if seq > sent.first => Some(seq - 1),
            Some(_) => None,
        };
        if result.acknowledged {
            if let Some(through) = stored_through {
                self.store.mark_acked(through)?;
            }
            report.pushed += result.accepted;
            report.already_there += result.duplicates;
        } else {
            report.unconfirmed += result.accepted + result.duplicates;
        }
        self.trace("outbox updated");
        if let Some(bar) = bar {
            bar.inc(sent.count);
        }
        Ok(outcome)
    }
}
