//! What one sync did, and how that reads: the one-line summary, the lines
//! about records that were not applied, and what the pull found wrong with
//! the account's logs (gaps, withheld tails, forks, broken chains, rejected
//! records by reason), which is never silent.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{json, Value};

use crate::escape::for_terminal;
use crate::store::{Finding, FindingKind, IntegrityState, Rehomed};

/// A pulled record that was not applied, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub id: String,
    pub device_id: String,
    pub seq: u64,
    /// The record's kind hint (`entry`, `delete`, …).
    pub record_kind: String,
    /// A stable name for why (`AuthenticationFailed`, `secret`, …).
    pub kind: String,
    pub message: String,
}

/// What one sync did.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Records the relay acknowledged.
    pub pushed: u64,
    /// Pushed records the relay had already (an earlier sync was interrupted).
    pub already_there: u64,
    /// Pushed records the relay has not confirmed yet; they stay in the outbox.
    pub unconfirmed: u64,
    /// Records the daemon rejected; they stay in the outbox with the error.
    pub rejected: Vec<String>,
    /// New entries from the account's logs.
    pub pulled: u64,
    /// Entries deleted by other devices.
    pub deleted: u64,
    pub preferences: u64,
    pub devices: u64,
    /// Pulled records not applied: they did not open, contradicted their
    /// hints or their time, or this device's checks refused them.
    pub skipped: Vec<Skipped>,
    /// Gaps, withheld tails and forks this pull found.
    pub findings: Vec<Finding>,
    /// Devices whose chain broke in this pull, and where.
    pub broken: Vec<(String, u64)>,
    /// This home was a copy and now syncs under a new device id.
    pub rehomed: Option<Rehomed>,
    pub elapsed: Duration,
}

impl Report {
    /// Rejected records by reason.
    pub fn rejected_by_reason(&self) -> BTreeMap<String, u64> {
        let mut counts = BTreeMap::new();
        for s in &self.skipped {
            *counts.entry(s.kind.clone()).or_insert(0) += 1;
        }
        counts
    }

    /// The one-line summary.
    pub fn summary(&self) -> String {
        let mut line = format!(
            "pushed {}, pulled {}, skipped {}",
            self.pushed,
            self.pulled,
            self.skipped.len()
        );
        if self.deleted > 0 {
            line.push_str(&format!(", {} deleted", self.deleted));
        }
        if self.unconfirmed > 0 {
            line.push_str(&format!(", {} not yet confirmed", self.unconfirmed));
        }
        line.push_str(&format!(" in {:.2}s", self.elapsed.as_secs_f64()));
        line
    }

    /// The lines that must follow the summary: re-registration and every
    /// integrity problem found.
    pub fn notices(&self) -> Vec<String> {
        let mut lines = Vec::new();
        if let Some(r) = &self.rehomed {
            lines.push(format!(
                "this home was a copy of device {}; it now syncs as device {} \
                 ({} re-sent, nothing lost)",
                r.old_id,
                r.new_id,
                crate::plural::count(r.enqueued, "change", "changes")
            ));
        }
        lines.extend(describe_integrity(&self.findings, &self.broken));
        lines
            .into_iter()
            .map(|l| for_terminal(&l).into_owned())
            .collect()
    }

    /// The `integrity` object of `--json`.
    pub fn integrity_json(&self) -> Value {
        integrity_json(&self.findings, &self.broken, &self.rejected_by_reason())
    }
}

/// The `integrity` object: `{"gaps", "withheld", "forks", "broken", "rejected"}`.
pub fn integrity_json(
    findings: &[Finding],
    broken: &[(String, u64)],
    rejected: &BTreeMap<String, u64>,
) -> Value {
    let of = |kind: FindingKind| -> Vec<Value> {
        findings
            .iter()
            .filter(|f| f.kind == kind)
            .map(|f| json!({"deviceId": f.device_id, "from": f.from, "to": f.to}))
            .collect()
    };
    json!({
        "gaps": of(FindingKind::Gap),
        "withheld": of(FindingKind::Withheld),
        "forks": of(FindingKind::Fork),
        "broken": broken.iter().map(|(d, seq)| json!({"deviceId": d, "seq": seq})).collect::<Vec<_>>(),
        "rejected": rejected,
    })
}

/// The state's `integrity` object (for `caro sync status --json`).
pub fn state_json(state: &IntegrityState) -> Value {
    integrity_json(&state.findings, &state.broken, &state.rejected)
}

/// One line per finding and broken chain, for people.
pub fn describe_integrity(findings: &[Finding], broken: &[(String, u64)]) -> Vec<String> {
    let range = |f: &Finding| {
        if f.from == f.to {
            format!("record {}", f.from)
        } else {
            format!("records {}-{}", f.from, f.to)
        }
    };
    let mut lines: Vec<String> = findings
        .iter()
        .map(|f| match f.kind {
            FindingKind::Gap => format!(
                "integrity: device {} has a gap: {} missing from the relay; later ones are not \
                 applied",
                f.device_id,
                range(f)
            ),
            FindingKind::Withheld => format!(
                "integrity: device {} wrote {} that never arrived (withheld or not yet synced)",
                f.device_id,
                range(f)
            ),
            FindingKind::Fork => format!(
                "integrity: device {} has two different versions of {} (a copied home or a \
                 forgery); the first one is used",
                f.device_id,
                range(f)
            ),
        })
        .collect();
    lines.extend(broken.iter().map(|(device, seq)| {
        format!(
            "integrity: device {device}'s record {seq} does not follow its log (a fork or a \
             forgery); nothing of that device from record {seq} on is applied"
        )
    }));
    lines
}

/// What a sync skipped, one line per record (at most `limit`).
pub fn describe_skipped(skipped: &[Skipped], limit: usize) -> Vec<String> {
    let mut lines: Vec<String> = skipped
        .iter()
        .take(limit)
        .map(|s| {
            let line = format!(
                "skipped {} {} (record {}) from device {}: {} ({})",
                s.record_kind, s.id, s.seq, s.device_id, s.kind, s.message
            );
            for_terminal(&line).into_owned()
        })
        .collect();
    if skipped.len() > limit {
        lines.push(format!("… and {} more", skipped.len() - limit));
    }
    lines
}
