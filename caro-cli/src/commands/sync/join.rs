//! `caro sync join`: join this device to an account with its phrase.

use std::io::{IsTerminal, Read};

use anyhow::{anyhow, bail, Context, Result};
use crypto_core::{CryptoError, KeySet, Phrase};
use zeroize::Zeroizing;

use super::enroll::{enroll, Enrolled};
use super::{options, prepare_fresh_setup};
use crate::cli::JoinArgs;
use crate::commands::output;
use crate::escape::for_terminal;
use crate::paths::Paths;
use crate::store::Store;
use crate::sync::keys::SyncKeys;
use crate::sync::report::describe_skipped;
use crate::sync::session::runtime;

/// The most a phrase read from stdin may be.
const MAX_PHRASE_BYTES: u64 = 4096;

pub fn run(args: &JoinArgs) -> Result<()> {
    let paths = Paths::from_env()?;
    let store = Store::open_in(&paths)?;
    prepare_fresh_setup(&paths, &store)?;
    let relay = crate::sync::resolve_relay(args.relay.as_deref(), None);
    // A mistyped word is caught here, before any network call.
    let phrase = parse_phrase(&read_phrase()?)?;
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
            false,
            derive_keys,
            opts,
        )
        .await?;
        let synced = session.sync().await;
        let key_id = session.keys.key_id.clone();
        session.close().await;
        let mut out = output::stdout();
        out.line(&for_terminal(&format!(
            "Joined account {account_id} (key id {key_id}) as {} ({}).",
            device.name, device.id
        )))?;
        let mut report =
            synced.context("joined, but the first sync failed; run `caro sync` to retry")?;
        report.elapsed = started.elapsed();
        out.line(&report.summary())?;
        for line in describe_skipped(&report.skipped, 10) {
            eprintln!("caro: {line}");
        }
        Ok(())
    })
}

/// From a hidden prompt on a terminal, else all of stdin.
fn read_phrase() -> Result<Zeroizing<String>> {
    if std::io::stdin().is_terminal() {
        let typed = rpassword::prompt_password("Recovery phrase (24 words, input hidden): ")
            .context("cannot read the phrase from the terminal")?;
        return Ok(Zeroizing::new(typed));
    }
    let mut text = Zeroizing::new(String::new());
    std::io::stdin()
        .take(MAX_PHRASE_BYTES)
        .read_to_string(&mut text)
        .context("cannot read the phrase from stdin")?;
    if text.trim().is_empty() {
        bail!("no recovery phrase on stdin: pipe in the 24 words, or run `caro sync join` in a terminal");
    }
    Ok(text)
}

fn parse_phrase(text: &str) -> Result<Phrase> {
    Phrase::parse(text).map_err(|e| match e {
        CryptoError::UnknownWord { word, position } => anyhow!(
            "word {position} of the recovery phrase, \"{word}\", is not in the BIP39 English \
             word list; check its spelling"
        ),
        CryptoError::InvalidWordCount(n) => {
            anyhow!("a recovery phrase has 24 words; this one has {n}")
        }
        CryptoError::InvalidChecksum => anyhow!(
            "the recovery phrase's checksum does not match: a word is wrong or two are swapped"
        ),
        other => anyhow!("invalid recovery phrase: {other}"),
    })
}
