//! `caro sync status`: what this device knows, and what the daemon says.

use std::io::Write;
use std::time::Duration;

use anyhow::Result;
use serde::Serialize;

use super::options;
use crate::cli::StatusArgs;
use crate::commands::output;
use crate::daemon::lock::daemon_pid;
use crate::daemon::protocol::{self as rpc, Health, NoParams};
use crate::escape::for_terminal;
use crate::paths::Paths;
use crate::store::Store;
use crate::sync::account::current_device;
use crate::sync::session::{runtime, Session};
use crate::sync::setup::load_setup;
use crate::time::{format_age, now_ms};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Status {
    configured: bool,
    key_id: Option<String>,
    account_id: Option<String>,
    device_id: String,
    device_name: String,
    relay: Option<RelayStatus>,
    last_sync_at: Option<i64>,
    queue: Queue,
    daemon: Option<DaemonStatus>,
    /// Preferences this device cannot apply (say, an exclude pattern from
    /// another device that is not a valid regex here): skipped, and said.
    warnings: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RelayStatus {
    url: String,
    reachable: Option<bool>,
    latency_ms: Option<f64>,
}

#[derive(Serialize)]
struct Queue {
    pending: u64,
    failed: u64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DaemonStatus {
    /// A daemon already running on this home (e.g. `caro sync watch`'s).
    running_pid: Option<i32>,
    program: Option<String>,
    health: Option<Health>,
    error: Option<String>,
}

pub fn run(args: &StatusArgs) -> Result<()> {
    let paths = Paths::from_env()?;
    let store = Store::open_in(&paths)?;
    let device = current_device(&store)?;
    let (pending, failed) = store.sync_queue_counts()?;
    let prefs = crate::config::Preferences::from_stored(&store.preferences()?);
    let (_, skipped) = crate::privacy::ExcludePatterns::usable(&prefs.exclude_patterns);
    let warnings = skipped
        .into_iter()
        .map(|problem| {
            format!("{problem}; it is skipped (fix it with `caro config set exclude_patterns ...`)")
        })
        .collect();
    drop(store);
    let mut status = Status {
        configured: false,
        key_id: None,
        account_id: None,
        device_id: device.id,
        device_name: device.name,
        relay: None,
        last_sync_at: None,
        queue: Queue { pending, failed },
        daemon: None,
        warnings,
    };
    if let Some(setup) = load_setup(&paths)? {
        status.configured = true;
        status.key_id = Some(setup.identity.key_id.clone());
        status.account_id.clone_from(&setup.identity.account_id);
        status.last_sync_at = setup.identity.last_sync_at;
        let relay = crate::sync::resolve_relay(None, setup.identity.relay_url.as_deref());
        let opts = options(args.verbose, true);
        if let Some(pid) = daemon_pid(&crate::sync::daemon_dir(&paths)) {
            // Its daemon holds the store; starting another one would be refused.
            status.relay = Some(RelayStatus {
                url: relay,
                reachable: None,
                latency_ms: None,
            });
            status.daemon = Some(DaemonStatus {
                running_pid: Some(pid),
                program: None,
                health: None,
                error: None,
            });
            return print(&status, args.json);
        }
        let probed = runtime()?.block_on(async {
            let session = Session::open(setup, None, opts).await?;
            let program = session.client.program().to_string();
            let health: Result<Health, _> = session
                .client
                .call(rpc::HEALTH, &NoParams {}, Duration::from_secs(10))
                .await;
            session.close().await;
            anyhow::Ok((program, health?))
        });
        let (reachable, latency, daemon) = match probed {
            Ok((program, health)) => (
                Some(health.relay.connected),
                health.relay.latency_ms,
                DaemonStatus {
                    running_pid: None,
                    program: Some(program),
                    health: Some(health),
                    error: None,
                },
            ),
            Err(err) => (
                Some(false),
                None,
                DaemonStatus {
                    running_pid: None,
                    program: None,
                    health: None,
                    error: Some(format!("{err:#}")),
                },
            ),
        };
        status.relay = Some(RelayStatus {
            url: relay,
            reachable,
            latency_ms: latency,
        });
        status.daemon = Some(daemon);
    }
    print(&status, args.json)
}

fn print(status: &Status, json: bool) -> Result<()> {
    let mut out = output::stdout();
    if json {
        return out.json(status);
    }
    for warning in &status.warnings {
        writeln!(out, "warning:    {warning}")?;
    }
    let Some(relay) = &status.relay else {
        writeln!(
            out,
            "sync:       not set up (run `caro sync init`, or `caro sync join` with another device's phrase)"
        )?;
        writeln!(
            out,
            "device:     {} ({})",
            for_terminal(&status.device_name),
            for_terminal(&status.device_id)
        )?;
        writeln!(out, "queue:      {} pending", status.queue.pending)?;
        return Ok(out.flush()?);
    };
    writeln!(
        out,
        "key id:     {}",
        for_terminal(status.key_id.as_deref().unwrap_or("-"))
    )?;
    writeln!(
        out,
        "account:    {}",
        for_terminal(status.account_id.as_deref().unwrap_or("-"))
    )?;
    writeln!(
        out,
        "device:     {} ({})",
        for_terminal(&status.device_name),
        for_terminal(&status.device_id)
    )?;
    let reach = match (relay.reachable, relay.latency_ms) {
        (Some(true), Some(ms)) => format!("reachable, {ms:.0} ms"),
        (Some(true), None) => "reachable".to_string(),
        (Some(false), _) => "unreachable".to_string(),
        (None, _) => "in use by the running daemon".to_string(),
    };
    writeln!(
        out,
        "relay:      {} ({reach})",
        for_terminal(&crate::relay_url::for_display(&relay.url))
    )?;
    let last = status
        .last_sync_at
        .map_or_else(|| "never".to_string(), |at| format_age(at, now_ms()));
    writeln!(out, "last sync:  {last}")?;
    writeln!(
        out,
        "queue:      {} pending, {} failed",
        status.queue.pending, status.queue.failed
    )?;
    match status.daemon.as_ref() {
        Some(DaemonStatus {
            running_pid: Some(pid),
            ..
        }) => writeln!(
            out,
            "daemon:     running (pid {pid}, e.g. `caro sync watch`)"
        )?,
        Some(DaemonStatus {
            health: Some(h), ..
        }) => writeln!(
            out,
            "daemon:     {}, {}, {} stored ({:.1} MB)",
            if h.healthy { "healthy" } else { "UNHEALTHY" },
            for_terminal(&h.state),
            crate::plural::count(h.storage.entries, "item", "items"),
            h.storage.size_bytes as f64 / 1e6
        )?,
        Some(DaemonStatus {
            error: Some(error), ..
        }) => writeln!(out, "daemon:     {}", for_terminal(error))?,
        _ => {}
    }
    Ok(out.flush()?)
}
