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
    OldFormat,
    Unknown(String),
}

impl RpcErrorKind {
    /// Every known kind with its wire name and JSON-RPC code.
    pub const KNOWN: [(RpcErrorKind, &'static str, i64); 18] = [
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
        (RpcErrorKind::OldFormat, "old-format", -32011),
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

/// One record of a device's log on the wire: the routing hints and the
/// sealed envelope (base64), nothing else. The hints are bound by the
/// envelope's AAD, so a hint that lies fails to open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireRecord {
    pub device_id: String,
    pub seq: u64,
    pub kind: String,
    pub id: String,
    pub epoch: u32,
    pub envelope: String,
}

/// A device's sealed head: the seq and hash of its last record, inside.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireHead {
    pub seq: u64,
    pub epoch: u32,
    pub envelope: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PushParams<'a> {
    pub items: &'a [WireRecord],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head: Option<&'a WireHead>,
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
    /// The next seq of this device's log in the daemon's store after the call.
    pub next_seq: u64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rejected {
    pub seq: Option<u64>,
    pub id: Option<String>,
    pub kind: String,
    pub message: String,
}

/// `sync.push`'s rejection of a seq below the log's end holding another
/// envelope: another home writes this device's log.
pub const SEQ_CONFLICT: &str = "seq-conflict";

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PullParams<'a> {
    pub cursor: Option<&'a str>,
    pub limit: u32,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PullResult {
    pub items: Vec<WireRecord>,
    pub cursor: String,
    pub has_more: bool,
    #[serde(default)]
    pub heads: Vec<DeviceHead>,
    #[serde(default)]
    pub gaps: Vec<Gap>,
    #[serde(default)]
    pub forks: Vec<Fork>,
}

/// A device's latest stored head (opaque to the daemon).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceHead {
    pub device_id: String,
    pub seq: u64,
    pub epoch: u32,
    pub envelope: String,
}

/// The daemon holds a later record of a device but not seqs `from..=to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Gap {
    pub device_id: String,
    pub from: u64,
    pub to: u64,
}

/// Two different records stored for one (device, seq).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fork {
    pub device_id: String,
    pub seq: u64,
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
