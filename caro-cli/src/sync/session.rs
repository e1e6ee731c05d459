//! An open sync: a [`Session`] is the history store, the key set and a daemon
//! initialized on the account. [`Session::sync`] runs one whole sync (seal
//! and push, then pull; the halves are in `push.rs` and `pull.rs`), and
//! re-registers a copied home under a new device id when either half finds
//! its log written by another home.
//!
//! A crash anywhere loses nothing (a queued change leaves the queue in the
//! transaction that seals it into the outbox; the outbox and the cursor only
//! move after the fact) and duplicates nothing (records are keyed by device
//! and seq, entries by id).

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Result};
use serde_json::Value;
use tokio::sync::mpsc;

use super::account::{current_device, init_account, start_daemon, CALL_TIMEOUT};
use super::error::{SyncErrorKind, SyncFailure};
use super::keys::SyncKeys;
use super::progress::Progress;
use super::push::Pushed;
use super::report::Report;
use super::setup::Setup;
use super::turn::Turns;
use crate::daemon::client::{DaemonClient, Notification};
use crate::daemon::protocol::{self as rpc, InitResult, RpcErrorKind};
use crate::paths::Paths;
use crate::store::Store;
use crate::time::now_ms;

/// How long `daemon.shutdown` may flush to the relay.
const FLUSH_TIMEOUT: Duration = Duration::from_secs(2);

/// How a sync command was asked to behave.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Copy the daemon's log to stderr as it comes.
    pub verbose: bool,
    /// No summary, no progress (background syncs).
    pub quiet: bool,
}

/// An open sync: the store, the keys, and the daemon on the account.
pub struct Session {
    pub paths: Paths,
    pub store: Store,
    pub keys: SyncKeys,
    pub device_id: String,
    pub relay: String,
    pub account_id: String,
    pub daemon_dir: PathBuf,
    /// The daemon; `None` only while [`Session::reopen`] replaces it.
    client: Option<DaemonClient>,
    /// The daemon reached the relay when it opened the account.
    pub online: bool,
    pub options: Options,
    pub(super) progress: Progress,
    notifications: Option<mpsc::UnboundedReceiver<Notification>>,
    subscribed: bool,
    /// Taken for every push and pull: the home's processes take turns.
    pub(super) turns: Turns,
}

impl Session {
    /// Starts the daemon and opens the account (from its local store when it
    /// has one, else from the relay). `relay_flag` overrides and replaces the
    /// stored relay.
    pub async fn open(
        mut setup: Setup,
        relay_flag: Option<&str>,
        options: Options,
    ) -> Result<Session> {
        let relay = super::resolve_relay(relay_flag, setup.identity.relay_url.as_deref());
        let device = current_device(&setup.store)?;
        let daemon_dir = super::daemon_dir(&setup.paths);
        let client = start_daemon(&setup.paths, &relay, options.verbose)?;
        match init_account(&client, &setup.keys, &relay, &device, false, &daemon_dir).await {
            Ok(init) if setup.identity.account_id.as_deref() != Some(init.account_id.as_str()) => {
                client.close(Duration::ZERO).await;
                bail!(
                    "the sync daemon opened account {} but this history belongs to {}; \
                     run `caro sync reset`, then `caro sync join`",
                    init.account_id,
                    setup.identity.account_id.as_deref().unwrap_or("none")
                )
            }
            Ok(init) => {
                // A relay given with --relay replaces the stored one only once
                // it answered: a mistyped URL must not become the default.
                let replaces = relay_flag.is_some()
                    && init.state == rpc::ONLINE
                    && setup.identity.relay_url.as_deref() != Some(relay.as_str());
                if replaces {
                    setup.store.set_sync_relay(&relay)?;
                }
                Session::attach(setup, client, &init, relay, options)
            }
            Err(err) => {
                client.close(Duration::ZERO).await;
                Err(err)
            }
        }
    }

    /// A session on a daemon that `sync.init` answered with `init`.
    pub fn attach(
        setup: Setup,
        client: DaemonClient,
        init: &InitResult,
        relay: String,
        options: Options,
    ) -> Result<Session> {
        let daemon_dir = super::daemon_dir(&setup.paths);
        let device_id = setup.store.current_device_id()?;
        let mut client = client;
        let notifications = client.take_notifications();
        Ok(Session {
            turns: Turns::new(&setup.paths),
            paths: setup.paths,
            store: setup.store,
            keys: setup.keys,
            device_id,
            relay,
            account_id: init.account_id.clone(),
            daemon_dir,
            client: Some(client),
            online: init.state == rpc::ONLINE,
            options,
            progress: Progress::new(options.quiet),
            notifications,
            subscribed: false,
        })
    }

    /// Asks the daemon for `sync.changed` / `sync.state` notifications.
    pub async fn subscribe(&mut self) -> Result<()> {
        if !self.subscribed {
            let _: Value = self
                .client()?
                .call(rpc::SUBSCRIBE, &rpc::NoParams {}, CALL_TIMEOUT)
                .await?;
            self.subscribed = true;
        }
        Ok(())
    }

    /// The notifications channel (for `caro sync watch`); can be taken once.
    pub fn take_notifications(&mut self) -> Option<mpsc::UnboundedReceiver<Notification>> {
        self.notifications.take()
    }

    /// The daemon this session talks to.
    pub fn client(&self) -> Result<&DaemonClient> {
        self.client
            .as_ref()
            .ok_or_else(|| anyhow!("the sync daemon was stopped and could not be restarted"))
    }

    /// Stops the daemon, letting it flush to the relay briefly.
    pub async fn close(mut self) {
        self.progress.finish();
        let verbose = self.options.verbose;
        if let Some(client) = self.client.take() {
            client.close(FLUSH_TIMEOUT).await;
        }
        if verbose {
            trace("daemon stopped");
        }
    }

    /// With `--verbose`, says when a step ended (ms since the command started).
    pub(super) fn trace(&self, step: &str) {
        if self.options.verbose {
            trace(step);
        }
    }

    /// The error for a relay that cannot be reached, with the queue's size.
    fn offline_error(&self) -> Result<anyhow::Error> {
        let (pending, _) = self.store.sync_queue_counts()?;
        Ok(SyncFailure::error(
            SyncErrorKind::Rpc(RpcErrorKind::RelayUnreachable),
            format!(
                "cannot reach the sync relay at {}: is it running? ({} {} queued for the next \
                 sync; start a relay with `caro sync relay`, or choose another with --relay URL)",
                crate::relay_url::for_display(&self.relay),
                crate::plural::count(pending, "local change", "local changes"),
                crate::plural::agree(&pending, "stays", "stay")
            ),
        ))
    }

    /// Seal and push, then pull. Fails when the relay is unreachable (the
    /// queue stays as it was).
    pub async fn sync(&mut self) -> Result<Report> {
        let started = Instant::now();
        if !self.online {
            return Err(self.offline_error()?);
        }
        let _turn = self.turns.take().await?;
        let mut report = Report::default();
        self.trace("account open");
        self.refuse_retired(&mut report).await?;
        if self.push(&mut report).await? == Pushed::SeqConflict {
            // Another home wrote this device's log: this one is a copy. Its
            // outbox goes, its contents re-enqueued: the refusals are moot.
            report.rehomed = Some(self.store.rehome()?);
            report.rejected.clear();
        }
        let rehomed_before_pull = report.rehomed.is_some();
        if rehomed_before_pull {
            self.reopen().await?;
            self.push(&mut report).await?;
        }
        self.trace("pushed");
        self.pull(&mut report).await?;
        self.trace("pulled");
        if report.rehomed.is_some() && !rehomed_before_pull {
            self.reopen().await?;
            self.push(&mut report).await?;
            self.trace("pushed as the new device");
        }
        report.broken = self.store.integrity()?.broken;
        if report.unconfirmed == 0 && report.rejected.is_empty() {
            self.store.set_last_sync(now_ms())?;
        }
        report.elapsed = started.elapsed();
        self.progress.finish();
        Ok(report)
    }

    /// Restarts the daemon as this home's current device (after it
    /// re-registered: a daemon writes only the log it was opened for).
    pub async fn reopen(&mut self) -> Result<()> {
        let device = current_device(&self.store)?;
        self.device_id.clone_from(&device.id);
        // The old daemon holds the store's lock: it goes first.
        if let Some(old) = self.client.take() {
            old.close(FLUSH_TIMEOUT).await;
        }
        let mut client = start_daemon(&self.paths, &self.relay, self.options.verbose)?;
        let init = init_account(
            &client,
            &self.keys,
            &self.relay,
            &device,
            false,
            &self.daemon_dir,
        )
        .await;
        let init = match init {
            Ok(init) => init,
            Err(err) => {
                client.close(Duration::ZERO).await;
                return Err(err);
            }
        };
        self.notifications = client.take_notifications();
        self.client = Some(client);
        self.online = init.state == rpc::ONLINE;
        if self.subscribed {
            self.subscribed = false;
            self.subscribe().await?;
        }
        self.trace("daemon reopened as the new device");
        Ok(())
    }
}

/// When the sync command started (set by [`runtime`]).
static STARTED: OnceLock<Instant> = OnceLock::new();

fn trace(step: &str) {
    let started = STARTED.get_or_init(Instant::now);
    eprintln!("caro: {step} at {} ms", started.elapsed().as_millis());
}

/// A tokio runtime for one sync command (`history add` never starts one).
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    STARTED.get_or_init(Instant::now);
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| anyhow!("cannot start the async runtime: {e}"))
}
