//! `caro sync join`: join this device to an account with its phrase (read
//! as [`phrase`] explains).

use std::io::IsTerminal;

use anyhow::{Context, Result};
use crypto_core::KeySet;

use super::enroll::{enroll, Enrolled, Entering};
use super::{options, phrase, prepare_fresh_setup};
use crate::cli::JoinArgs;
use crate::commands::output;
use crate::escape::for_terminal;
use crate::paths::Paths;
use crate::store::Store;
use crate::sync::keys::SyncKeys;
use crate::sync::report::describe_skipped;
use crate::sync::session::runtime;

pub fn run(args: &JoinArgs) -> Result<()> {
    let paths = Paths::from_env()?;
    let mut store = Store::open_in(&paths)?;
    // A home whose account was rotated joins the new one without a reset,
    // on the relay it used; it leaves the old one once the phrase is read.
    let retired = crate::sync::rotate_state::read_retired(&paths)?;
    let stored_relay = match &retired {
        Some(_) => store.sync_identity()?.and_then(|i| i.relay_url),
        None => {
            prepare_fresh_setup(&paths, &store)?;
            None
        }
    };
    crate::sync::check_given_relay(args.relay.as_deref(), args.insecure_transport)?;
    let relay = crate::sync::resolve_relay(args.relay.as_deref(), stored_relay.as_deref());
    // A mistyped word is caught here, before any network call.
    let phrase = match &args.phrase_file {
        Some(path) => phrase::from_file(path)?,
        None if std::io::stdin().is_terminal() => phrase::prompt_on_terminal()?,
        None => phrase::from_stdin()?,
    };
    if let Some(retired) = retired {
        leave_retired(&paths, &mut store, &retired.key_id)?;
        prepare_fresh_setup(&paths, &store)?;
    }
    // The summary gives the whole join's time (keys, account, sync), not the typing.
    let started = std::time::Instant::now();
    let opts = options(args.verbose, false);

    runtime()?.block_on(async {
        // The phrase goes with the derivation: dropped as soon as the keys exist.
        let derive_keys = move || KeySet::derive(&phrase).map(SyncKeys::from);
        let Enrolled {
            mut session,
            account_id,
            device,
        } = enroll(
            &paths,
            store,
            relay,
            args.device_name.as_deref(),
            Entering::Existing {
                upload_all: args.upload_all,
            },
            derive_keys,
            opts,
        )
        .await?;
        session.adopt_epoch().await?;
        let synced = session.sync().await;
        let key_id = session.keys.key_id.clone();
        session.close().await;
        // Sync goes on in the background from now on (unless auto_sync is off).
        crate::sync::agent::start_if_wanted_in(&paths);
        let mut out = output::stdout();
        out.line(&for_terminal(&format!(
            "Joined account {account_id} (key id {key_id}) as {} ({}).",
            device.name, device.id
        )))?;
        let mut report =
            synced.context("joined, but the first sync failed; run `caro sync` to retry")?;
        report.elapsed = started.elapsed();
        out.line(&report.summary())?;
        for line in report.notices() {
            out.line(&line)?;
        }
        for line in describe_skipped(&report.skipped, 10) {
            eprintln!("caro: {line}");
        }
        Ok(())
    })
}

/// Forgets the retired account `key_id` here: its identity and key file
/// (`prepare_fresh_setup` then clears its daemon store). Entries,
/// preferences and queued changes stay, and this device's own entries are
/// enqueued for the new account by the join.
fn leave_retired(paths: &Paths, store: &mut Store, key_id: &str) -> Result<()> {
    let identity = store.sync_identity()?;
    if identity.is_some_and(|i| i.key_id != key_id) {
        // Already in another account: the note is stale.
        return crate::sync::rotate_state::remove_retired(paths);
    }
    store.leave_sync_account()?;
    crate::sync::keys::remove(&crate::sync::key_file(paths))?;
    crate::sync::rotate_state::remove_retired(paths)
}
