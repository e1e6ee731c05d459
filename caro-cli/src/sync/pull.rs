//! The pull half of a sync: other devices' items after the stored cursor,
//! page by page, each page opened (and re-validated) here, checked like local
//! input (`guard.rs`) and applied with the cursor that follows it in one
//! transaction; then preferences (last-writer-wins) and device names. Items
//! that do not open or that the checks refuse are skipped, counted and
//! reported; they never stop a sync.

use anyhow::Result;

use super::account::CALL_TIMEOUT;
use super::guard::PullGuard;
use super::report::Report;
use super::seal::{self, Opened, Skipped};
use super::session::Session;
use crate::daemon::client::PendingCall;
use crate::daemon::protocol::{self as rpc, DeviceList, PrefList, PullParams, PullResult};
use crate::store::{RemoteTombstone, StoredPreference};
use crate::time::now_ms;

/// Items per `sync.pull` page.
const PULL_PAGE: u32 = 2_500;

impl Session {
    /// Applies other devices' items after the stored cursor, page by page;
    /// the next page is asked for before this one is opened and stored.
    pub async fn pull(&mut self, report: &mut Report) -> Result<()> {
        let cursor = self.store.sync_identity()?.and_then(|i| i.pull_cursor);
        let guard = PullGuard::from_store(&self.store)?;
        let mut bar = None;
        let mut next = Some(self.request_page(cursor.as_deref()).await?);
        while let Some(call) = next.take() {
            let page: PullResult = self.client.answer(call, CALL_TIMEOUT).await?;
            if page.has_more {
                next = Some(self.request_page(Some(&page.cursor)).await?);
            }
            let count = page.entries.len() as u64;
            let mut entries = Vec::with_capacity(page.entries.len());
            let mut tombstones: Vec<RemoteTombstone> = Vec::new();
            for item in page.entries {
                match seal::open_item(&self.keys, item) {
                    Ok(Opened::Entry(entry)) => match guard.check(&entry, now_ms()) {
                        Ok(()) => entries.push(*entry),
                        Err(refused) => report.skipped.push(Skipped {
                            id: entry.id,
                            device_id: entry.device_id,
                            kind: refused.kind.to_string(),
                            message: refused.message,
                        }),
                    },
                    Ok(Opened::Tombstone(t)) => tombstones.push(t),
                    Err(unreadable) => report.skipped.push(unreadable),
                }
            }
            self.trace(&format!(
                "opened {}",
                crate::plural::count(count, "pulled item", "pulled items")
            ));
            let counts = self
                .store
                .apply_remote_page(&entries, &tombstones, &page.cursor)?;
            self.trace("page stored");
            report.pulled += counts.inserted as u64;
            report.deleted += counts.deleted as u64;
            if bar.is_none() && page.has_more {
                bar = self.progress.start(count * 2, "pulling");
            }
            if let Some(bar) = &bar {
                bar.inc(count);
                if page.has_more {
                    bar.inc_length(count);
                }
            }
        }
        Ok(())
    }

    async fn request_page(&self, cursor: Option<&str>) -> Result<PendingCall> {
        Ok(self
            .client
            .send(
                rpc::PULL,
                &PullParams {
                    cursor,
                    limit: PULL_PAGE,
                    exclude_device_id: &self.device_id,
                },
            )
            .await?)
    }

    /// Applies the account's preferences last-writer-wins.
    pub async fn pull_preferences(&mut self, report: &mut Report) -> Result<()> {
        let list: PrefList = self
            .client
            .call(rpc::PREFS_LIST, &rpc::NoParams {}, CALL_TIMEOUT)
            .await?;
        for pref in list.prefs {
            if pref.device_id == self.device_id {
                continue;
            }
            match seal::open_preference(&self.keys, &pref.key, &pref.envelope) {
                Ok(value) => {
                    let remote = StoredPreference {
                        key: pref.key,
                        value,
                        updated_at: pref.updated_at,
                        updated_by: pref.device_id,
                        synced_at: None,
                    };
                    if self.store.apply_remote_preference(&remote)? {
                        report.preferences += 1;
                    }
                }
                Err(err) => report.skipped.push(Skipped::new(
                    format!("preference {}", pref.key),
                    pref.device_id,
                    &err,
                )),
            }
        }
        Ok(())
    }

    /// Learns the account's devices (names and platforms, decrypted).
    pub async fn pull_devices(&mut self, report: &mut Report) -> Result<()> {
        let list: DeviceList = self
            .client
            .call(rpc::DEVICE_LIST, &rpc::NoParams {}, CALL_TIMEOUT)
            .await?;
        for device in list.devices {
            if device.device_id == self.device_id {
                continue;
            }
            match seal::open_device(&self.keys, &device.device_id, &device.envelope) {
                Ok(info) => {
                    self.store.upsert_remote_device(
                        &device.device_id,
                        &info.name,
                        &info.platform,
                        device.updated_at,
                    )?;
                    report.devices += 1;
                }
                Err(err) => report.skipped.push(Skipped::new(
                    format!("device {}", device.device_id),
                    device.device_id,
                    &err,
                )),
            }
        }
        Ok(())
    }
}
