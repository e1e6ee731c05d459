//! Naming and explaining sync failures: a [`SyncFailure`] carries a stable
//! kind for scripts (`--json` prints it) and a message that says what to do.

use std::path::Path;

use crate::daemon::client::DaemonError;
use crate::daemon::protocol::RpcErrorKind;

/// What a named sync failure is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncErrorKind {
    /// This installation has no keys and identity yet.
    NotSetUp,
    /// The daemon answered with this error, or this side found the same
    /// condition (an unreachable relay) before asking.
    Rpc(RpcErrorKind),
}

/// A sync error that has a name for scripts and callers (`relay-unreachable`,
/// `account-not-found`, `not-set-up`, …) and a message for people.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct SyncFailure {
    pub kind: SyncErrorKind,
    pub message: String,
}

impl SyncFailure {
    pub(super) fn error(kind: SyncErrorKind, message: String) -> anyhow::Error {
        anyhow::Error::new(SyncFailure { kind, message })
    }
}

/// The daemon's error kind behind `err`, if the daemon (or a sync failure
/// named after one) caused it.
pub fn rpc_kind(err: &anyhow::Error) -> Option<&RpcErrorKind> {
    err.chain().find_map(|cause| {
        if let Some(failure) = cause.downcast_ref::<SyncFailure>() {
            return match &failure.kind {
                SyncErrorKind::Rpc(kind) => Some(kind),
                SyncErrorKind::NotSetUp => None,
            };
        }
        cause
            .downcast_ref::<DaemonError>()
            .and_then(DaemonError::kind)
    })
}

/// Turns a daemon error into a message that says what to do.
pub fn explain(err: DaemonError, relay: &str, daemon_dir: &Path) -> anyhow::Error {
    let Some(kind) = err.kind().cloned() else {
        return anyhow::Error::new(err);
    };
    let shown = crate::relay_url::for_display(relay);
    let message = match kind {
        RpcErrorKind::RelayUnreachable if crate::relay_url::something_listens(relay) => format!(
            "{shown} answers, but that is not a caro relay (no WebSocket connection to a caro \
             relay could be opened there): check the host, the port and ws:// or wss://, \
             or choose another with --relay URL or CARO_SYNC_RELAY"
        ),
        RpcErrorKind::RelayUnreachable => format!(
            "cannot reach the sync relay at {shown}: is it running? (start one with \
             `caro sync relay`, or choose another with --relay URL or CARO_SYNC_RELAY)"
        ),
        RpcErrorKind::AccountNotFound => format!("no sync account for this phrase on {shown}"),
        RpcErrorKind::AccountExists => format!(
            "the relay {shown} already has this account; use `caro sync join` on this device"
        ),
        RpcErrorKind::StoreLocked => format!(
            "another caro sync is running on this machine ({err}); wait for it or stop `caro sync watch`"
        ),
        RpcErrorKind::OldFormat => format!(
            "the sync account on {shown} was written by an older caro (sync format 1); this caro \
             reads format 2 only, so it cannot sync with it. Your local history is untouched. \
             To go on: run `caro sync reset`, then `caro sync init` for a new account (with a new \
             phrase), and `caro sync join` on your other devices once they run this version"
        ),
        RpcErrorKind::AccountMismatch => format!(
            "the sync daemon's store {} belongs to another account; run `caro sync reset`",
            daemon_dir.display()
        ),
        _ => format!("sync daemon: {err}"),
    };
    SyncFailure::error(SyncErrorKind::Rpc(kind), message)
}
