//! Key rotation and device removal (issue 11). A rotation makes a NEW
//! account (new phrase, new key set, records of the next epoch) and retires
//! the old one, in steps that a kill at any point resumes (`rotate_state.rs`
//! keeps the phrase and the step):
//!
//! 1. retire: this home's log in the old account ends with a sealed
//!    `retired` record (why, which devices were removed; nothing of the new
//!    keys), pushed and acknowledged. Queued changes do not go there: they
//!    were recorded for the new account.
//!    At the same time, the new account is made by a daemon in a second
//!    directory (`sync-daemon.next`); an earlier run's account is loaded
//!    instead.
//! 2. swap: that directory becomes the daemon's, then the store moves to the
//!    new account in one transaction (everything live enqueued for it, the
//!    old account's chains forgotten), then the key file is replaced.
//! 3. upload: the re-sealed history is pushed in bounded batches.
//!
//! A device that pulls the old account and meets the notice stops with what
//! happened ([`retired_error`]); `caro sync join` with the new phrase then
//! moves it over, its local history kept.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use crypto_core::{Body, KeySet, Phrase, Record, RetiredBody, RetiredReason};
use zeroize::Zeroizing;

use super::account::{current_device, init_account, start_daemon_in, CALL_TIMEOUT};
use super::error::rpc_kind;
use super::keys::{self, SyncKeys};
use super::records;
use super::report::Report;
use super::rotate_state::{self as state, Retired, Rotation, Step};
use super::session::{Options, Session};
use super::setup::require_setup;
use crate::daemon::lock::daemon_pid;
use crate::daemon::protocol::{self as rpc, PullParams, PullResult, RpcErrorKind};
use crate::paths::Paths;
use crate::store::Store;

/// What a finished rotation gives its user, once.
pub struct Rotated {
    pub phrase: Zeroizing<String>,
    pub key_id: String,
    pub account_id: String,
    pub epoch: u32,
    /// Records pushed into the new account by the last step.
    pub pushed: u64,
    /// The rotation had been started by an earlier, interrupted run.
    pub resumed: bool,
}

/// Whether an interrupted rotation waits to be finished.
pub fn pending(paths: &Paths) -> Result<bool> {
    Ok(state::read_rotation(paths)?.is_some())
}

/// Rotates the keys (retiring the account with `reason` and `removed`), or
/// finishes the rotation an earlier run started, whatever it was asked.
pub async fn rotate(
    paths: &Paths,
    reason: RetiredReason,
    removed: Vec<String>,
    opts: Options,
) -> Result<Rotated> {
    let (mut rotation, resumed) = match state::read_rotation(paths)? {
        Some(rotation) => (rotation, true),
        None => (begin(paths, reason, removed)?, false),
    };
    // Argon2id runs beside the old account's daemon starting.
    let phrase = Zeroizing::new(rotation.phrase.clone());
    let epoch = rotation.epoch;
    let derive = tokio::task::spawn_blocking(move || -> Result<SyncKeys> {
        let phrase =
            Phrase::parse(&phrase).context("the unfinished rotation's phrase is damaged")?;
        let mut keys = SyncKeys::from(KeySet::derive(&phrase)?);
        keys.epoch = epoch;
        Ok(keys)
    });
    let derived = async { derive.await.context("deriving the new keys stopped")? };
    let new_keys = if rotation.step == Step::Retire {
        // The notice and the new account do not depend on each other: both
        // at once. A failure of either leaves the step to be done again (a
        // notice is sealed once, an account made before is loaded).
        let (retired, created) = tokio::join!(retire(paths, &rotation, opts), async {
            let keys = derived.await?;
            let account_id = create(paths, &keys, opts).await?;
            anyhow::Ok((keys, account_id))
        });
        retired?;
        let (keys, account_id) = created?;
        rotation.account_id = Some(account_id);
        rotation.step = Step::Swap;
        state::write_rotation(paths, &rotation)?;
        keys
    } else {
        derived.await?
    };
    if rotation.step == Step::Swap {
        swap(paths, &rotation, &new_keys)?;
        rotation.step = Step::Upload;
        state::write_rotation(paths, &rotation)?;
    }
    let pushed = upload(paths, opts).await?;
    state::remove_rotation(paths)?;
    state::remove_retired(paths)?;
    Ok(Rotated {
        phrase: Zeroizing::new(rotation.phrase.clone()),
        key_id: new_keys.key_id.clone(),
        account_id: rotation.account_id.clone().unwrap_or_default(),
        epoch: rotation.epoch,
        pushed,
        resumed,
    })
}

/// A new rotation: the phrase is made and kept before anything changes.
fn begin(paths: &Paths, reason: RetiredReason, removed: Vec<String>) -> Result<Rotation> {
    let setup = require_setup(paths)?;
    if let Some(retired) = state::read_retired(paths)? {
        if retired.key_id == setup.keys.key_id {
            bail!(
                "this account was already rotated (by {}); run `caro sync join` with its new \
                 recovery phrase, then rotate that account if you need to; nothing was changed",
                crate::escape::for_terminal(&retired.by_device)
            );
        }
    }
    let rotation = Rotation {
        phrase: Phrase::generate()?.expose_secret().to_string(),
        epoch: setup.keys.epoch + 1,
        step: Step::Retire,
        reason,
        removed_devices: removed,
        old_key_id: setup.keys.key_id.clone(),
        account_id: None,
    };
    state::write_rotation(paths, &rotation)?;
    Ok(rotation)
}

/// Step 1: the retirement notice ends this home's log in the old account.
async fn retire(paths: &Paths, rotation: &Rotation, opts: Options) -> Result<()> {
    let setup = require_setup(paths)?;
    let body = RetiredBody {
        reason: rotation.reason,
        removed_devices: rotation.removed_devices.clone(),
    };
    let mut session = Session::open(setup, None, opts).await?;
    let sealed = {
        let keys = &session.keys;
        session.store.append_retired(|to_seal| {
            records::seal_retired(keys, to_seal, &body).map_err(|e| e.to_string())
        })
    };
    let pushed = match sealed {
        Ok(_) => {
            let mut report = Report::default();
            session.push_outbox(&mut report).await.map(|_| report)
        }
        Err(err) => Err(err.into()),
    };
    let left = session.store.unacked_count();
    session.close().await;
    let report = pushed?;
    if !report.rejected.is_empty() || left? > 0 {
        bail!(
            "the relay has not confirmed the old account's retirement notice ({}); nothing \
             else changed. Run `caro sync rotate` again (the new phrase is kept until then)",
            if report.rejected.is_empty() {
                "no acknowledgement".to_string()
            } else {
                report.rejected.join(", ")
            }
        );
    }
    Ok(())
}

fn next_dir(paths: &Paths) -> PathBuf {
    paths.data_dir.join("sync-daemon.next")
}

/// Step 1, beside the notice: the new account, made in the second daemon directory.
async fn create(paths: &Paths, keys: &SyncKeys, opts: Options) -> Result<String> {
    let store = Store::open_in(paths)?;
    let identity = store
        .sync_identity()?
        .context("sync is not set up on this machine")?;
    let relay = super::resolve_relay(None, identity.relay_url.as_deref());
    let device = current_device(&store)?;
    drop(store);
    let dir = next_dir(paths);
    let client = start_daemon_in(&dir, &relay, opts.verbose, None)?;
    let opened = match init_account(&client, keys, &relay, &device, true, &dir).await {
        Err(err) if rpc_kind(&err) == Some(&RpcErrorKind::AccountExists) => {
            init_account(&client, keys, &relay, &device, false, &dir).await
        }
        other => other,
    };
    client.close(Duration::from_secs(2)).await;
    Ok(opened?.account_id)
}

/// Step 2: the daemon's store, the history store and the key file move to
/// the new account. Each part is skipped when an earlier run did it.
fn swap(paths: &Paths, rotation: &Rotation, keys: &SyncKeys) -> Result<()> {
    let account_id = rotation
        .account_id
        .as_deref()
        .context("the unfinished rotation does not name its new account")?;
    let live = super::daemon_dir(paths);
    let next = next_dir(paths);
    if next.exists() {
        if let Some(pid) = daemon_pid(&live) {
            bail!(
                "a sync daemon (pid {pid}) is running on {}; stop it (`caro sync watch`?), \
                 then run `caro sync rotate` again",
                live.display()
            );
        }
        let old = paths.data_dir.join("sync-daemon.old");
        remove_dir(&old)?;
        if live.exists() {
            std::fs::rename(&live, &old)
                .with_context(|| format!("cannot move {}", live.display()))?;
        }
        std::fs::rename(&next, &live).with_context(|| format!("cannot move {}", next.display()))?;
        remove_dir(&old)?;
    }
    let mut store = Store::open_in(paths)?;
    let identity = store
        .sync_identity()?
        .context("sync is not set up on this machine")?;
    if identity.key_id != keys.key_id {
        let relay = super::resolve_relay(None, identity.relay_url.as_deref());
        store.rotate_into(&keys.key_id, account_id, &relay, &rotation.removed_devices)?;
    }
    keys::write(&super::key_file(paths), keys)
}

fn remove_dir(dir: &Path) -> Result<()> {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("cannot remove {}", dir.display())),
    }
}

/// Step 3: the new account gets everything enqueued for it, sealed and
/// pushed in bounded batches. Nothing is pulled: the account holds only this
/// home's records, which the next sync reads back as its own.
async fn upload(paths: &Paths, opts: Options) -> Result<u64> {
    let setup = require_setup(paths)?;
    let mut session = Session::open(setup, None, opts).await?;
    let mut report = Report::default();
    let pushed = session.push(&mut report).await;
    let left = session.store.unacked_count();
    let queued = session.store.sync_queue_counts();
    session.close().await;
    pushed?;
    let (queued, _) = queued?;
    if !report.rejected.is_empty() || report.unconfirmed > 0 || left? > 0 || queued > 0 {
        bail!(
            "the new account has not confirmed the whole history yet; run `caro sync rotate` \
             again to finish (the new phrase is kept until then){}",
            if report.rejected.is_empty() {
                String::new()
            } else {
                format!(": {}", report.rejected.join(", "))
            }
        );
    }
    Ok(report.pushed + report.already_there)
}

impl Session {
    /// Before anything is pushed: when a device's head says its log ends
    /// with a retirement notice, the pull runs first and stops at the notice,
    /// so nothing recorded here since the rotation goes to the retired
    /// account (where a removed device could read it). Costs one small pull
    /// (one record and the heads).
    pub async fn refuse_retired(&mut self, report: &mut Report) -> Result<()> {
        let cursor = self.store.sync_identity()?.and_then(|i| i.pull_cursor);
        let page: PullResult = self
            .client()?
            .call(
                rpc::PULL,
                &PullParams {
                    cursor: cursor.as_deref(),
                    limit: 1,
                },
                CALL_TIMEOUT,
            )
            .await?;
        let retired = page.heads.iter().any(|head| {
            head.device_id != self.device_id && records::head_says_retired(&self.keys, head)
        });
        self.trace("heads checked for a retirement");
        if !retired {
            return Ok(());
        }
        self.pull(report).await?;
        bail!(
            "a device of this account says the account was rotated, but its notice did not \
             arrive (see `caro sync status`); nothing was pushed. Run `caro sync` again later, \
             or `caro sync join` with the new recovery phrase"
        )
    }

    /// A device that joined an account learns its key epoch from its first
    /// record (one that authenticates under the account's keys), so that its
    /// own records carry it.
    pub async fn adopt_epoch(&mut self) -> Result<()> {
        let page: PullResult = self
            .client()?
            .call(
                rpc::PULL,
                &PullParams {
                    cursor: None,
                    limit: 1,
                },
                CALL_TIMEOUT,
            )
            .await?;
        let Some(item) = page.items.first() else {
            return Ok(());
        };
        if let Ok(record) = records::open_any_epoch(&self.keys, item) {
            if record.epoch != self.keys.epoch {
                self.keys.epoch = record.epoch;
                keys::write(&super::key_file(&self.paths), &self.keys)?;
            }
        }
        Ok(())
    }
}

/// The error a pull gives when it meets the account's retirement notice
/// (verified: linked in its author's chain, sealed under the device key).
/// What it met is kept, so that `caro sync join` can move this home.
pub fn retired_error(session: &Session, record: &Record) -> anyhow::Error {
    let (store, paths, own_id) = (&session.store, &session.paths, &session.device_id);
    let body = RetiredBody::from_value(&record.body).ok();
    let removed = body
        .as_ref()
        .is_some_and(|b| b.removed_devices.iter().any(|id| id == own_id));
    let by = store
        .known_devices()
        .ok()
        .and_then(|list| list.into_iter().find(|d| d.id == record.device_id))
        .map_or_else(|| record.device_id.clone(), |d| d.name);
    let when = crate::time::local_time(record.created_at);
    let noted = state::write_retired(
        paths,
        &Retired {
            key_id: session.keys.key_id.clone(),
            by_device: by.clone(),
            at: record.created_at,
            removed,
        },
    );
    let message = if removed {
        format!(
            "this device was removed from the sync account (by {by}, {when}); it can read \
             nothing recorded since. Your local history is kept. To sync again, get the \
             new recovery phrase from a device of the account and run `caro sync join`"
        )
    } else {
        format!(
            "this account was rotated (by {by}, {when}); run `caro sync join` with the new \
             recovery phrase to continue; your local history is kept"
        )
    };
    let message = crate::escape::for_terminal(&message).into_owned();
    match noted {
        Ok(()) => anyhow::anyhow!(message),
        Err(err) => err.context(message),
    }
}
