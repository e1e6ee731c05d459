//! `caro sync ...`: end-to-end encrypted sync. The arguments live here (the
//! `Sync` variant of the command enum points at [`SyncArgs`]); one module per
//! subcommand; the engine is in `crate::sync`.

mod devices;
mod enroll;
mod export;
mod init;
mod join;
mod now;
mod relay;
mod reset;
mod status;
mod watch;

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};

use crate::paths::Paths;
use crate::store::Store;
use crate::sync::auto::daemon_pid;
use crate::sync::engine::Options;

/// Arguments of `caro sync`; without a subcommand it syncs now.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SyncArgs {
    #[command(subcommand)]
    pub command: Option<SyncCommand>,
    #[command(flatten)]
    pub now: NowArgs,
}

#[derive(Debug, Subcommand)]
pub enum SyncCommand {
    /// Set up sync on a first device: create the account and show its 24-word recovery phrase
    Init(InitArgs),
    /// Join this device to an account with the recovery phrase of another device
    Join(JoinArgs),
    /// Push local changes and pull the other devices' (what `caro sync` alone does)
    Now(NowArgs),
    /// Stay connected: push local changes within a second, pull others' as they arrive
    Watch(WatchArgs),
    /// Key id, account, this device, relay, last sync, pending queue, daemon health
    Status(StatusArgs),
    /// The devices of the account
    Devices(DevicesArgs),
    /// Write history, preferences and devices, decrypted, as JSON
    Export(ExportArgs),
    /// Remove this device's sync keys and identity (history stays unless --purge)
    Reset(ResetArgs),
    /// Run a self-hosted relay in the foreground
    Relay(RelayArgs),
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The relay's URL (default: $CARO_SYNC_RELAY, else ws://127.0.0.1:4200)
    #[arg(long, value_name = "URL", value_parser = relay_url)]
    pub relay: Option<String>,
    /// How other devices will see this one (default: the host name)
    #[arg(long, value_name = "NAME")]
    pub device_name: Option<String>,
    /// Print {phrase, keyId, accountId, deviceId} as JSON (for scripts)
    #[arg(long)]
    pub json: bool,
    /// Show the sync daemon's log
    #[arg(long, short)]
    pub verbose: bool,
}

#[derive(Debug, Args)]
pub struct JoinArgs {
    /// The relay's URL (default: $CARO_SYNC_RELAY, else ws://127.0.0.1:4200)
    #[arg(long, value_name = "URL", value_parser = relay_url)]
    pub relay: Option<String>,
    /// How other devices will see this one (default: the host name)
    #[arg(long, value_name = "NAME")]
    pub device_name: Option<String>,
    /// Show the sync daemon's log
    #[arg(long, short)]
    pub verbose: bool,
}

#[derive(Debug, Args)]
pub struct NowArgs {
    /// Use this relay from now on
    #[arg(long, value_name = "URL", value_parser = relay_url)]
    pub relay: Option<String>,
    /// Print nothing unless it fails (for background syncs)
    #[arg(long, short, conflicts_with = "json")]
    pub quiet: bool,
    /// Print what the sync did as JSON
    #[arg(long)]
    pub json: bool,
    /// Show the sync daemon's log
    #[arg(long, short)]
    pub verbose: bool,
}

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Use this relay from now on
    #[arg(long, value_name = "URL", value_parser = relay_url)]
    pub relay: Option<String>,
    /// Print nothing but errors
    #[arg(long, short)]
    pub quiet: bool,
    /// Show the sync daemon's log
    #[arg(long, short)]
    pub verbose: bool,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Print JSON
    #[arg(long)]
    pub json: bool,
    /// Show the sync daemon's log
    #[arg(long, short)]
    pub verbose: bool,
}

#[derive(Debug, Args)]
pub struct DevicesArgs {
    /// Print JSON
    #[arg(long)]
    pub json: bool,
    /// Show the sync daemon's log
    #[arg(long, short)]
    pub verbose: bool,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Write to this file (mode 0600) instead of stdout
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ResetArgs {
    /// Do not ask for confirmation
    #[arg(long, short)]
    pub yes: bool,
    /// Also delete the local history database
    #[arg(long)]
    pub purge: bool,
}

#[derive(Debug, Args)]
pub struct RelayArgs {
    /// Address to listen on
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Port to listen on (0: any free port; the URL is printed)
    #[arg(long, default_value_t = 4200)]
    pub port: u16,
    /// Keep the relay's data in this SQLite file
    #[arg(long, value_name = "PATH", conflicts_with = "in_memory")]
    pub db: Option<PathBuf>,
    /// Keep the relay's data in memory only (the default without --db)
    #[arg(long)]
    pub in_memory: bool,
    /// Keep the access token in this file (default: beside --db; without --db a new token each start)
    #[arg(long, value_name = "PATH", conflicts_with = "open")]
    pub token_file: Option<PathBuf>,
    /// Require no token: anyone who can reach the port may store data
    #[arg(long)]
    pub open: bool,
    /// Bytes one connection may store
    #[arg(long, value_name = "BYTES")]
    pub max_connection_bytes: Option<u64>,
    /// Bytes the relay stores per account
    #[arg(long, value_name = "BYTES")]
    pub max_account_bytes: Option<u64>,
}

/// Runs `caro sync ...`.
pub fn run(args: SyncArgs) -> Result<()> {
    match args.command {
        None => now::run(&args.now),
        Some(SyncCommand::Now(now)) => now::run(&now),
        Some(SyncCommand::Init(init)) => init::run(&init),
        Some(SyncCommand::Join(join)) => join::run(&join),
        Some(SyncCommand::Watch(watch)) => watch::run(&watch),
        Some(SyncCommand::Status(status)) => status::run(&status),
        Some(SyncCommand::Devices(devices)) => devices::run(&devices),
        Some(SyncCommand::Export(export)) => export::run(&export),
        Some(SyncCommand::Reset(reset)) => reset::run(&reset),
        Some(SyncCommand::Relay(relay)) => relay::run(&relay),
    }
}

fn relay_url(value: &str) -> Result<String, String> {
    if value.starts_with("ws://") || value.starts_with("wss://") {
        Ok(value.trim_end_matches('/').to_string())
    } else {
        Err(format!(
            "'{value}' is not a relay URL: use ws://HOST:PORT or wss://HOST"
        ))
    }
}

fn options(verbose: bool, quiet: bool) -> Options {
    Options { verbose, quiet }
}

/// `init` and `join` start from nothing: refuse when sync is set up, and
/// clear a daemon store left by an earlier, unfinished setup.
fn prepare_fresh_setup(paths: &Paths, store: &Store) -> Result<()> {
    let key_file = crate::sync::key_file(paths);
    if let Some(identity) = store.sync_identity()? {
        bail!(
            "sync is already set up on this machine (key id {}); run `caro sync reset` first to start over",
            identity.key_id
        );
    }
    if key_file.exists() {
        bail!(
            "a sync key file already exists at {}; run `caro sync reset` first to start over",
            key_file.display()
        );
    }
    let daemon_dir = crate::sync::daemon_dir(paths);
    if let Some(pid) = daemon_pid(&daemon_dir) {
        bail!(
            "a sync daemon (pid {pid}) is still running on {}; stop it first",
            daemon_dir.display()
        );
    }
    remove_dir_if_present(&daemon_dir)
}

fn remove_dir_if_present(dir: &std::path::Path) -> Result<()> {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("cannot remove {}", dir.display())),
    }
}
