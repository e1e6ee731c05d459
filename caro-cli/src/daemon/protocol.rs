//! The daemon's methods, their parameters and results, as PROTOCOL.md in
//! `sync-daemon/` defines them (camelCase on the wire).

use serde::{Deserialize, Serialize};

pub const PING: &str = "daemon.ping";
pub const HEALTH: &str = "daemon.health";
pub const SHUTDOWN: &str = "daemon.shutdown";
pub const INIT: &str = "sync.init";
pub const STATUS: &str = "sync.status";
pub const RESET: &str = "sync.reset";
pub const PUSH: &str = "sync.push";
pub const PULL: &str = "sync.pull";
pub const SUBSCRIBE: &str = "sync.subscribe";
pub const DEVICE_REGISTER: &str = "device.register";
pub const DEVICE_LIST: &str = "device.list";
pub const PREFS_SET: &str = "prefs.set";
pub const PREFS_LIST: &str = "prefs.list";

/// Notification: items of other devices arrived in the daemon's store.
pub const CHANGED: &str = "sync.changed";
/// Notification: the relay connection went up or down.
pub const STATE: &str = "sync.state";

/// The most items `sync.push` takes in one call.
pub const MAX_PUSH_ITEMS: usize = 10_000;

/// Daemon states as `sync.init`, `sync.status` and `daemon.health` report them.
pub const ONLINE: &str = "ONLINE";

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InitParams<'a> {
    pub relay: &'a str,
    /// Base64 of the 32-byte jazz-auth key: the only key the daemon ever gets.
    pub jazz_auth_key: &'a str,
    pub device_id: &'a str,
    pub device_name: &'a str,
    pub platform: &'a str,
    pub create: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InitResult {
    pub account_id: String,
    pub state: String,
}

/// One item of a device's log: an entry (with its envelope) or a tombstone
/// (`op: "delete"`, no envelope).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireItem {
    pub id: String,
    pub device_id: String,
    pub created_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub envelope: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub op: Option<String>,
}

/// The `op` of a tombstone.
pub const OP_DELETE: &str = "delete";

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PushParams<'a> {
    pub entries: &'a [WireItem],
    pub ack_timeout_ms: u64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PushResult {
    pub accepted: u64,
    pub duplicates: u64,
    #[serde(default)]
    pub rejected: Vec<Rejected>,
    /// The relay has every accepted and duplicate item of this call.
    pub acknowledged: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rejected {
    pub id: Option<String>,
    pub kind: String,
    pub message: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PullParams<'a> {
    pub cursor: Option<&'a str>,
    pub limit: u32,
    pub exclude_device_id: &'a str,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PullResult {
    pub entries: Vec<WireItem>,
    pub cursor: String,
    pub has_more: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceRecord {
    pub device_id: String,
    pub envelope: String,
    pub updated_at: i64,
}

#[derive(Debug, Deserialize)]
pub struct DeviceList {
    pub devices: Vec<DeviceRecord>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrefRecord {
    pub key: String,
    pub envelope: String,
    pub updated_at: i64,
    pub device_id: String,
}

#[derive(Debug, Deserialize)]
pub struct PrefList {
    pub prefs: Vec<PrefRecord>,
}

#[derive(Debug, Deserialize)]
pub struct Applied {
    pub applied: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ShutdownParams {
    pub timeout_ms: u64,
}

#[derive(Debug, Deserialize)]
pub struct ShutdownResult {
    pub acknowledged: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Health {
    pub healthy: bool,
    pub uptime: f64,
    pub state: String,
    pub relay: RelayHealth,
    pub storage: StorageHealth,
    pub queue: QueueHealth,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RelayHealth {
    pub url: Option<String>,
    pub connected: bool,
    pub latency_ms: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StorageHealth {
    pub entries: u64,
    pub size_bytes: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueHealth {
    pub pending: u64,
    pub failed: u64,
}

/// Parameters of a method that takes none.
#[derive(Debug, Serialize)]
pub struct NoParams {}
