//! The agent's loop, `caro sync watch` in the foreground and `caro sync
//! start` (or a `history add`) in the background: one daemon kept for the
//! home, local changes pushed promptly, other devices' records (entries,
//! deletes, preferences, device names) applied as the daemon announces them
//! (`sync.changed`).
//!
//! Local changes are noticed by polling SQLite's `data_version` (one cheap
//! pragma every [`POLL`], which changes only when another process wrote).
//! The first change is pushed at once; those that follow within
//! [`PUSH_WINDOW`] of a push go together at the window's end, so a burst
//! (an import, a script) is a few pushes, not one per entry.
//!
//! A daemon that dies, or stops answering [`HEALTH_EVERY`]'s ping, is closed
//! (TERM, then KILL) and a new one started, after a backoff that doubles up
//! to [`BACKOFF_MAX`] while restarts keep failing. In the background the
//! agent exits once no local change came for `agent_idle`; in the foreground
//! (and under a login service) it runs until a signal.

use std::io::Write;
use std::time::{Duration, Instant};

use anyhow::Result;
use serde_json::Value;
use tokio::signal::unix::{signal, Signal, SignalKind};
use tokio::time::MissedTickBehavior;

use super::error::SyncFailure;
use super::push::Pushed;
use super::report::{describe_skipped, Report};
use super::session::{Options, Session};
use super::setup::{require_setup, Setup};
use crate::config::PrefKey;
use crate::daemon::client::DaemonError;
use crate::daemon::protocol::{self as rpc, NoParams};
use crate::escape::for_terminal;
use crate::paths::Paths;
use crate::relay_url::for_display;
use crate::store::Store;

/// How often the database is checked for new local changes.
const POLL: Duration = Duration::from_millis(50);
/// Changes within this long of a push wait for the window's end.
const PUSH_WINDOW: Duration = Duration::from_millis(250);
/// How often unconfirmed pushes are retried.
const RETRY: Duration = Duration::from_secs(2);
/// How often the daemon must answer a ping, and how fast.
const HEALTH_EVERY: Duration = Duration::from_secs(30);
const HEALTH_TIMEOUT: Duration = Duration::from_secs(5);
/// The first restart's delay, and the most it grows to.
const BACKOFF_FIRST: Duration = Duration::from_secs(1);
const BACKOFF_MAX: Duration = Duration::from_secs(60);
/// A daemon that ran this long was healthy: the backoff starts over.
const STABLE: Duration = Duration::from_secs(60);

/// Where the agent runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// On a terminal or under a login service: until a signal.
    Foreground,
    /// Detached (`caro sync start`): exits when idle, lines timestamped.
    Background,
}

/// Why one daemon's session ended.
enum End {
    /// SIGINT, SIGTERM or SIGHUP.
    Stopped,
    /// No local change for `agent_idle` (background only).
    Idle,
    /// The home's history database is gone (the home was deleted): there is
    /// nothing left to sync.
    HomeGone,
    /// The daemon died or stopped answering: start another.
    DaemonFailed(anyhow::Error),
}

/// Runs the agent until a signal (or, in the background, until idle),
/// restarting its daemon whenever it fails.
pub async fn run(
    paths: &Paths,
    setup: Setup,
    relay_flag: Option<&str>,
    options: Options,
    mode: Mode,
    out: &mut dyn Write,
) -> Result<()> {
    let mut stop = Stop::register()?;
    let mut log = Log {
        out,
        mode,
        quiet: options.quiet,
    };
    let mut setup = Some(setup);
    let mut backoff = BACKOFF_FIRST;
    loop {
        let setup = match setup.take() {
            Some(setup) => setup,
            None => require_setup(paths)?,
        };
        let opened = tokio::select! {
            _ = stop.recv() => break,
            opened = Session::open(setup, relay_flag, options) => opened,
        };
        let (why, lived) = match opened {
            Ok(mut session) => {
                let started = Instant::now();
                let end = watch(&mut session, &mut log, &mut stop, mode).await;
                session.close().await;
                (end?, started.elapsed())
            }
            Err(err) if daemon_trouble(&err) => (End::DaemonFailed(err), Duration::ZERO),
            Err(err) => return Err(err),
        };
        match why {
            End::Stopped => break,
            End::Idle => {
                log.say("idle: no local change for a while; stopping (the next command starts the agent again)")?;
                return Ok(());
            }
            End::HomeGone => {
                log.say("the home's history database is gone; stopping")?;
                return Ok(());
            }
            End::DaemonFailed(err) => {
                if lived >= STABLE {
                    backoff = BACKOFF_FIRST;
                }
                log.say(&format!(
                    "the sync daemon failed ({}); starting another in {}s",
                    first_line(&err),
                    backoff.as_secs()
                ))?;
                tokio::select! {
                    _ = stop.recv() => break,
                    _ = tokio::time::sleep(backoff) => {}
                }
                backoff = (backoff * 2).min(BACKOFF_MAX);
            }
        }
    }
    log.say("stopped")
}

/// One daemon's session: returns why it ended; `Err` for a local failure
/// (the history store), which restarting the daemon would not mend.
async fn watch(
    session: &mut Session,
    log: &mut Log<'_>,
    stop: &mut Stop,
    mode: Mode,
) -> Result<End> {
    macro_rules! step {
        ($call:expr) => {
            match $call {
                Ok(value) => value,
                Err(err) if daemon_trouble(&err) => return Ok(End::DaemonFailed(err)),
                Err(err) => return Err(err),
            }
        };
    }
    step!(session.subscribe().await);
    let relay = for_display(&session.relay);
    if session.online {
        let report = step!(session.sync().await);
        log.say(&format!(
            "watching {} ({})",
            for_terminal(&relay),
            report.summary()
        ))?;
        for line in report.notices() {
            log.say(&line)?;
        }
    } else {
        log.say(&format!(
            "the relay {relay} is unreachable; watching, changes stay queued until it is back"
        ))?;
    }
    let Some(mut notifications) = session.take_notifications() else {
        return Ok(End::DaemonFailed(anyhow::anyhow!(
            "the daemon's notifications were already taken"
        )));
    };
    let mut timing = Timing::read(&session.store);
    let mut data_version = session.store.data_version()?;
    let mut change_waiting = false;
    let mut unconfirmed = false;
    let now = Instant::now();
    let (mut last_local, mut last_health, mut last_full) = (now, now, now);
    // None until the first push, which therefore goes at once.
    let mut last_push: Option<Instant> = None;
    let since_push = |last: Option<Instant>| last.map_or(Duration::MAX, |t| t.elapsed());
    let mut tick = tokio::time::interval(POLL);
    tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
    loop {
        if let Some(renewed) = session.take_notifications() {
            // The daemon was restarted for a new device id.
            notifications = renewed;
        }
        tokio::select! {
            _ = stop.recv() => return Ok(End::Stopped),
            notification = notifications.recv() => {
                let Some(notification) = notification else {
                    // The daemon's output closed: a call says why, with its stderr.
                    let why = step!(session.client())
                        .call::<_, Value>(rpc::PING, &NoParams {}, Duration::from_secs(1))
                        .await
                        .err()
                        .map_or_else(|| anyhow::anyhow!("the daemon stopped notifying"), anyhow::Error::new);
                    return Ok(End::DaemonFailed(why));
                };
                match notification.method.as_str() {
                    rpc::CHANGED => {
                        let mut report = Report::default();
                        step!(session.pull(&mut report).await);
                        if report.rehomed.is_some() {
                            // A copy: sync again as the new device.
                            report = step!(session.sync().await);
                        }
                        if report.preferences > 0 {
                            timing = Timing::read(&session.store);
                        }
                        if report.pulled + report.deleted + report.preferences > 0
                            || !report.skipped.is_empty()
                            || !report.findings.is_empty()
                            || report.rehomed.is_some()
                        {
                            log.say(&pulled_line(&report))?;
                        }
                    }
                    rpc::STATE => {
                        let state = notification.params.get("state").and_then(Value::as_str).unwrap_or("");
                        session.online = state == rpc::ONLINE;
                        log.say(&format!("relay {relay}: {}", if session.online { "connected" } else { "unreachable" }))?;
                        unconfirmed |= session.online;
                    }
                    _ => {}
                }
            }
            _ = tick.tick() => {
                let version = session.store.data_version()?;
                if version != data_version {
                    // Another process wrote: maybe a new entry, delete or
                    // preference. A push with nothing queued costs one query.
                    data_version = version;
                    change_waiting = true;
                    timing = Timing::read(&session.store);
                    last_local = Instant::now();
                }
                let due = change_waiting && since_push(last_push) >= PUSH_WINDOW;
                let retry = unconfirmed && session.online && since_push(last_push) >= RETRY;
                if due || retry {
                    change_waiting = false;
                    last_push = Some(Instant::now());
                    let mut report = Report::default();
                    if step!(session.push(&mut report).await) == Pushed::SeqConflict {
                        report = step!(session.sync().await);
                        for line in report.notices() {
                            log.say(&line)?;
                        }
                    }
                    unconfirmed = report.unconfirmed > 0;
                    if report.pushed > 0 {
                        log.say(&format!("pushed {}", report.pushed))?;
                    }
                    for line in &report.rejected {
                        log.say(&format!("rejected {line}"))?;
                    }
                }
                if session.online && last_full.elapsed() >= timing.full_sync {
                    // A safety net: whatever a notification may have missed.
                    last_full = Instant::now();
                    step!(session.sync().await);
                }
                if last_health.elapsed() >= HEALTH_EVERY {
                    last_health = Instant::now();
                    if !session.paths.history_db().exists() {
                        return Ok(End::HomeGone);
                    }
                    let ping: Result<Value, DaemonError> =
                        step!(session.client()).call(rpc::PING, &NoParams {}, HEALTH_TIMEOUT).await;
                    if let Err(err) = ping {
                        return Ok(End::DaemonFailed(err.into()));
                    }
                }
                if mode == Mode::Background && last_local.elapsed() >= timing.idle {
                    return Ok(End::Idle);
                }
            }
        }
    }
}

/// The two preferences the loop follows, re-read as they may change.
struct Timing {
    /// `agent_idle`.
    idle: Duration,
    /// `sync_frequency`: how often a whole sync runs besides notifications.
    full_sync: Duration,
}

impl Timing {
    fn read(store: &Store) -> Timing {
        let seconds = |key: PrefKey| {
            let value = store
                .preference(key.name())
                .ok()
                .flatten()
                .map(|p| p.value)
                .and_then(|v| v.as_u64());
            Duration::from_secs(
                value
                    .or_else(|| key.default_value().as_u64())
                    .unwrap_or(3600),
            )
        };
        Timing {
            idle: seconds(PrefKey::AgentIdle),
            full_sync: seconds(PrefKey::SyncFrequency),
        }
    }
}

/// A failure of the daemon or what it talks to (the relay), which a new
/// daemon may not have; anything else is a local failure.
fn daemon_trouble(err: &anyhow::Error) -> bool {
    err.chain()
        .any(|cause| cause.is::<DaemonError>() || cause.is::<SyncFailure>())
}

fn first_line(err: &anyhow::Error) -> String {
    let text = format!("{err:#}");
    text.lines().next().unwrap_or_default().to_string()
}

/// SIGINT, SIGTERM and SIGHUP: each ends the agent in order.
struct Stop {
    int: Signal,
    term: Signal,
    hup: Signal,
}

impl Stop {
    fn register() -> Result<Stop> {
        Ok(Stop {
            int: signal(SignalKind::interrupt())?,
            term: signal(SignalKind::terminate())?,
            hup: signal(SignalKind::hangup())?,
        })
    }

    async fn recv(&mut self) {
        tokio::select! {
            _ = self.int.recv() => {}
            _ = self.term.recv() => {}
            _ = self.hup.recv() => {}
        }
    }
}

/// What the agent says: on stdout in the foreground, in `agent.log` with a
/// time in the background. Never a command line or a secret: counts, states,
/// entry ids and errors (the relay shown without its token).
struct Log<'a> {
    out: &'a mut dyn Write,
    mode: Mode,
    quiet: bool,
}

impl Log<'_> {
    fn say(&mut self, line: &str) -> Result<()> {
        match self.mode {
            Mode::Foreground if self.quiet => return Ok(()),
            Mode::Foreground => writeln!(self.out, "{line}")?,
            Mode::Background => {
                writeln!(self.out, "{} {line}", jiff::Timestamp::now())?;
            }
        }
        self.out.flush()?;
        Ok(())
    }
}

fn pulled_line(report: &Report) -> String {
    let mut line = format!("pulled {}", report.pulled);
    if report.deleted > 0 {
        line.push_str(&format!(", {} deleted", report.deleted));
    }
    if !report.skipped.is_empty() {
        line.push_str(&format!(", skipped {}", report.skipped.len()));
        for skipped in describe_skipped(&report.skipped, 5) {
            line.push_str(&format!("\n  {skipped}"));
        }
    }
    if report.preferences > 0 {
        line.push_str(&format!(
            ", {} applied",
            crate::plural::count(report.preferences, "preference", "preferences")
        ));
    }
    for notice in report.notices() {
        line.push_str(&format!("\n  {notice}"));
    }
    line
}
