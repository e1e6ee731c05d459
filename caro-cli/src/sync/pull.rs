//! The pull half of a sync: every device's records after the stored cursor
//! (this device's own included), page by page. Each record is checked
//! against its device's chain and opened (`chain.rs`), applied by kind
//! (`apply.rs`), and the page is stored with the chain states it reached and
//! the cursor that follows it in one transaction. After the last page the
//! heads are compared with what was verified: a head this home cannot reach
//! is a withheld tail. Gaps and forks the daemon reports, broken chains and
//! rejected records all go into the report; none stops a sync. A record in
//! this home's own log that it did not write, or a fork of that log, means
//! another home shares its device id: this one re-registers.

use std::collections::HashMap;

use anyhow::Result;
use crypto_core::RecordKind;

use super::account::CALL_TIMEOUT;
use super::apply::Applier;
use super::chain::{Chains, Verdict};
use super::guard::PullGuard;
use super::report::Report;
use super::session::Session;
use crate::daemon::client::PendingCall;
use crate::daemon::protocol::{self as rpc, PullParams, PullResult, WireRecord};
use crate::store::{Finding, FindingKind, PulledPage};
use crate::time::now_ms;

/// Records per `sync.pull` page.
const PULL_PAGE: u32 = 2_500;

impl Session {
    /// Applies the account's records after the stored cursor, page by page;
    /// the next page is asked for before this one is opened and stored.
    pub async fn pull(&mut self, report: &mut Report) -> Result<()> {
        let _turn = self.turns.take().await?;
        let cursor = self.store.sync_identity()?.and_then(|i| i.pull_cursor);
        let guard = PullGuard::from_store(&self.store)?;
        let mut chains = Chains::new(self.store.chain_states()?, &self.device_id);
        let mut bar = None;
        let mut next = Some(self.request_page(cursor.as_deref()).await?);
        while let Some(call) = next.take() {
            let page: PullResult = self.client()?.answer(call, CALL_TIMEOUT).await?;
            if page.has_more {
                next = Some(self.request_page(Some(&page.cursor)).await?);
            }
            let count = page.items.len() as u64;
            let mut applier = Applier::new(&guard);
            let own = self.own_hashes(&page.items)?;
            for item in &page.items {
                self.check_item(&mut chains, &mut applier, item, &own, report)?;
            }
            let mut applied: PulledPage = applier.finish();
            applied.chains = chains.take_changed();
            self.trace(&format!(
                "opened {}",
                crate::plural::count(count, "pulled record", "pulled records")
            ));
            let counts = self.store.apply_remote_page(&applied, &page.cursor)?;
            self.trace("page stored");
            report.pulled += counts.inserted as u64;
            report.deleted += counts.deleted as u64;
            report.preferences += counts.preferences as u64;
            report.devices += counts.devices as u64;
            if !page.has_more {
                self.record_findings(&chains, &page, report)?;
                let own_fork = page.forks.iter().any(|f| f.device_id == self.device_id);
                if own_fork && report.rehomed.is_none() {
                    // Another home writes this log too, even if the daemon
                    // delivered this home's version: both are copies now.
                    let rehomed = self.store.rehome()?;
                    self.device_id.clone_from(&rehomed.new_id);
                    report.rehomed = Some(rehomed);
                }
            }
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

    /// Checks one record against its chain and hands what opened to `applier`.
    fn check_item(
        &mut self,
        chains: &mut Chains,
        applier: &mut Applier<'_>,
        item: &WireRecord,
        own: &HashMap<u64, String>,
        report: &mut Report,
    ) -> Result<()> {
        let own_hash = |seq: u64| own.get(&seq).cloned();
        let mut verdict = chains.check(&self.keys, item, own_hash, now_ms());
        if matches!(verdict, Verdict::Foreign) {
            // This home's log holds a record it did not write: it is a copy.
            let rehomed = self.store.rehome()?;
            self.device_id.clone_from(&rehomed.new_id);
            report.rehomed = Some(rehomed);
            chains.disown();
            verdict = chains.check(&self.keys, item, own_hash, now_ms());
        }
        match verdict {
            Verdict::Seen | Verdict::Stopped | Verdict::Own | Verdict::Foreign => {}
            Verdict::Hole { from, to } => report.findings.push(Finding {
                kind: FindingKind::Gap,
                device_id: item.device_id.clone(),
                from,
                to,
            }),
            Verdict::Broken => report.broken.push((item.device_id.clone(), item.seq)),
            Verdict::Opened(record) if record.kind == RecordKind::Retired => {
                // The account was rotated: nothing of this page is stored, so
                // every later sync stops here too.
                return Err(super::rotate::retired_error(self, &record));
            }
            Verdict::Opened(record) => applier.apply(*record, report),
            Verdict::Rejected(refusal) => applier.reject(item, refusal, report),
        }
        Ok(())
    }

    /// The hashes this home recorded for the seqs of its own log in `items`.
    fn own_hashes(&self, items: &[WireRecord]) -> Result<HashMap<u64, String>> {
        let seqs = items
            .iter()
            .filter(|i| i.device_id == self.device_id)
            .map(|i| i.seq);
        match (seqs.clone().min(), seqs.max()) {
            (Some(from), Some(to)) => Ok(self.store.outbox_hashes(from, to)?),
            _ => Ok(HashMap::new()),
        }
    }

    /// After the last page: the daemon's gaps and forks, and what the heads
    /// say, replace the findings of the last pull.
    fn record_findings(
        &mut self,
        chains: &Chains,
        page: &PullResult,
        report: &mut Report,
    ) -> Result<()> {
        for gap in &page.gaps {
            report.findings.push(Finding {
                kind: FindingKind::Gap,
                device_id: gap.device_id.clone(),
                from: gap.from,
                to: gap.to,
            });
        }
        for fork in &page.forks {
            report.findings.push(Finding {
                kind: FindingKind::Fork,
                device_id: fork.device_id.clone(),
                from: fork.seq,
                to: fork.seq,
            });
        }
        let (findings, refused) = chains.head_findings(&self.keys, &page.heads);
        report.findings.extend(findings);
        report.skipped.extend(refused);
        report.findings.sort();
        report.findings.dedup();
        self.store.replace_findings(&report.findings)?;
        Ok(())
    }

    async fn request_page(&self, cursor: Option<&str>) -> Result<PendingCall> {
        Ok(self
            .client()?
            .send(
                rpc::PULL,
                &PullParams {
                    cursor,
                    limit: PULL_PAGE,
                },
            )
            .await?)
    }
}
