//! `caro sync join`: join this device to an account with its phrase.

use std::io::{IsTerminal, Read};
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use crypto_core::{CryptoError, KeySet, Phrase};
use zeroize::Zeroizing;

use super::{options, prepare_fresh_setup, JoinArgs};
use crate::paths::Paths;
use crate::sync::engine::{
    self, current_device, describe_skipped, init_account, open_store, register_device, Session,
    Setup,
};
use crate::sync::keys::{self, SyncKeys};

/// The most a phrase read from stdin may be.
const MAX_PHRASE_BYTES: u64 = 4096;

pub fn run(args: &JoinArgs) -> Result<()> {
    let paths = Paths::from_env()?;
    let mut store = open_store(&paths)?;
    prepare_fresh_setup(&paths, &store)?;
    let relay = crate::sync::resolve_relay(args.relay.as_deref(), None);
    // A mistyped word is caught here, before any network call.
    let phrase = parse_phrase(&read_phrase()?)?;
    let opts = options(args.verbose, false);
    let daemon_dir = crate::sync::daemon_dir(&paths);

    engine::runtime()?.block_on(async {
        let mut device = current_device(&store)?;
        if let Some(name) = &args.device_name {
            device.name.clone_from(name);
        }
        // Node starts while Argon2id derives the keys.
        let client = engine::start_daemon(&paths, opts)?;
        let keys = match KeySet::derive(&phrase) {
            Ok(set) => SyncKeys::from(set),
            Err(err) => {
                client.close(Duration::ZERO).await;
                let _ = std::fs::remove_dir_all(&daemon_dir);
                return Err(err.into());
            }
        };
        drop(phrase);
        let joined = async {
            let init = init_account(&client, &keys, &relay, &device, false, &daemon_dir).await?;
            register_device(&client, &keys, &device).await?;
            anyhow::Ok(init)
        }
        .await;
        let init = match joined {
            Ok(init) => init,
            Err(err) => {
                client.close(Duration::ZERO).await;
                let _ = std::fs::remove_dir_all(&daemon_dir);
                return Err(err);
            }
        };

        if let Some(name) = &args.device_name {
            store.rename_current_device(name)?;
        }
        keys::write(&crate::sync::key_file(&paths), &keys)?;
        store.join_sync_account(&keys.key_id, &init.account_id, &relay)?;
        let identity = store
            .sync_identity()?
            .context("the sync identity was not saved")?;
        let mut session = Session::attach(
            Setup {
                paths: paths.clone(),
                store,
                keys,
                identity,
            },
            client,
            &init,
            relay,
            opts,
        )?;
        let synced = session.sync().await;
        let key_id = session.keys.key_id.clone();
        session.close().await;
        println!(
            "Joined account {} (key id {key_id}) as {} ({}).",
            init.account_id, device.name, device.id
        );
        let report =
            synced.context("joined, but the first sync failed; run `caro sync` to retry")?;
        println!("{}", report.summary());
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
