//! `caro sync`: end-to-end encrypted sync of the history through the sync
//! daemon (protocol v2). This module owns the key file ([`keys`]), sealing
//! and opening every record kind ([`records`]), checking pulled records
//! against their device's hash chain ([`chain`]), what a verified record does
//! here ([`apply`], with the checks pulled entries pass, [`guard`]), the
//! local setup ([`setup`]), entering the account ([`account`]), one sync
//! ([`session`], with its [`push`] and [`pull`] halves, its [`report`] and
//! its [`progress`] bar), the names of its failures ([`error`]), the
//! background [`agent`] with its long-running [`watch`] loop, the turns the
//! home's processes take at pushing and pulling ([`turn`]), the login
//! service that keeps the agent running ([`service`]), and key rotation
//! ([`rotate`], its state on disk in [`rotate_state`]).
//!
//! Only the jazz-auth key ever crosses to the daemon; every operation crosses
//! as one sealed record whose AAD binds its kind, id, device, seq and epoch.

pub mod account;
pub mod agent;
pub mod apply;
pub mod chain;
pub mod error;
pub mod guard;
pub mod keys;
pub mod progress;
pub mod pull;
pub mod push;
pub mod records;
pub mod report;
pub mod rotate;
pub mod rotate_state;
pub mod service;
pub mod session;
pub mod setup;
pub mod turn;
pub mod watch;

use std::path::PathBuf;

use crate::paths::Paths;

/// The self-hosted relay's default address (`caro sync relay`).
pub const DEFAULT_RELAY: &str = "ws://127.0.0.1:4200";
/// Overrides the stored relay (a `--relay` flag overrides this).
pub const RELAY_ENV: &str = "CARO_SYNC_RELAY";

/// The key file: `<data dir>/sync.key`.
pub fn key_file(paths: &Paths) -> PathBuf {
    paths.data_dir.join("sync.key")
}

/// The daemon's own directory (its Jazz store, meta and lock file).
pub fn daemon_dir(paths: &Paths) -> PathBuf {
    paths.data_dir.join("sync-daemon")
}

/// The relay to use: the flag, else `CARO_SYNC_RELAY`, else the stored one,
/// else the self-hosted default.
pub fn resolve_relay(flag: Option<&str>, stored: Option<&str>) -> String {
    flag.map(str::to_string)
        .or_else(env_relay)
        .or_else(|| stored.map(str::to_string))
        .unwrap_or_else(|| DEFAULT_RELAY.to_string())
}

fn env_relay() -> Option<String> {
    std::env::var(RELAY_ENV)
        .ok()
        .filter(|v| !v.trim().is_empty())
}

/// Checks the relay given now (the flag, else `CARO_SYNC_RELAY`) in full and
/// against the transport rule ([`crate::relay_url`]); a stored relay passed
/// them when it was given.
pub fn check_given_relay(flag: Option<&str>, insecure: bool) -> anyhow::Result<()> {
    match flag.map(str::to_string).or_else(env_relay) {
        Some(url) => crate::relay_url::check_transport(&url, insecure),
        None => Ok(()),
    }
}
