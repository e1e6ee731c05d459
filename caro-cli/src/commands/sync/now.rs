//! `caro sync` / `caro sync now`: push, pull, summary.

use anyhow::{bail, Result};
use serde_json::json;

use super::options;
use crate::cli::NowArgs;
use crate::commands::output;
use crate::daemon::protocol::RpcErrorKind;
use crate::paths::Paths;
use crate::sync::error::rpc_kind;
use crate::sync::report::describe_skipped;
use crate::sync::session::{runtime, Session};
use crate::sync::setup::require_setup;

pub fn run(args: &NowArgs) -> Result<()> {
    // The summary's time is the whole command's, daemon start and stop included.
    let started = std::time::Instant::now();
    let paths = Paths::from_env()?;
    crate::sync::check_given_relay(args.relay.as_deref(), args.insecure_transport)?;
    if crate::sync::rotate::pending(&paths)? {
        // A background sync cannot show the new phrase: the rotation waits.
        if args.quiet {
            return Ok(());
        }
        eprintln!("caro: a key rotation was interrupted; finishing it first");
        return super::rotate::rotate_and_show(
            crypto_core::RetiredReason::Rotated,
            Vec::new(),
            args.json,
            args.verbose,
        );
    }
    let setup = require_setup(&paths)?;
    if args.relay.is_some() {
        // The agent's daemon is on the old relay: it stops, and the agent
        // started after this sync uses the new one.
        crate::sync::agent::stop(&paths)?;
    }
    let opts = options(args.verbose, args.quiet || args.json);
    let outcome = runtime()?.block_on(async {
        let mut session = Session::open(setup, args.relay.as_deref(), opts).await?;
        let synced = session.sync().await;
        let relay = session.relay.clone();
        session.close().await;
        synced.map(|report| (report, relay))
    });
    crate::sync::agent::start_if_wanted_in(&paths);
    let (mut report, relay) = match outcome {
        Ok(done) => done,
        // A background sync that finds another sync running has nothing to do.
        Err(err) if args.quiet && rpc_kind(&err) == Some(&RpcErrorKind::StoreLocked) => {
            return Ok(())
        }
        Err(err) => return Err(err),
    };
    report.elapsed = started.elapsed();
    if args.json {
        let skipped: Vec<_> = report
            .skipped
            .iter()
            .map(|s| {
                json!({"id": s.id, "deviceId": s.device_id, "seq": s.seq,
                       "recordKind": s.record_kind, "kind": s.kind, "message": s.message})
            })
            .collect();
        let rehomed = report.rehomed.as_ref().map(
            |r| json!({"oldDeviceId": r.old_id, "newDeviceId": r.new_id, "reEnqueued": r.enqueued}),
        );
        output::stdout().json(&json!({
                "pushed": report.pushed,
                "alreadyThere": report.already_there,
                "unconfirmed": report.unconfirmed,
                "rejected": report.rejected,
                "pulled": report.pulled,
                "deleted": report.deleted,
                "preferences": report.preferences,
                "devices": report.devices,
                "skipped": skipped,
                "integrity": report.integrity_json(),
                "rehomed": rehomed,
                "elapsedMs": report.elapsed.as_millis() as u64,
        }))?;
    } else if !args.quiet {
        let mut out = output::stdout();
        out.line(&report.summary())?;
        for line in report.notices() {
            out.line(&line)?;
        }
    }
    if !args.quiet {
        for line in describe_skipped(&report.skipped, 10) {
            eprintln!("caro: {line}");
        }
    }
    if !report.rejected.is_empty() {
        bail!(
            "the sync daemon rejected {}; they stay queued: {}",
            crate::plural::count(report.rejected.len(), "record", "records"),
            report.rejected.join(", ")
        );
    }
    if report.unconfirmed > 0 {
        bail!(
            "the relay at {} has not confirmed {} yet; they stay queued for the next sync",
            crate::relay_url::for_display(&relay),
            crate::plural::count(report.unconfirmed, "item", "items")
        );
    }
    Ok(())
}
