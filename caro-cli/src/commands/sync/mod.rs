//! `caro sync ...`: end-to-end encrypted sync. One module per subcommand (the
//! arguments are in `crate::cli::sync`); the engine is in `crate::sync`.

mod agent;
mod devices;
mod enroll;
mod export;
mod init;
mod join;
mod now;
mod phrase;
mod relay;
mod reset;
mod rotate;
mod service;
mod status;
mod watch;

use anyhow::{bail, Context, Result};

use crate::cli::{SyncArgs, SyncCommand};
use crate::daemon::lock::daemon_pid;
use crate::paths::Paths;
use crate::store::Store;
use crate::sync::session::Options;

/// Runs `caro sync ...`.
pub fn run(args: SyncArgs) -> Result<()> {
    match args.command {
        None => now::run(&args.now),
        Some(SyncCommand::Now(now)) => now::run(&now),
        Some(SyncCommand::Init(init)) => init::run(&init),
        Some(SyncCommand::Join(join)) => join::run(&join),
        Some(SyncCommand::Watch(watch)) => watch::run(&watch),
        Some(SyncCommand::Start) => agent::start(),
        Some(SyncCommand::Stop) => agent::stop(),
        Some(SyncCommand::Status(status)) => status::run(&status),
        Some(SyncCommand::Devices(devices)) => devices::run(&devices),
        Some(SyncCommand::Rotate(rotate)) => rotate::run(&rotate),
        Some(SyncCommand::Export(export)) => export::run(&export),
        Some(SyncCommand::Reset(reset)) => reset::run(&reset),
        Some(SyncCommand::Relay(relay)) => relay::run(&relay),
        Some(SyncCommand::Service(service)) => service::run(&service),
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
