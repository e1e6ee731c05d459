//! What one sync did, and how that reads: the one-line summary and the lines
//! about items that could not be opened.

use std::time::Duration;

use super::seal::Skipped;
use crate::escape::for_terminal;

/// What one sync did.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Entries and deletes the relay acknowledged.
    pub pushed: u64,
    /// Pushed items the relay had already (an earlier sync was interrupted).
    pub already_there: u64,
    /// Pushed items the relay has not confirmed yet; they stay queued.
    pub unconfirmed: u64,
    /// Items the daemon rejected; they stay queued with the error.
    pub rejected: Vec<String>,
    /// New entries from other devices.
    pub pulled: u64,
    /// Entries deleted by other devices.
    pub deleted: u64,
    pub preferences: u64,
    pub devices: u64,
    /// Items from other devices not stored: they did not open, or this
    /// device's checks refused them.
    pub skipped: Vec<Skipped>,
    pub elapsed: Duration,
}

impl Report {
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
}

/// What a sync skipped, one line per item (at most `limit`).
pub fn describe_skipped(skipped: &[Skipped], limit: usize) -> Vec<String> {
    let mut lines: Vec<String> = skipped
        .iter()
        .take(limit)
        .map(|s| {
            let line = format!(
                "skipped {} from device {}: {} ({})",
                s.id, s.device_id, s.kind, s.message
            );
            for_terminal(&line).into_owned()
        })
        .collect();
    if skipped.len() > limit {
        lines.push(format!("… and {} more", skipped.len() - limit));
    }
    lines
}
