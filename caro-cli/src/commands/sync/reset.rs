//! `caro sync reset`: forget this device's sync keys, identity and daemon
//! store. The account and the other devices are untouched; local history
//! stays unless `--purge`.

use std::io::{IsTerminal, Write};

use anyhow::{bail, Context, Result};

use super::remove_dir_if_present;
use crate::cli::ResetArgs;
use crate::commands::output;
use crate::daemon::lock::daemon_pid;
use crate::error::UsageError;
use crate::paths::Paths;
use crate::store::Store;
use crate::sync::keys;

pub fn run(args: &ResetArgs) -> Result<()> {
    let paths = Paths::from_env()?;
    let daemon_dir = crate::sync::daemon_dir(&paths);
    if !args.yes {
        if !std::io::stdin().is_terminal() {
            return Err(UsageError(
                "caro sync reset asks for confirmation; not on a terminal, pass --yes".into(),
            )
            .into());
        }
        let what = if args.purge {
            "This removes this device's sync keys and identity AND deletes its local history."
        } else {
            "This removes this device's sync keys and identity (local history stays)."
        };
        eprint!("{what}\nYou will need the recovery phrase to join again. Continue? [y/N] ");
        std::io::stderr().flush()?;
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer)?;
        if !matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
            bail!("reset cancelled; nothing changed");
        }
    }
    // The agent syncs with the keys about to go: it stops first.
    if let Some(agent) = crate::sync::agent::stop(&paths)? {
        eprintln!("caro: stopped the sync agent (pid {})", agent.pid);
    }
    if let Some(pid) = daemon_pid(&daemon_dir) {
        bail!(
            "a sync daemon (pid {pid}) is running on {}; stop `caro sync watch` (or wait for the sync) first",
            daemon_dir.display()
        );
    }
    let removed_key = keys::remove(&crate::sync::key_file(&paths))?;
    remove_dir_if_present(&daemon_dir)?;
    let history = paths.history_db();
    if args.purge {
        for suffix in ["", "-wal", "-shm"] {
            let mut file = history.clone().into_os_string();
            file.push(suffix);
            match std::fs::remove_file(&file) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(e).with_context(|| format!("cannot remove {}", history.display()))
                }
            }
        }
        output::stdout().line(&format!(
            "sync reset; local history deleted ({})",
            history.display()
        ))?;
    } else {
        let mut store = Store::open_in(&paths)?;
        let had_identity = store.sync_identity()?.is_some();
        store.leave_sync_account()?;
        output::stdout().line(if removed_key || had_identity {
            "sync reset: keys and identity removed; local history kept"
        } else {
            "sync was not set up; nothing to reset"
        })?;
    }
    Ok(())
}
