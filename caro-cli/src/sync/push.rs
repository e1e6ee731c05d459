//! The push half of a sync: drain `sync_queue` in batches, sealed here, and
//! remove an item only when the daemon answers that the relay acknowledged
//! its batch. Preferences and the device record go on the spot. A batch is
//! bounded by items and by bytes (`limits.maxPushBytes`), so no history, however
//! long its commands, makes a push the daemon or Jazz refuses.

use std::collections::HashMap;
use std::time::Duration;

use anyhow::Result;
use indicatif::ProgressBar;

use super::account::{current_device, register_device, CALL_TIMEOUT};
use super::report::Report;
use super::seal;
use super::session::Session;
use crate::daemon::client::PendingCall;
use crate::daemon::protocol::{self as rpc, Applied, PrefRecord, PushParams, PushResult, WireItem};
use crate::store::{EntityType, StoredPreference, SyncOperation};

/// Queue items per `sync.push`.
const PUSH_BATCH: usize = 2_500;
const _: () = assert!(PUSH_BATCH <= rpc::MAX_PUSH_ITEMS);
/// How long a push waits for the relay's acknowledgement.
const ACK_TIMEOUT: Duration = Duration::from_secs(10);

/// Queue items read and sealed for one `sync.push`.
struct OutgoingBatch {
    wire: Vec<WireItem>,
    /// Queue ids per entity id, for what the push answers.
    queued: HashMap<String, Vec<i64>>,
    /// Queue items that need no answer (sent on the spot, or nothing to send).
    done: Vec<i64>,
    /// How many queue items the batch covers.
    items: u64,
}

impl Session {
    /// Sends the queue to the daemon, batch by batch. The next batch is read
    /// and sealed while the daemon stores the previous one and waits for the
    /// relay; a batch leaves the queue only once its answer says
    /// `acknowledged`.
    pub async fn push(&mut self, report: &mut Report) -> Result<()> {
        let (pending, _) = self.store.sync_queue_counts()?;
        let bar = self.progress.start(pending, "pushing");
        let mut after = 0;
        let mut in_flight: Option<(PendingCall, OutgoingBatch)> = None;
        loop {
            let batch = self.next_batch(&mut after, report).await?;
            let exhausted = batch.is_none();
            let sent = match batch {
                Some(mut batch) if !batch.wire.is_empty() => {
                    let call = self
                        .client
                        .send(
                            rpc::PUSH,
                            &PushParams {
                                entries: &batch.wire,
                                ack_timeout_ms: ACK_TIMEOUT.as_millis() as u64,
                            },
                        )
                        .await?;
                    batch.wire = Vec::new();
                    Some((call, batch))
                }
                Some(batch) => {
                    self.store.mark_sync_done(&batch.done)?;
                    if let Some(bar) = &bar {
                        bar.inc(batch.items);
                    }
                    None
                }
                None => None,
            };
            if let Some((call, batch)) = in_flight.take() {
                self.finish_push(call, batch, report, bar.as_ref()).await?;
            }
            in_flight = sent;
            if exhausted {
                break;
            }
        }
        if let Some((call, batch)) = in_flight.take() {
            self.finish_push(call, batch, report, bar.as_ref()).await?;
        }
        Ok(())
    }

    /// Reads and seals the queue items after `after` (preferences and the
    /// device record are sent on the spot), up to [`PUSH_BATCH`] items and
    /// [`rpc::MAX_PUSH_BYTES`] of sealed items: what does not fit is left
    /// for the next batch. `None` when the queue is drained.
    async fn next_batch(
        &mut self,
        after: &mut i64,
        report: &mut Report,
    ) -> Result<Option<OutgoingBatch>> {
        let items = self.store.sync_queue_after(*after, PUSH_BATCH)?;
        if items.is_empty() {
            return Ok(None);
        }
        let upsert_ids: Vec<&str> = items
            .iter()
            .filter(|i| {
                i.entity_type == EntityType::Command && i.operation == SyncOperation::Upsert
            })
            .map(|i| i.entity_id.as_str())
            .collect();
        let entries = self.store.live_entries_by_id(&upsert_ids)?;
        let mut batch = OutgoingBatch {
            wire: Vec::with_capacity(items.len()),
            queued: HashMap::new(),
            done: Vec::new(),
            items: 0,
        };
        let mut bytes = 0;
        for item in &items {
            let wire = match (item.entity_type, item.operation) {
                (EntityType::Command, SyncOperation::Upsert) => {
                    // An entry deleted or pruned since has nothing to send.
                    match entries.get(&item.entity_id) {
                        Some(entry) => seal::seal_entry(&self.keys, entry)?,
                        None => {
                            batch.done.push(item.id);
                            batch.items += 1;
                            continue;
                        }
                    }
                }
                (EntityType::Command, SyncOperation::Delete) => {
                    seal::tombstone(&item.entity_id, &self.device_id, item.deleted_at())
                }
                (EntityType::Preference, _) => {
                    if let Some(pref) = self.store.preference(&item.entity_id)? {
                        self.push_preference(&pref).await?;
                    }
                    batch.done.push(item.id);
                    batch.items += 1;
                    continue;
                }
                (EntityType::Device, _) => {
                    let device = current_device(&self.store)?;
                    register_device(&self.client, &self.keys, &device).await?;
                    batch.done.push(item.id);
                    batch.items += 1;
                    continue;
                }
            };
            let size = serde_json::to_vec(&wire)?.len();
            if size > rpc::MAX_PUSH_BYTES {
                // Local limits keep an entry far smaller; one stored before them stays queued.
                let error = format!(
                    "sealed, it is {size} bytes, more than the {} bytes one push carries",
                    rpc::MAX_PUSH_BYTES
                );
                self.store.record_sync_failure(item.id, &error)?;
                report
                    .rejected
                    .push(format!("{} ({error})", item.entity_id));
                batch.items += 1;
                continue;
            }
            if !batch.wire.is_empty() && bytes + size > rpc::MAX_PUSH_BYTES {
                break;
            }
            bytes += size;
            batch.wire.push(wire);
            batch
                .queued
                .entry(item.entity_id.clone())
                .or_default()
                .push(item.id);
            batch.items += 1;
        }
        // The first item is always taken, so a batch moves the queue on.
        *after = items[batch.items as usize - 1].id;
        self.trace(&format!(
            "sealed {}, {bytes} bytes",
            crate::plural::count(batch.wire.len(), "item", "items")
        ));
        Ok(Some(batch))
    }

    /// Waits for a push's answer and updates the queue accordingly.
    async fn finish_push(
        &mut self,
        call: PendingCall,
        mut batch: OutgoingBatch,
        report: &mut Report,
        bar: Option<&ProgressBar>,
    ) -> Result<()> {
        let result: PushResult = self.client.answer(call, ACK_TIMEOUT + CALL_TIMEOUT).await?;
        self.trace("daemon answered the push");
        for rejected in &result.rejected {
            let id = rejected.id.as_deref().unwrap_or("?");
            let error = format!("{}: {}", rejected.kind, rejected.message);
            for queue_id in batch.queued.remove(id).unwrap_or_default() {
                self.store.record_sync_failure(queue_id, &error)?;
            }
            report.rejected.push(format!("{id} ({error})"));
        }
        if result.acknowledged {
            batch.done.extend(batch.queued.values().flatten());
            report.pushed += result.accepted;
            report.already_there += result.duplicates;
        } else {
            report.unconfirmed += batch.queued.values().map(|q| q.len() as u64).sum::<u64>();
        }
        self.store.mark_sync_done(&batch.done)?;
        self.trace("queue updated");
        if let Some(bar) = bar {
            bar.inc(batch.items);
        }
        Ok(())
    }

    async fn push_preference(&self, pref: &StoredPreference) -> Result<()> {
        let envelope = seal::seal_preference(&self.keys, &pref.key, &pref.value)?;
        let _: Applied = self
            .client
            .call(
                rpc::PREFS_SET,
                &PrefRecord {
                    key: pref.key.clone(),
                    envelope,
                    updated_at: pref.updated_at,
                    device_id: pref.updated_by.clone(),
                },
                CALL_TIMEOUT,
            )
            .await?;
        Ok(())
    }
}
