//! What a verified record does here, by kind (V2.md §3): an entry passes
//! this device's checks (`guard.rs`: size, secrets filter, exclude patterns;
//! its risk re-rated in `records.rs`) and is stored by id; a delete removes
//! the entry and stays as a tombstone; a preference competes last-writer-wins
//! by (createdAt, deviceId, seq); a device record names its device. A record
//! refused here is counted by reason and reported, and the rest applies.

use crypto_core::{Record, RecordKind};

use super::guard::PullGuard;
use super::records::{self, Refusal};
use super::report::{Report, Skipped};
use crate::daemon::protocol::WireRecord;
use crate::store::{PulledPage, Rejection, RemoteDevice, RemoteTombstone, StoredPreference};
use crate::time::now_ms;

/// Collects one page's verified records into what the store applies.
pub struct Applier<'a> {
    guard: &'a PullGuard,
    page: PulledPage,
}

impl<'a> Applier<'a> {
    pub fn new(guard: &'a PullGuard) -> Self {
        Applier {
            guard,
            page: PulledPage::default(),
        }
    }

    /// Applies an opened, linked record of another device (or of this
    /// home's log once it is no longer its own).
    pub fn apply(&mut self, record: Record, report: &mut Report) {
        self.page.clock = self.page.clock.max(record.created_at);
        let applied = match record.kind {
            RecordKind::Entry => records::entry_from_record(&record).and_then(|entry| {
                self.guard
                    .check(&entry)
                    .map_err(|refused| Refusal {
                        reason: refused.kind.to_string(),
                        message: refused.message,
                    })
                    .map(|()| self.page.entries.push(entry))
            }),
            RecordKind::Delete => {
                self.page.deletes.push(RemoteTombstone {
                    id: record.id.clone(),
                    device_id: record.device_id.clone(),
                    deleted_at: record.created_at,
                });
                Ok(())
            }
            RecordKind::Pref => records::pref_value(&record).map(|value| {
                self.page.preferences.push(StoredPreference {
                    key: record.id.clone(),
                    value,
                    updated_at: record.created_at,
                    updated_by: record.device_id.clone(),
                    updated_seq: record.seq,
                    synced_at: Some(now_ms()),
                })
            }),
            RecordKind::Device => records::device_info(&record).map(|info| {
                self.page.devices.push(RemoteDevice {
                    id: record.device_id.clone(),
                    name: info.name,
                    platform: info.platform,
                    created_at: record.created_at,
                })
            }),
            // The pull stops at a retirement notice before applying (`rotate.rs`).
            RecordKind::Retired => Ok(()),
            RecordKind::Head => Err(Refusal {
                reason: "head-in-log".into(),
                message: "a head is not a record of a device's log".into(),
            }),
        };
        if let Err(refusal) = applied {
            self.refuse(
                &record.device_id,
                record.seq,
                record.kind.as_str(),
                &record.id,
                refusal,
                report,
            );
        }
    }

    /// A record that did not open or failed its checks.
    pub fn reject(&mut self, item: &WireRecord, refusal: Refusal, report: &mut Report) {
        self.refuse(
            &item.device_id,
            item.seq,
            &item.kind,
            &item.id,
            refusal,
            report,
        );
    }

    fn refuse(
        &mut self,
        device_id: &str,
        seq: u64,
        kind: &str,
        id: &str,
        refusal: Refusal,
        report: &mut Report,
    ) {
        report.skipped.push(Skipped {
            id: id.to_string(),
            device_id: device_id.to_string(),
            seq,
            record_kind: kind.to_string(),
            kind: refusal.reason.clone(),
            message: refusal.message.clone(),
        });
        self.page.rejections.push(Rejection {
            device_id: device_id.to_string(),
            seq,
            record_kind: kind.to_string(),
            record_id: id.to_string(),
            reason: refusal.reason,
            message: refusal.message,
        });
    }

    /// The page to apply.
    pub fn finish(self) -> PulledPage {
        self.page
    }
}
