//! The daemon's methods, their parameters and results, and the kinds of error
//! it answers with, as PROTOCOL.md in `sync-daemon/` defines them (camelCase
//! on the wire). The error kinds and the limits are pinned by
//! `test-vectors/rpc/error-kinds.json`, which the daemon's tests read too.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub const PING: &str = "daemon.ping";
pub const HEALTH: &str = "daemon.health";
pub const SHUTDOWN: &str = "daemon.shutdown";
pub const INIT: &str = "sync.init";
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

/// The most items `sync.push` takes in one call (`limits.maxPushItems`).
pub const MAX_PUSH_ITEMS: usize = 10_000;
/// The most bytes of items `sync.push` takes in one call, counted as the sum of
/// each item's JSON text (`limits.maxPushBytes`): with the daemon's per-item
/// overhead a call fits one Jazz transaction (1 MiB at most) per chunk.
pub const MAX_PUSH_BYTES: usize = 512 * 1024;
/// The longest line either side may send (`limits.maxLineBytes`): a longer
/// one from the daemon is a protocol failure, not something to buffer.
pub const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;

/// Daemon states as `sync.init`, `sync.status` and `daemon.health` report them.
pub const ONLINE: &str = "ONLINE";

/// A JSON-RPC error as the daemon sends it.
#[derive(Debug, Deserialize)]
pub(crate) struct RpcErrorObject {
    pub code: i64,
    pub message: String,
    #[serde(default)]
    pub data: Option<RpcErrorData>,
}

/// Its `data`: the stable `kind`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct RpcErrorData {
    #[serde(default)]
    pub kind: Option<String>,
}

/// Any line from the daemon: an answer (`id`) or a notification (`method`).
#[derive(Debug, Deserialize)]
pub(crate) struct Incoming {
    #[serde(default)]
    pub id: Option<Value>,
    #[serde(default)]
    pub result: Value,
    #[serde(default)]
    pub error: Option<RpcErrorObject>,
    #[serde(default)]
    pub method: Option<String>,
    #[serde(default)]
    pub params: Value,
}

/// A request line.
#[derive(Serialize)]
pub(crate) struct Request<'a, P> {
    pub jsonrpc: &'static str,
    pub id: u64,
    pub method: &'a str,
    pub params: &'a P,
}

/// The `error.data.kind` of a JSON-RPC error from the daemon. A kind this caro
/// does not know (a newer daemon added it) is kept as [`RpcErrorKind::Unknown`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RpcErrorKind {
    ParseError,
    InvalidRequest,
    LineTooLong,
    DuplicateId,
    MethodNotFound,
    InvalidParams,
    Internal,
    NotInitialized,
    AlreadyInitialized,
    RelayUnreachable,
    AccountNotFound,
    AccountExists,
    AccountMismatch,
    InvalidEnvelope,
    StoreLocked,
    Busy,
    ShuttingDown,
    Unknown(String),
}

impl RpcErrorKind {
    /// Every known kind with its wire name and JSON-RPC code.
    pub const KNOWN: [(RpcErrorKind, &'static str, i64); 17] = [
        (RpcErrorKind::ParseError, "parse-error", -32700),
        (RpcErrorKind::InvalidRequest, "invalid-request", -32600),
        (RpcErrorKind::LineTooLong, "line-too-long", -32600),
        (RpcErrorKind::DuplicateId, "duplicate-id", -32600),
        (RpcErrorKind::MethodNotFound, "method-not-found", -32601),
        (RpcErrorKind::InvalidParams, "invalid-params", -32602),
        (RpcErrorKind::Internal, "internal", -32603),
        (RpcErrorKind::NotInitialized, "not-initialized", -32001),
        (
            RpcErrorKind::AlreadyInitialized,
            "already-initialized",
            -32002,
        ),
        (RpcErrorKind::RelayUnreachable, "relay-unreachable", -32003),
        (RpcErrorKind::AccountNotFound, "account-not-found", -32004),
        (RpcErrorKind::AccountExists, "account-exists", -32005),
        (RpcErrorKind::AccountMismatch, "account-mismatch", -32006),
        (RpcErrorKind::InvalidEnvelope, "invalid-envelope", -32007),
        (RpcErrorKind::StoreLocked, "store-locked", -32008),
        (RpcErrorKind::Busy, "busy", -32009),
        (RpcErrorKind::ShuttingDown, "shutting-down", -32010),
    ];

    /// The kind named `name` on the wire.
    pub fn from_wire(name: &str) -> RpcErrorKind {
        Self::KNOWN
            .iter()
            .find(|(_, wire, _)| *wire == name)
            .map_or_else(
                || RpcErrorKind::Unknown(name.to_string()),
                |(kind, _, _)| kind.clone(),
            )
    }

    /// Its wire name (`relay-unreachable`, …).
    pub fn as_str(&self) -> &str {
        match self {
            RpcErrorKind::Unknown(name) => name,
            known => Self::KNOWN
                .iter()
                .find(|(kind, _, _)| kind == known)
                .map_or("unknown", |(_, wire, _)| wire),
        }
    }

    /// The JSON-RPC code the daemon sends with it (`None` for an unknown kind).
    pub fn code(&self) -> Option<i64> {
        Self::KNOWN
            .iter()
            .find(|(kind, _, _)| kind == self)
            .map(|(_, _, code)| *code)
    }
}

impl fmt::Display for RpcErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    /// The vector both sides' tables are checked against.
    fn vector() -> serde_json::Value {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../test-vectors/rpc/error-kinds.json"
        );
        let text = std::fs::read_to_string(path).expect("the error-kinds vector is readable");
        serde_json::from_str(&text).expect("the error-kinds vector is JSON")
    }

    #[test]
    fn the_enum_lists_exactly_the_vectors_kinds_and_codes() {
        let vector = vector();
        let listed: Vec<(String, i64)> = vector["errorKinds"]
            .as_array()
            .expect("errorKinds is an array")
            .iter()
            .map(|k| {
                (
                    k["kind"].as_str().expect("kind").to_string(),
                    k["code"].as_i64().expect("code"),
                )
            })
            .collect();
        let known: Vec<(String, i64)> = RpcErrorKind::KNOWN
            .iter()
            .map(|(_, wire, code)| (wire.to_string(), *code))
            .collect();
        assert_eq!(known, listed);
        for (kind, wire, code) in &RpcErrorKind::KNOWN {
            assert_eq!(RpcErrorKind::from_wire(wire), *kind);
            assert_eq!(kind.as_str(), *wire);
            assert_eq!(kind.code(), Some(*code));
        }
    }

    #[test]
    fn a_kind_from_a_newer_daemon_keeps_its_name() {
        let kind = RpcErrorKind::from_wire("quota-exceeded");
        assert_eq!(kind, RpcErrorKind::Unknown("quota-exceeded".into()));
        assert_eq!(kind.as_str(), "quota-exceeded");
        assert_eq!(kind.code(), None);
    }

    #[test]
    fn the_limits_are_the_vectors() {
        let limits = &vector()["limits"];
        assert_eq!(limits["maxPushItems"].as_u64(), Some(MAX_PUSH_ITEMS as u64));
        assert_eq!(limits["maxLineBytes"].as_u64(), Some(MAX_LINE_BYTES as u64));
        assert_eq!(limits["maxPushBytes"].as_u64(), Some(MAX_PUSH_BYTES as u64));
    }
}
