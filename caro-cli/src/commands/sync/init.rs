//! `caro sync init`: create the account on a first device, show its phrase once.
//!
//! The phrase goes only where its owner reads it: to stdout when that is a
//! terminal, else to a new private file (`--phrase-file`) or to a script that
//! asked for JSON. With stdout a file, a pipe or a log, and neither flag, init
//! refuses before it creates anything.

use std::fs::{self, OpenOptions};
use std::io::{ErrorKind, IsTerminal, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use anyhow::{bail, Context, Result};
use crypto_core::{KeySet, Phrase};
use serde::Serialize;
use zeroize::Zeroizing;

use super::enroll::{enroll, Enrolled, Entering};
use super::{options, prepare_fresh_setup};
use crate::cli::SyncInitArgs;
use crate::commands::output;
use crate::error::UsageError;
use crate::escape::for_terminal;
use crate::paths::Paths;
use crate::store::Store;
use crate::sync::keys::SyncKeys;
use crate::sync::session::runtime;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct InitJson<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    phrase: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    phrase_file: Option<&'a Path>,
    key_id: &'a str,
    account_id: &'a str,
    device_id: &'a str,
}

pub fn run(args: &SyncInitArgs) -> Result<()> {
    // The first sync's summary gives the whole setup's time (keys, account, sync).
    let started = std::time::Instant::now();
    // What the command line says is checked first: a usage error names the
    // argument to change, whatever else is wrong.
    crate::sync::check_given_relay(args.relay.as_deref(), args.insecure_transport)?;
    if !args.json && args.phrase_file.is_none() && !std::io::stdout().is_terminal() {
        return Err(UsageError(
            "caro sync init shows the recovery phrase only on a terminal, and stdout is not one \
             (a file, a pipe or a log would keep it); nothing was created. Run it in a terminal, \
             or pass --phrase-file PATH (a new file, mode 0600), or --json (for a script that \
             keeps the phrase safe)"
                .into(),
        )
        .into());
    }
    let paths = Paths::from_env()?;
    let store = Store::open_in(&paths)?;
    prepare_fresh_setup(&paths, &store)?;
    let relay = crate::sync::resolve_relay(args.relay.as_deref(), None);
    let phrase = Phrase::generate()?;
    let opts = options(args.verbose, args.json);
    let runtime = runtime()?;
    // Written before the account exists, so an account never outlives its
    // phrase; removed again if the account cannot be made.
    if let Some(path) = &args.phrase_file {
        write_phrase_file(path, &phrase)?;
    }

    let created = runtime.block_on(async {
        let derive_keys = || KeySet::derive(&phrase).map(SyncKeys::from);
        let enrolled = enroll(
            &paths,
            store,
            relay,
            args.device_name.as_deref(),
            Entering::NewAccount,
            derive_keys,
            opts,
        )
        .await;
        let Enrolled {
            mut session,
            account_id,
            device,
        } = match enrolled {
            Ok(enrolled) => enrolled,
            Err(err) => {
                if let Some(path) = &args.phrase_file {
                    let _ = fs::remove_file(path);
                }
                return Err(err);
            }
        };
        let synced = session.sync().await;
        let key_id = session.keys.key_id.clone();
        let device_id = session.device_id.clone();
        session.close().await;
        // Sync goes on in the background from now on (unless auto_sync is off).
        crate::sync::agent::start_if_wanted_in(&paths);
        let synced = synced.map(|mut report| {
            report.elapsed = started.elapsed();
            report
        });

        let mut out = output::stdout();
        if args.json {
            out.json(&InitJson {
                phrase: match args.phrase_file {
                    Some(_) => None,
                    None => Some(phrase.expose_secret()),
                },
                phrase_file: args.phrase_file.as_deref(),
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
            match &args.phrase_file {
                Some(path) => writeln!(
                    out,
                    "The recovery phrase is in {} (mode 0600), and nowhere else. Keep it \
                     somewhere safe and private: anyone who has it can read your synced \
                     history, and caro cannot show it again. On your other devices run \
                     `caro sync join --phrase-file PATH`, or type its words.",
                    for_terminal(&path.display().to_string())
                )?,
                None => {
                    write_phrase(&mut out, &phrase)?;
                    writeln!(
                        out,
                        "\nOn your other devices run `caro sync join` and type these words."
                    )?;
                }
            }
        }
        out.flush()?;
        synced
            .context("the account is ready, but the first sync failed; run `caro sync` to retry")?;
        Ok(())
    });
    created
}

/// The phrase in a numbered grid read row by row (1 2 3 4 / 5 6 7 8 / …), so
/// rows copied in order give the words in order; with the warning that goes
/// with it.
pub(super) fn write_phrase(out: &mut impl Write, phrase: &Phrase) -> Result<()> {
    writeln!(out, "Your recovery phrase (shown only this once):\n")?;
    let words: Vec<&str> = phrase.expose_secret().split_whitespace().collect();
    for row in 0..words.len().div_ceil(4) {
        let mut line = String::from("  ");
        for col in 0..4 {
            let n = row * 4 + col;
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

/// Writes the phrase, one line, to a new file only its owner can read.
fn write_phrase_file(path: &Path, phrase: &Phrase) -> Result<()> {
    let mut file = match OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(file) => file,
        Err(e) if e.kind() == ErrorKind::AlreadyExists => bail!(
            "{} already exists; caro writes the recovery phrase only to a new file, so that \
             no one else can have opened it first. Choose another path; nothing was created",
            path.display()
        ),
        Err(e) => {
            return Err(e).with_context(|| {
                format!(
                    "cannot create the phrase file {}; nothing was created",
                    path.display()
                )
            })
        }
    };
    let written = file
        .write_all(Zeroizing::new(format!("{}\n", phrase.expose_secret())).as_bytes())
        .and_then(|()| file.sync_all());
    if let Err(e) = written {
        drop(file);
        let _ = fs::remove_file(path);
        return Err(e).with_context(|| {
            format!(
                "cannot write the phrase file {}; nothing was created",
                path.display()
            )
        });
    }
    Ok(())
}
