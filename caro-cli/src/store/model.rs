//! What an entry is, as stored and as printed by `--json`.

use serde::{Deserialize, Serialize};

use crate::safety::RiskLevel;

/// One history entry. Serialized with camelCase names in the order the CLI's
/// `--json` documents; the synced fields mirror crypto-core's `EntryBody`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryEntry {
    pub id: String,
    pub command: String,
    pub prompt: Option<String>,
    pub explanation: Option<String>,
    pub safety_level: RiskLevel,
    pub safety_warnings: Vec<String>,
    pub exit_code: Option<i64>,
    pub duration_ms: Option<i64>,
    pub cwd: Option<String>,
    pub shell: Option<String>,
    pub device_id: String,
    pub created_at: i64,
    pub executed: bool,
    pub success: Option<bool>,
    pub platform: Option<String>,
    /// The shell session it was typed in (`CARO_SESSION`); local only, not synced.
    pub session_id: Option<String>,
    /// The host it ran on; local only, not synced.
    pub hostname: Option<String>,
}

/// An entry about to be recorded on this device.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewEntry {
    pub command: String,
    pub prompt: Option<String>,
    pub explanation: Option<String>,
    pub safety_level: RiskLevel,
    pub safety_warnings: Vec<String>,
    pub executed: bool,
    pub success: Option<bool>,
    pub exit_code: Option<i64>,
    pub duration_ms: Option<i64>,
    pub cwd: Option<String>,
    pub shell: Option<String>,
    pub platform: Option<String>,
    pub created_at: i64,
    pub session_id: Option<String>,
    pub hostname: Option<String>,
}
