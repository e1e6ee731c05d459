//! `caro sync start` / `caro sync stop`: the home's background agent by hand.

use anyhow::Result;

use crate::commands::output;
use crate::paths::Paths;
use crate::sync::agent;
use crate::sync::setup::require_setup;
use crate::time::{format_age, now_ms};

pub fn start() -> Result<()> {
    let paths = Paths::from_env()?;
    drop(require_setup(&paths)?);
    let (holder, started) = agent::start(&paths)?;
    output::stdout().line(&if started {
        format!(
            "sync agent started (pid {}); it stops after `agent_idle` without a local command, \
             or with `caro sync stop`; its log: {}",
            holder.pid,
            agent::log_path(&paths).display()
        )
    } else {
        format!(
            "a sync agent already runs (pid {}, started {})",
            holder.pid,
            format_age(holder.since, now_ms())
        )
    })
}

pub fn stop() -> Result<()> {
    let paths = Paths::from_env()?;
    output::stdout().line(&match agent::stop(&paths)? {
        Some(holder) => format!("sync agent stopped (pid {})", holder.pid),
        None => "no agent running".to_string(),
    })
}
