//! `caro sync ...`: the arguments of sync and its subcommands (without a
//! subcommand, `caro sync` syncs now and takes [`NowArgs`]).

use std::path::PathBuf;

use clap::{Args, Subcommand};

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
    Init(SyncInitArgs),
    /// Join this device to an account with the recovery phrase of another device
    Join(JoinArgs),
    /// Push local changes and pull the other devices' (what `caro sync` alone does)
    Now(NowArgs),
    /// The sync agent in the foreground: push local changes at once, pull others' as they arrive
    Watch(WatchArgs),
    /// Start the sync agent in the background (it stops after `agent_idle` without a command)
    Start,
    /// Stop this home's background sync agent and its daemon
    Stop,
    /// Key id, account, this device, relay, last sync, pending queue, daemon health
    Status(StatusArgs),
    /// The devices of the account; `devices remove` cuts one off (and rotates the keys)
    Devices(DevicesArgs),
    /// New recovery phrase and keys: the history moves to a new account, the old one is retired
    Rotate(RotateArgs),
    /// Write history, preferences and devices, decrypted, as JSON
    Export(ExportArgs),
    /// Remove this device's sync keys and identity (history stays unless --purge)
    Reset(ResetArgs),
    /// Run a self-hosted relay in the foreground
    Relay(RelayArgs),
    /// Run sync in the background at login: a systemd user unit (Linux) or a launchd agent (macOS)
    Service(ServiceArgs),
}

#[derive(Debug, Args)]
pub struct SyncInitArgs {
    /// The relay's URL (default: $CARO_SYNC_RELAY, else ws://127.0.0.1:4200)
    #[arg(long, value_name = "URL", value_parser = crate::relay_url::parse)]
    pub relay: Option<String>,
    /// Allow a plain ws:// relay on another machine: anyone on the network path could then pose as the relay and see your account id and sync traffic (commands stay encrypted)
    #[arg(long)]
    pub insecure_transport: bool,
    /// How other devices will see this one, at most 64 characters (default: the host name)
    #[arg(long, value_name = "NAME", value_parser = device_name)]
    pub device_name: Option<String>,
    /// Print {phrase, keyId, accountId, deviceId} as JSON (for scripts; with
    /// --phrase-file, the file's path instead of the phrase)
    #[arg(long)]
    pub json: bool,
    /// Write the phrase to this new file (mode 0600) instead of showing it;
    /// an existing file is refused
    #[arg(long, value_name = "PATH")]
    pub phrase_file: Option<PathBuf>,
    /// Show the sync daemon's log
    #[arg(long, short)]
    pub verbose: bool,
}

#[derive(Debug, Args)]
pub struct JoinArgs {
    /// The relay's URL (default: $CARO_SYNC_RELAY, else ws://127.0.0.1:4200)
    #[arg(long, value_name = "URL", value_parser = crate::relay_url::parse)]
    pub relay: Option<String>,
    /// Allow a plain ws:// relay on another machine: anyone on the network path could then pose as the relay and see your account id and sync traffic (commands stay encrypted)
    #[arg(long)]
    pub insecure_transport: bool,
    /// How other devices will see this one, at most 64 characters (default: the host name)
    #[arg(long, value_name = "NAME", value_parser = device_name)]
    pub device_name: Option<String>,
    /// Read the phrase from this file, which only you may read (mode 0600)
    #[arg(long, value_name = "PATH")]
    pub phrase_file: Option<PathBuf>,
    /// Also upload the entries pulled from other devices of an account this
    /// one left with `sync reset` (by default only this device's own go up)
    #[arg(long)]
    pub upload_all: bool,
    /// Show the sync daemon's log
    #[arg(long, short)]
    pub verbose: bool,
}

#[derive(Debug, Args)]
pub struct NowArgs {
    /// Use this relay from now on
    #[arg(long, value_name = "URL", value_parser = crate::relay_url::parse)]
    pub relay: Option<String>,
    /// Allow a plain ws:// relay on another machine: anyone on the network path could then pose as the relay and see your account id and sync traffic (commands stay encrypted)
    #[arg(long)]
    pub insecure_transport: bool,
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
    #[arg(long, value_name = "URL", value_parser = crate::relay_url::parse)]
    pub relay: Option<String>,
    /// Allow a plain ws:// relay on another machine: anyone on the network path could then pose as the relay and see your account id and sync traffic (commands stay encrypted)
    #[arg(long)]
    pub insecure_transport: bool,
    /// Print nothing but errors
    #[arg(long, short)]
    pub quiet: bool,
    /// Show the sync daemon's log
    #[arg(long, short)]
    pub verbose: bool,
    /// Run as the background agent: log to the home's sync/agent.log, stop
    /// when idle (what `caro sync start` runs, detached)
    #[arg(long, hide = true, conflicts_with_all = ["relay", "verbose"])]
    pub background: bool,
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
#[command(args_conflicts_with_subcommands = true)]
pub struct DevicesArgs {
    #[command(subcommand)]
    pub command: Option<DevicesCommand>,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
    /// Show the sync daemon's log
    #[arg(long, short)]
    pub verbose: bool,
}

#[derive(Debug, Subcommand)]
pub enum DevicesCommand {
    /// Remove a device: the keys rotate (a new recovery phrase, shown once) and
    /// the removed device can read nothing recorded afterwards
    Remove(DevicesRemoveArgs),
}

#[derive(Debug, Args)]
pub struct DevicesRemoveArgs {
    /// The device's id or name (`caro sync devices` lists them)
    #[arg(value_name = "ID|NAME")]
    pub device: String,
    /// Print {phrase, keyId, accountId} as JSON (for scripts that keep the phrase safe)
    #[arg(long)]
    pub json: bool,
    /// Show the sync daemon's log
    #[arg(long, short)]
    pub verbose: bool,
}

#[derive(Debug, Args)]
pub struct RotateArgs {
    /// Print {phrase, keyId, accountId} as JSON (for scripts that keep the phrase safe)
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

#[derive(Debug, Args)]
pub struct ServiceArgs {
    #[command(subcommand)]
    pub command: ServiceCommand,
}

#[derive(Debug, Subcommand)]
pub enum ServiceCommand {
    /// Write the login service that runs `caro sync watch --quiet` for this home, then enable and start it
    Install,
    /// Stop and disable the login service and remove its file
    Uninstall,
    /// Whether the login service is installed, enabled (starts at login) and running
    Status(ServiceStatusArgs),
}

#[derive(Debug, Args)]
pub struct ServiceStatusArgs {
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

/// The longest device name: a Linux host name's limit (`HOST_NAME_MAX`), the
/// default name, and what fits one line of `caro sync devices`.
pub const MAX_DEVICE_NAME_CHARS: usize = 64;

/// A device name: checked as the command line is read, so a bad one is
/// refused before the phrase is asked for.
fn device_name(value: &str) -> Result<String, String> {
    let name = value.trim();
    if name.is_empty() {
        return Err(
            "a device name cannot be empty: give one such as --device-name laptop, \
                    or leave the flag out to use the host name"
                .to_string(),
        );
    }
    let chars = name.chars().count();
    if chars > MAX_DEVICE_NAME_CHARS {
        return Err(format!(
            "a device name takes at most {MAX_DEVICE_NAME_CHARS} characters, this one has {chars}"
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(
            "a device name cannot hold control characters (tabs, newlines, escapes)".to_string(),
        );
    }
    Ok(name.to_string())
}
