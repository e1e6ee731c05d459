//! `caro sync init`: create the account on a first device, show its phrase once.

use std::io::Write;

use anyhow::{Context, Result};
use crypto_core::{KeySet, Phrase};
use serde::Serialize;

use super::enroll::{enroll, Enrolled};
use super::{options, prepare_fresh_setup};
use crate::cli::SyncInitArgs;
use crate::commands::output;
use crate::escape::for_terminal;
use crate::paths::Paths;
use crate::store::Store;
use crate::sync::keys::SyncKeys;
use crate::sync::session::runtime;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct InitJson<'a> {
    phrase: &'a str,
    key_id: &'a str,
    account_id: &'a str,
    device_id: &'a str,
}

pub fn run(args: &SyncInitArgs) -> Result<()> {
    // The first sync's summary gives the whole setup's time (keys, account, sync).
    let started = std::time::Instant::now();
    let paths = Paths::from_env()?;
    let store = Store::open_in(&paths)?;
    prepare_fresh_setup(&paths, &store)?;
    let relay = crate::sync::resolve_relay(args.relay.as_deref(), None);
    let phrase = Phrase::generate()?;
    let opts = options(args.verbose, args.json);

    runtime()?.block_on(async {
        let derive_keys = || KeySet::derive(&phrase).map(SyncKeys::from);
        let Enrolled {
            mut session,
            account_id,
            device,
        } = enroll(
            &paths,
            store,
            relay,
            args.device_name.as_deref(),
            true,
            derive_keys,
            opts,
        )
        .await?;
        let synced = session.sync().await;
        let key_id = session.keys.key_id.clone();
        let device_id = session.device_id.clone();
        session.close().await;
        let synced = synced.map(|mut report| {
            report.elapsed = started.elapsed();
            report
        });

        let mut out = output::stdout();
        if args.json {
            out.json(&InitJson {
                phrase: phrase.expose_secret(),
                key_id: &key_id,
                account_id: &account_id,
                device_id: &device_id,
            })?;
        } else {
            let done = format!(
                "Sync is set up: account {account_id}, key id {key_id}, this device {} ({device_id}).",
                device.name
            );
            writeln!(out, "{}", for_terminal(&done))?;
            if let Ok(report) = &synced {
                writeln!(out, "First sync: {}.", report.summary())?;
            }
            writeln!(out)?;
            write_phrase(&mut out, &phrase)?;
            writeln!(
                out,
                "\nOn your other devices run `caro sync join` and type these words."
            )?;
        }
        out.flush()?;
        synced
            .context("the account is ready, but the first sync failed; run `caro sync` to retry")?;
        Ok(())
    })
}

/// The phrase in a numbered grid, with the warning that goes with it.
fn write_phrase(out: &mut impl Write, phrase: &Phrase) -> Result<()> {
    writeln!(out, "Your recovery phrase (shown only this once):\n")?;
    let words: Vec<&str> = phrase.expose_secret().split_whitespace().collect();
    let rows = words.len().div_ceil(4);
    for row in 0..rows {
        let mut line = String::from("  ");
        for col in 0..4 {
            let n = col * rows + row;
            if let Some(word) = words.get(n) {
                line.push_str(&format!("{:>2}. {word:<12}", n + 1));
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    writeln!(
        out,
        "\nWrite these 24 words down and keep them somewhere safe and private.\n\
         Anyone who has them can read your synced history. caro cannot show them\n\
         again, and without them no other device can join this account."
    )?;
    Ok(())
}
