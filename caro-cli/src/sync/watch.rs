//! `caro sync watch`: stay connected. Local changes are noticed by polling
//! SQLite's `data_version` (one cheap pragma, every [`POLL`]) and pushed at
//! once; other devices' records (entries, deletes, preferences, device
//! names) are pulled and applied when the daemon says `sync.changed`. Ctrl-C
//! or SIGTERM stops it cleanly.

use std::io::Write;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use serde_json::Value;
use tokio::signal::unix::{signal, SignalKind};
use tokio::time::MissedTickBehavior;

use super::push::Pushed;
use super::report::{describe_skipped, Report};
use super::session::Session;
use crate::daemon::protocol::{self as rpc, NoParams};
use crate::escape::for_terminal;

/// How often the database is checked for new local changes.
const POLL: Duration = Duration::from_millis(50);
/// How often unconfirmed pushes are retried.
const RETRY: Duration = Duration::from_secs(2);

/// Runs until a signal; then closes the daemon.
pub async fn run(mut session: Session, out: &mut dyn Write) -> Result<()> {
    let result = watch(&mut session, out).await;
    session.close().await;
    result
}

async fn watch(session: &mut Session, out: &mut dyn Write) -> Result<()> {
    session.subscribe().await?;
    let mut sigint = signal(SignalKind::interrupt())?;
    let mut sigterm = signal(SignalKind::terminate())?;
    let quiet = session.options.quiet;
    let say = |out: &mut dyn Write, line: String| -> Result<()> {
        if !quiet {
            writeln!(out, "{line}")?;
            out.flush()?;
        }
        Ok(())
    };

    if session.online {
        let report = session.sync().await?;
        say(
            out,
            format!(
                "watching {} ({})",
                for_terminal(&session.relay),
                report.summary()
            ),
        )?;
        for line in report.notices() {
            say(out, line)?;
        }
    } else {
        say(
            out,
            format!(
                "the relay {} is unreachable; watching, changes stay queued until it is back",
                session.relay
            ),
        )?;
    }

    let mut notifications = session
        .take_notifications()
        .context("the daemon's notifications were already taken")?;
    let mut data_version = session.store.data_version()?;
    let mut unconfirmed = false;
    let mut last_retry = Instant::now();
    let mut tick = tokio::time::interval(POLL);
    tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
    loop {
        if let Some(renewed) = session.take_notifications() {
            // The daemon was restarted for a new device id.
            notifications = renewed;
        }
        tokio::select! {
            _ = sigint.recv() => break,
            _ = sigterm.recv() => break,
            notification = notifications.recv() => {
                let Some(notification) = notification else {
                    // The daemon's stdout closed: a call says why, with its stderr.
                    let _: Value = session
                        .client()?
                        .call(rpc::PING, &NoParams {}, Duration::from_secs(1))
                        .await?;
                    continue;
                };
                match notification.method.as_str() {
                    rpc::CHANGED => {
                        let mut report = Report::default();
                        session.pull(&mut report).await?;
                        if report.rehomed.is_some() {
                            // A copy: sync again as the new device.
                            report = session.sync().await?;
                        }
                        if report.pulled + report.deleted + report.preferences > 0
                            || !report.skipped.is_empty()
                            || !report.findings.is_empty()
                            || report.rehomed.is_some()
                        {
                            say(out, pulled_line(&report))?;
                        }
                    }
                    rpc::STATE => {
                        let state = notification.params.get("state").and_then(Value::as_str).unwrap_or("");
                        session.online = state == rpc::ONLINE;
                        say(out, format!("relay {}: {}", session.relay, if session.online { "connected" } else { "unreachable" }))?;
                        unconfirmed |= session.online;
                    }
                    _ => {}
                }
            }
            _ = tick.tick() => {
                let version = session.store.data_version()?;
                let mut push = false;
                if version != data_version {
                    // Another process wrote: maybe a new entry, delete or
                    // preference. A push with nothing queued costs one query.
                    data_version = version;
                    push = true;
                }
                if unconfirmed && session.online && last_retry.elapsed() >= RETRY {
                    push = true;
                }
                if push {
                    last_retry = Instant::now();
                    let mut report = Report::default();
                    if session.push(&mut report).await? == Pushed::SeqConflict {
                        report = session.sync().await?;
                        for line in report.notices() {
                            say(out, line)?;
                        }
                    }
                    unconfirmed = report.unconfirmed > 0;
                    if report.pushed > 0 {
                        say(out, format!("pushed {}", report.pushed))?;
                    }
                    for line in &report.rejected {
                        say(out, format!("rejected {line}"))?;
                    }
                }
            }
        }
    }
    say(out, "stopped".to_string())
}

fn pulled_line(report: &Report) -> String {
    let mut line = format!("pulled {}", report.pulled);
    if report.deleted > 0 {
        line.push_str(&format!(", {} deleted", report.deleted));
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
    if !report.skipped.is_empty() {
        line.push_str(&format!(", skipped {}", report.skipped.len()));
        for skipped in describe_skipped(&report.skipped, 5) {
            line.push_str(&format!("\n  {skipped}"));
        }
    }
    line
}
