//! `caro sync status`: what this device knows, and what the daemon says.
//! Entries are counted in the history itself (the daemon's own count covers
//! only the chunks it has loaded), and the state names what is wrong: the
//! relay cannot be reached, or the daemon failed (with the reason), or
//! another caro's daemon holds the store (named by its lock). With the
//! background agent running, its daemon answers on the socket, and the
//! agent's pid and start time are shown.

use std::io::Write;
use std::time::Duration;

use anyhow::Result;
use serde::Serialize;

use super::options;
use crate::cli::StatusArgs;
use crate::commands::output;
use crate::daemon::lock::daemon_pid;
use crate::daemon::protocol::{self as rpc, Health, NoParams, RpcErrorKind};
use crate::escape::for_terminal;
use crate::paths::Paths;
use crate::store::Store;
use crate::sync::account::current_device;
use crate::sync::error::rpc_kind;
use crate::sync::session::{runtime, Session};
use crate::sync::setup::load_setup;
use crate::time::{format_age, now_ms};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Status {
    configured: bool,
    /// `not-set-up`, `online`, `relay-unreachable`, `daemon-failed`, or
    /// `daemon-running` (another caro's daemon holds the store).
    state: State,
    /// What went wrong, for the two failed states.
    reason: Option<String>,
    /// Live entries in this device's history.
    entries: u64,
    key_id: Option<String>,
    /// The key epoch of this device's records (1 until a rotation).
    epoch: Option<u32>,
    /// An interrupted key rotation, or the rotation of this account a pull met.
    rotation: Option<String>,
    account_id: Option<String>,
    device_id: String,
    device_name: String,
    relay: Option<RelayStatus>,
    last_sync_at: Option<i64>,
    /// When the relay last confirmed an entry of this device.
    last_push_at: Option<i64>,
    /// When an entry (or delete) from another device last arrived.
    last_pull_at: Option<i64>,
    queue: Queue,
    daemon: Option<DaemonStatus>,
    agent: AgentStatus,
    /// Preferences this device cannot apply (say, an exclude pattern from
    /// another device that is not a valid regex here): skipped, and said.
    warnings: Vec<String>,
    /// What the pulls found wrong with the account's logs: the last pull's
    /// gaps, withheld tails and forks, broken chains, rejected records by
    /// reason.
    integrity: serde_json::Value,
    /// The same, one line each, for people.
    #[serde(skip)]
    integrity_lines: Vec<String>,
}

#[derive(Serialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
enum State {
    NotSetUp,
    Online,
    RelayUnreachable,
    DaemonFailed,
    DaemonRunning,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RelayStatus {
    url: String,
    reachable: Option<bool>,
    latency_ms: Option<f64>,
}

/// The home's background agent (`caro sync start`, or started by a command).
#[derive(Serialize)]
struct AgentStatus {
    running: bool,
    pid: Option<i32>,
    /// When it started (Unix ms).
    since: Option<i64>,
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
    let entries = store.stats(0)?.total;
    let (last_push_at, last_pull_at) = store.last_push_and_pull()?;
    let integrity = store.integrity()?;
    let mut integrity_lines =
        crate::sync::report::describe_integrity(&integrity.findings, &integrity.broken);
    if !integrity.rejected.is_empty() {
        let counts: Vec<String> = integrity
            .rejected
            .iter()
            .map(|(reason, n)| format!("{reason} {n}"))
            .collect();
        integrity_lines.push(format!(
            "integrity: records rejected so far: {}",
            counts.join(", ")
        ));
    }
    drop(store);
    let agent = crate::sync::agent::running(&paths);
    let mut status = Status {
        configured: false,
        state: State::NotSetUp,
        reason: None,
        entries,
        key_id: None,
        epoch: None,
        rotation: rotation_note(&paths)?,
        account_id: None,
        device_id: device.id,
        device_name: device.name,
        relay: None,
        last_sync_at: None,
        last_push_at,
        last_pull_at,
        queue: Queue { pending, failed },
        daemon: None,
        agent: AgentStatus {
            running: agent.is_some(),
            pid: agent.map(|a| a.pid),
            since: agent.map(|a| a.since),
        },
        warnings,
        integrity: crate::sync::report::state_json(&integrity),
        integrity_lines,
    };
    if let Some(setup) = load_setup(&paths)? {
        status.configured = true;
        status.key_id = Some(setup.identity.key_id.clone());
        status.epoch = Some(setup.keys.epoch);
        status.account_id.clone_from(&setup.identity.account_id);
        status.last_sync_at = setup.identity.last_sync_at;
        let relay = crate::sync::resolve_relay(None, setup.identity.relay_url.as_deref());
        let opts = options(args.verbose, true);
        let daemon_running = daemon_pid(&crate::sync::daemon_dir(&paths));
        if let Some(pid) = daemon_running.filter(|_| agent.is_none()) {
            // Its daemon holds the store; starting another one would be refused.
            status.state = State::DaemonRunning;
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
            let program = session.client()?.program().to_string();
            let health: Result<Health, _> = session
                .client()?
                .call(rpc::HEALTH, &NoParams {}, Duration::from_secs(10))
                .await;
            session.close().await;
            anyhow::Ok((program, health?))
        });
        let (reachable, latency, daemon) = match probed {
            Ok((program, health)) => {
                (status.state, status.reason) = if !health.healthy {
                    (
                        State::DaemonFailed,
                        Some("the daemon's local store failed (`caro sync status --verbose` shows its log)".into()),
                    )
                } else if !health.relay.connected {
                    (
                        State::RelayUnreachable,
                        Some(format!(
                            "the daemon cannot connect to {relay}; is the relay running?"
                        )),
                    )
                } else {
                    (State::Online, None)
                };
                (
                    Some(health.relay.connected),
                    health.relay.latency_ms,
                    DaemonStatus {
                        running_pid: None,
                        program: Some(program),
                        health: Some(health),
                        error: None,
                    },
                )
            }
            Err(err) => {
                let relay_down = rpc_kind(&err) == Some(&RpcErrorKind::RelayUnreachable);
                status.state = if relay_down {
                    State::RelayUnreachable
                } else {
                    State::DaemonFailed
                };
                status.reason = Some(format!("{err:#}"));
                (
                    // Whether the relay answers is unknown when the daemon failed.
                    relay_down.then_some(false),
                    None,
                    DaemonStatus {
                        running_pid: None,
                        program: None,
                        health: None,
                        error: Some(format!("{err:#}")),
                    },
                )
            }
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

/// What `status` says of a rotation: one waiting to be finished here, or
/// one of this home's account that a pull met.
fn rotation_note(paths: &Paths) -> Result<Option<String>> {
    use crate::sync::rotate_state::{read_retired, read_rotation};
    if read_rotation(paths)?.is_some() {
        return Ok(Some(
            "a key rotation was interrupted: run `caro sync rotate` to finish it".into(),
        ));
    }
    Ok(read_retired(paths)?.map(|retired| {
        let what = if retired.removed {
            "this device was removed from the account"
        } else {
            "this account was rotated"
        };
        format!(
            "{what} (by {}, {}): run `caro sync join` with the new recovery phrase",
            retired.by_device,
            crate::time::local_time(retired.at)
        )
    }))
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
        writeln!(out, "entries:    {} stored", status.entries)?;
        writeln!(out, "queue:      {} pending", status.queue.pending)?;
        if let Some(rotation) = &status.rotation {
            writeln!(out, "rotation:   {}", for_terminal(rotation))?;
        }
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
    if let Some(rotation) = &status.rotation {
        writeln!(out, "rotation:   {}", for_terminal(rotation))?;
    }
    writeln!(
        out,
        "device:     {} ({})",
        for_terminal(&status.device_name),
        for_terminal(&status.device_id)
    )?;
    let reach = match (status.state, relay.latency_ms) {
        (State::Online, Some(ms)) => format!("reachable, {ms:.0} ms"),
        (State::Online, None) => "reachable".to_string(),
        (State::RelayUnreachable, _) => "unreachable".to_string(),
        (State::DaemonFailed, _) => "not checked: the daemon failed".to_string(),
        (State::DaemonRunning | State::NotSetUp, _) => "in use by the running daemon".to_string(),
    };
    writeln!(
        out,
        "relay:      {} ({reach})",
        for_terminal(&crate::relay_url::for_display(&relay.url))
    )?;
    let reason = status.reason.as_deref().unwrap_or("");
    match status.state {
        State::RelayUnreachable => writeln!(
            out,
            "state:      relay unreachable: {}",
            for_terminal(reason)
        )?,
        State::DaemonFailed => {
            writeln!(out, "state:      daemon failed: {}", for_terminal(reason))?
        }
        _ => {}
    }
    writeln!(out, "entries:    {} stored", status.entries)?;
    let age =
        |at: Option<i64>| at.map_or_else(|| "never".to_string(), |at| format_age(at, now_ms()));
    writeln!(out, "last sync:  {}", age(status.last_sync_at))?;
    writeln!(
        out,
        "last push:  {} (an entry of this device confirmed by the relay)",
        age(status.last_push_at)
    )?;
    writeln!(
        out,
        "last pull:  {} (an entry from another device arrived)",
        age(status.last_pull_at)
    )?;
    writeln!(
        out,
        "queue:      {} pending, {} failed",
        status.queue.pending, status.queue.failed
    )?;
    if status.integrity_lines.is_empty() {
        writeln!(
            out,
            "integrity:  no gaps, withheld records, forks or rejections"
        )?;
    }
    for line in &status.integrity_lines {
        writeln!(out, "{}", for_terminal(line))?;
    }
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
            "daemon:     {}, {}, store {:.1} MB",
            if h.healthy { "healthy" } else { "UNHEALTHY" },
            for_terminal(&h.state),
            h.storage.size_bytes as f64 / 1e6
        )?,
        Some(DaemonStatus {
            error: Some(error), ..
        }) => writeln!(out, "daemon:     {}", for_terminal(error))?,
        _ => {}
    }
    match (status.agent.pid, status.agent.since) {
        (Some(pid), Some(since)) => writeln!(
            out,
            "agent:      running (pid {pid}, started {}; `caro sync stop` stops it)",
            format_age(since, now_ms())
        )?,
        _ => writeln!(out, "agent:      not running (`caro sync start` starts it)")?,
    }
    Ok(out.flush()?)
}
