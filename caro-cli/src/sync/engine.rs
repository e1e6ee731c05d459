//! The push/pull engine: a [`Session`] is the history store, the key set and
//! a daemon initialized on the account.
//!
//! Push drains `sync_queue` in batches and removes an item only when the
//! daemon answers that the relay acknowledged its batch. Pull applies each
//! page of other devices' items together with the cursor that follows it, in
//! one SQLite transaction. Items that do not open are skipped, counted and
//! reported; they never stop a sync. A crash anywhere loses nothing (the
//! queue and the cursor only move after the fact) and duplicates nothing
//! (entries are keyed by id on both sides).

use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;
use tokio::sync::mpsc;

use super::keys::{self, SyncKeys};
use super::seal::{self, DeviceInfo, Opened, Unreadable};
use crate::daemon::client::{DaemonClient, DaemonError, Notification, PendingCall};
use crate::daemon::locate;
use crate::daemon::protocol::{
    self as rpc, Applied, DeviceList, DeviceRecord, InitParams, InitResult, PrefList, PrefRecord,
    PullParams, PullResult, PushParams, PushResult, WireItem,
};
use crate::paths::Paths;
use crate::store::{
    EntityType, KnownDevice, RemoteTombstone, Store, StoredPreference, SyncIdentity, SyncOperation,
};
use crate::time::now_ms;

/// Queue items per `sync.push`.
const PUSH_BATCH: usize = 2_500;
const _: () = assert!(PUSH_BATCH <= rpc::MAX_PUSH_ITEMS);
/// Items per `sync.pull` page.
const PULL_PAGE: u32 = 2_500;
/// How long a push waits for the relay's acknowledgement.
const ACK_TIMEOUT: Duration = Duration::from_secs(10);
/// How long `daemon.shutdown` may flush to the relay.
const FLUSH_TIMEOUT: Duration = Duration::from_secs(2);
/// `sync.init` may create an account and wait for the relay (10 s), or load one (5 s).
const INIT_TIMEOUT: Duration = Duration::from_secs(20);
const CALL_TIMEOUT: Duration = Duration::from_secs(30);
/// A progress bar appears when at least this many items move, on a terminal.
const PROGRESS_THRESHOLD: u64 = 1_000;
/// How a sync command was asked to behave.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Copy the daemon's log to stderr as it comes.
    pub verbose: bool,
    /// No summary, no progress (background syncs).
    pub quiet: bool,
}

/// A sync error that has a name for scripts and callers (`relay-unreachable`,
/// `account-not-found`, `store-locked`, …) and a message for people.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct SyncFailure {
    pub kind: String,
    pub message: String,
}

impl SyncFailure {
    fn error(kind: &str, message: String) -> anyhow::Error {
        anyhow::Error::new(SyncFailure {
            kind: kind.to_string(),
            message,
        })
    }
}

/// The `kind` of a failure from this module, if it has one.
pub fn failure_kind(err: &anyhow::Error) -> Option<&str> {
    err.chain().find_map(|cause| {
        cause
            .downcast_ref::<SyncFailure>()
            .map(|f| f.kind.as_str())
            .or_else(|| {
                cause
                    .downcast_ref::<DaemonError>()
                    .and_then(DaemonError::kind)
            })
    })
}

/// Turns a daemon error into a message that says what to do.
pub fn explain(err: DaemonError, relay: &str, daemon_dir: &std::path::Path) -> anyhow::Error {
    let message = match err.kind() {
        Some("relay-unreachable") => format!(
            "cannot reach the sync relay at {relay}: is it running? (start one with \
             `caro sync relay`, or choose another with --relay URL or CARO_SYNC_RELAY)"
        ),
        Some("account-not-found") => format!("no sync account for this phrase on {relay}"),
        Some("account-exists") => format!(
            "the relay {relay} already has this account; use `caro sync join` on this device"
        ),
        Some("store-locked") => format!(
            "another caro sync is running on this machine ({err}); wait for it or stop `caro sync watch`"
        ),
        Some("account-mismatch") => format!(
            "the sync daemon's store {} belongs to another account; run `caro sync reset`",
            daemon_dir.display()
        ),
        Some(kind) => return SyncFailure::error(kind, format!("sync daemon: {err}")),
        None => return anyhow::Error::new(err),
    };
    let kind = err.kind().unwrap_or_default().to_string();
    SyncFailure::error(&kind, message)
}

/// The local half of a sync setup: keys and identity.
pub struct Setup {
    pub paths: Paths,
    pub store: Store,
    pub keys: SyncKeys,
    pub identity: SyncIdentity,
}

/// Opens the history store (creating it if needed).
pub fn open_store(paths: &Paths) -> Result<Store> {
    paths.ensure_data_dir()?;
    Ok(Store::open(&paths.history_db())?)
}

/// Loads the key file and the identity; `None` when sync is not set up.
pub fn load_setup(paths: &Paths) -> Result<Option<Setup>> {
    let store = open_store(paths)?;
    let key_path = super::key_file(paths);
    let identity = store.sync_identity()?;
    let keys = keys::read(&key_path)?;
    match (keys, identity) {
        (Some(keys), Some(identity)) => {
            if keys.key_id != identity.key_id {
                bail!(
                    "the sync key file {} (key id {}) does not belong to this history's account \
                     (key id {}); run `caro sync reset`, then `caro sync join`",
                    key_path.display(),
                    keys.key_id,
                    identity.key_id
                );
            }
            Ok(Some(Setup {
                paths: paths.clone(),
                store,
                keys,
                identity,
            }))
        }
        (None, None) => Ok(None),
        (Some(_), None) => bail!(
            "the sync key file {} exists but this history has no sync identity; \
             run `caro sync reset`, then `caro sync join`",
            key_path.display()
        ),
        (None, Some(_)) => bail!(
            "sync is set up but its key file {} is missing; run `caro sync reset`, \
             then `caro sync join` with your phrase",
            key_path.display()
        ),
    }
}

/// Like [`load_setup`], with the error a user needs when sync is not set up.
pub fn require_setup(paths: &Paths) -> Result<Setup> {
    load_setup(paths)?.ok_or_else(|| {
        SyncFailure::error(
            "not-set-up",
            "sync is not set up on this machine: run `caro sync init` (first device) \
             or `caro sync join` (with the phrase of another device)"
                .to_string(),
        )
    })
}

/// Starts the daemon on this installation's daemon directory, for `relay`.
pub fn start_daemon(paths: &Paths, relay: &str, options: Options) -> Result<DaemonClient> {
    let program = locate::daemon()?;
    let dir = super::daemon_dir(paths);
    let existed = dir.exists();
    crate::paths::create_private_dir(&dir).with_context(|| {
        format!(
            "cannot create the sync daemon's directory {}",
            dir.display()
        )
    })?;
    let plain = relay
        .get(..5)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("ws://"));
    DaemonClient::spawn(&program, &dir, options.verbose, !plain).map_err(|err| {
        if !existed {
            let _ = std::fs::remove_dir(&dir);
        }
        err.into()
    })
}

/// What `sync.init` needs to know about this device.
pub struct DeviceIdentity {
    pub id: String,
    pub name: String,
    pub platform: String,
}

/// This installation's device.
pub fn current_device(store: &Store) -> Result<DeviceIdentity> {
    let id = store.current_device_id()?;
    let device: Option<KnownDevice> = store.known_devices()?.into_iter().find(|d| d.is_current);
    Ok(match device {
        Some(d) => DeviceIdentity {
            id,
            name: d.name,
            platform: d.platform,
        },
        None => DeviceIdentity {
            id,
            name: "unknown".to_string(),
            platform: std::env::consts::OS.to_string(),
        },
    })
}

/// Opens (or, with `create`, creates) the account in the daemon.
pub async fn init_account(
    client: &DaemonClient,
    keys: &SyncKeys,
    relay: &str,
    device: &DeviceIdentity,
    create: bool,
    daemon_dir: &std::path::Path,
) -> Result<InitResult> {
    let auth = keys.jazz_auth_key_base64();
    client
        .call(
            rpc::INIT,
            &InitParams {
                relay,
                jazz_auth_key: &auth,
                device_id: &device.id,
                device_name: &device.name,
                platform: &device.platform,
                create,
            },
            INIT_TIMEOUT,
        )
        .await
        .map_err(|e| explain(e, relay, daemon_dir))
}

/// Stores this device's sealed name and platform in the account.
pub async fn register_device(
    client: &DaemonClient,
    keys: &SyncKeys,
    device: &DeviceIdentity,
) -> Result<()> {
    let envelope = seal::seal_device(
        keys,
        &device.id,
        &DeviceInfo {
            name: device.name.clone(),
            platform: device.platform.clone(),
        },
    )?;
    let _: Applied = client
        .call(
            rpc::DEVICE_REGISTER,
            &DeviceRecord {
                device_id: device.id.clone(),
                envelope,
                updated_at: now_ms(),
            },
            CALL_TIMEOUT,
        )
        .await?;
    Ok(())
}

/// What one sync did.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Entries and deletes the relay acknowledged.
    pub pushed: u64,
    /// Pushed items the relay had already (an earlier sync was interrupted).
    pub already_there: u64,
    /// Pushed items the relay has not confirmed yet; they stay queued.
    pub unconfirmed: u64,
    /// Items the daemon rejected; they stay queued with the error.
    pub rejected: Vec<String>,
    /// New entries from other devices.
    pub pulled: u64,
    /// Entries deleted by other devices.
    pub deleted: u64,
    pub preferences: u64,
    pub devices: u64,
    /// Items from other devices that could not be opened.
    pub skipped: Vec<Unreadable>,
    pub elapsed: Duration,
}

impl Report {
    /// The one-line summary.
    pub fn summary(&self) -> String {
        let mut line = format!(
            "pushed {}, pulled {}, skipped {}",
            self.pushed,
            self.pulled,
            self.skipped.len()
        );
        if self.deleted > 0 {
            line.push_str(&format!(", {} deleted", self.deleted));
        }
        if self.unconfirmed > 0 {
            line.push_str(&format!(", {} not yet confirmed", self.unconfirmed));
        }
        line.push_str(&format!(" in {:.2}s", self.elapsed.as_secs_f64()));
        line
    }
}

/// Queue items read and sealed for one `sync.push`.
struct OutgoingBatch {
    wire: Vec<WireItem>,
    /// Queue ids per entity id, for what the push answers.
    queued: HashMap<String, Vec<i64>>,
    /// Queue items that need no answer (sent on the spot, or nothing to send).
    done: Vec<i64>,
    /// How many queue items the batch covers.
    items: u64,
}

/// An open sync: the store, the keys, and the daemon on the account.
pub struct Session {
    pub store: Store,
    pub keys: SyncKeys,
    pub device_id: String,
    pub relay: String,
    pub account_id: String,
    pub daemon_dir: PathBuf,
    pub client: DaemonClient,
    /// The daemon reached the relay when it opened the account.
    pub online: bool,
    pub options: Options,
    progress: Option<ProgressBar>,
    notifications: Option<mpsc::UnboundedReceiver<Notification>>,
    subscribed: bool,
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
        if relay_flag.is_some() && setup.identity.relay_url.as_deref() != Some(relay.as_str()) {
            setup.store.set_sync_relay(&relay)?;
        }
        let device = current_device(&setup.store)?;
        let daemon_dir = super::daemon_dir(&setup.paths);
        let client = start_daemon(&setup.paths, &relay, options)?;
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
            Ok(init) => Session::attach(setup, client, &init, relay, options),
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
            store: setup.store,
            keys: setup.keys,
            device_id,
            relay,
            account_id: init.account_id.clone(),
            daemon_dir,
            client,
            online: init.state == rpc::ONLINE,
            options,
            progress: None,
            notifications,
            subscribed: false,
        })
    }

    /// Asks the daemon for `sync.changed` / `sync.state` notifications.
    pub async fn subscribe(&mut self) -> Result<()> {
        if !self.subscribed {
            let _: Value = self
                .client
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

    /// Stops the daemon, letting it flush to the relay briefly.
    pub async fn close(self) {
        if let Some(bar) = &self.progress {
            bar.finish_and_clear();
        }
        let verbose = self.options.verbose;
        self.client.close(FLUSH_TIMEOUT).await;
        if verbose {
            trace("daemon stopped");
        }
    }

    /// With `--verbose`, says when a step ended (ms since the command started).
    fn trace(&self, step: &str) {
        if self.options.verbose {
            trace(step);
        }
    }

    /// The error for a relay that cannot be reached, with the queue's size.
    pub fn offline_error(&self) -> Result<anyhow::Error> {
        let (pending, _) = self.store.sync_queue_counts()?;
        Ok(SyncFailure::error(
            "relay-unreachable",
            format!(
                "cannot reach the sync relay at {}: is it running? ({} local change(s) stay \
                 queued for the next sync; start a relay with `caro sync relay`, or choose \
                 another with --relay URL)",
                self.relay, pending
            ),
        ))
    }

    /// Push, pull, preferences, devices. Fails when the relay is unreachable
    /// (the queue stays as it was).
    pub async fn sync(&mut self) -> Result<Report> {
        let started = Instant::now();
        if !self.online {
            return Err(self.offline_error()?);
        }
        let mut report = Report::default();
        self.trace("account open");
        self.push(&mut report).await?;
        self.trace("pushed");
        self.pull(&mut report).await?;
        self.trace("pulled");
        self.pull_preferences(&mut report).await?;
        self.pull_devices(&mut report).await?;
        self.trace("preferences and devices");
        if report.unconfirmed == 0 && report.rejected.is_empty() {
            self.store.set_last_sync(now_ms())?;
        }
        report.elapsed = started.elapsed();
        if let Some(bar) = self.progress.take() {
            bar.finish_and_clear();
        }
        Ok(report)
    }

    fn progress_bar(&mut self, total: u64, message: &'static str) -> Option<&ProgressBar> {
        if self.options.quiet || total < PROGRESS_THRESHOLD || !std::io::stderr().is_terminal() {
            return None;
        }
        let bar = self.progress.get_or_insert_with(|| {
            ProgressBar::new(total).with_style(
                ProgressStyle::with_template("{msg:>8} [{bar:30}] {pos}/{len} ({elapsed})")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            )
        });
        bar.set_message(message);
        bar.set_length(total);
        bar.set_position(0);
        Some(bar)
    }

    /// Sends the queue to the daemon, batch by batch. The next batch is read
    /// and sealed while the daemon stores the previous one and waits for the
    /// relay; a batch leaves the queue only once its answer says
    /// `acknowledged`.
    pub async fn push(&mut self, report: &mut Report) -> Result<()> {
        let (pending, _) = self.store.sync_queue_counts()?;
        let bar = self.progress_bar(pending, "pushing").cloned();
        let mut after = 0;
        let mut in_flight: Option<(PendingCall, OutgoingBatch)> = None;
        loop {
            let batch = self.next_batch(&mut after).await?;
            let exhausted = batch.is_none();
            let sent = match batch {
                Some(mut batch) if !batch.wire.is_empty() => {
                    let call = self
                        .client
                        .send(
                            rpc::PUSH,
                            &PushParams {
                                entries: &batch.wire,
                                ack_timeout_ms: ACK_TIMEOUT.as_millis() as u64,
                            },
                        )
                        .await?;
                    batch.wire = Vec::new();
                    Some((call, batch))
                }
                Some(batch) => {
                    self.store.mark_sync_done(&batch.done)?;
                    if let Some(bar) = &bar {
                        bar.inc(batch.items);
                    }
                    None
                }
                None => None,
            };
            if let Some((call, batch)) = in_flight.take() {
                self.finish_push(call, batch, report, bar.as_ref()).await?;
            }
            in_flight = sent;
            if exhausted {
                break;
            }
        }
        if let Some((call, batch)) = in_flight.take() {
            self.finish_push(call, batch, report, bar.as_ref()).await?;
        }
        Ok(())
    }

    /// Reads and seals the queue items after `after` (preferences and the
    /// device record are sent on the spot). `None` when the queue is drained.
    async fn next_batch(&mut self, after: &mut i64) -> Result<Option<OutgoingBatch>> {
        let items = self.store.sync_queue_after(*after, PUSH_BATCH)?;
        let Some(last) = items.last() else {
            return Ok(None);
        };
        *after = last.id;
        let upsert_ids: Vec<&str> = items
            .iter()
            .filter(|i| {
                i.entity_type == EntityType::Command && i.operation == SyncOperation::Upsert
            })
            .map(|i| i.entity_id.as_str())
            .collect();
        let entries = self.store.live_entries_by_id(&upsert_ids)?;
        let mut batch = OutgoingBatch {
            wire: Vec::with_capacity(items.len()),
            queued: HashMap::new(),
            done: Vec::new(),
            items: items.len() as u64,
        };
        for item in &items {
            match (item.entity_type, item.operation) {
                (EntityType::Command, SyncOperation::Upsert) => {
                    // An entry deleted or pruned since has nothing to send.
                    let Some(entry) = entries.get(&item.entity_id) else {
                        batch.done.push(item.id);
                        continue;
                    };
                    batch.wire.push(seal::seal_entry(&self.keys, entry)?);
                    batch
                        .queued
                        .entry(item.entity_id.clone())
                        .or_default()
                        .push(item.id);
                }
                (EntityType::Command, SyncOperation::Delete) => {
                    let deleted_at = item
                        .payload
                        .as_deref()
                        .and_then(|p| serde_json::from_str::<Value>(p).ok())
                        .and_then(|p| p.get("deletedAt").and_then(Value::as_i64))
                        .unwrap_or(item.created_at);
                    batch.wire.push(seal::tombstone(
                        &item.entity_id,
                        &self.device_id,
                        deleted_at,
                    ));
                    batch
                        .queued
                        .entry(item.entity_id.clone())
                        .or_default()
                        .push(item.id);
                }
                (EntityType::Preference, _) => {
                    if let Some(pref) = self.store.preference(&item.entity_id)? {
                        self.push_preference(&pref).await?;
                    }
                    batch.done.push(item.id);
                }
                (EntityType::Device, _) => {
                    let device = current_device(&self.store)?;
                    register_device(&self.client, &self.keys, &device).await?;
                    batch.done.push(item.id);
                }
            }
        }
        self.trace(&format!("sealed {} item(s)", batch.wire.len()));
        Ok(Some(batch))
    }

    /// Waits for a push's answer and updates the queue accordingly.
    async fn finish_push(
        &mut self,
        call: PendingCall,
        mut batch: OutgoingBatch,
        report: &mut Report,
        bar: Option<&ProgressBar>,
    ) -> Result<()> {
        let result: PushResult = self.client.answer(call, ACK_TIMEOUT + CALL_TIMEOUT).await?;
        self.trace("daemon answered the push");
        for rejected in &result.rejected {
            let id = rejected.id.as_deref().unwrap_or("?");
            let error = format!("{}: {}", rejected.kind, rejected.message);
            for queue_id in batch.queued.remove(id).unwrap_or_default() {
                self.store.record_sync_failure(queue_id, &error)?;
            }
            report.rejected.push(format!("{id} ({error})"));
        }
        if result.acknowledged {
            batch.done.extend(batch.queued.values().flatten());
            report.pushed += result.accepted;
            report.already_there += result.duplicates;
        } else {
            report.unconfirmed += batch.queued.values().map(|q| q.len() as u64).sum::<u64>();
        }
        self.store.mark_sync_done(&batch.done)?;
        self.trace("queue updated");
        if let Some(bar) = bar {
            bar.inc(batch.items);
        }
        Ok(())
    }

    async fn push_preference(&self, pref: &StoredPreference) -> Result<()> {
        let envelope = seal::seal_preference(&self.keys, &pref.key, &pref.value)?;
        let _: Applied = self
            .client
            .call(
                rpc::PREFS_SET,
                &PrefRecord {
                    key: pref.key.clone(),
                    envelope,
                    updated_at: pref.updated_at,
                    device_id: pref.updated_by.clone(),
                },
                CALL_TIMEOUT,
            )
            .await?;
        Ok(())
    }

    /// Applies other devices' items after the stored cursor, page by page;
    /// the next page is asked for before this one is opened and stored.
    pub async fn pull(&mut self, report: &mut Report) -> Result<()> {
        let cursor = self.store.sync_identity()?.and_then(|i| i.pull_cursor);
        let mut bar: Option<ProgressBar> = None;
        let mut next = Some(self.request_page(cursor.as_deref()).await?);
        while let Some(call) = next.take() {
            let page: PullResult = self.client.answer(call, CALL_TIMEOUT).await?;
            if page.has_more {
                next = Some(self.request_page(Some(&page.cursor)).await?);
            }
            let count = page.entries.len() as u64;
            let mut entries = Vec::with_capacity(page.entries.len());
            let mut tombstones: Vec<RemoteTombstone> = Vec::new();
            for item in page.entries {
                match seal::open_item(&self.keys, item) {
                    Ok(Opened::Entry(entry)) => entries.push(*entry),
                    Ok(Opened::Tombstone(t)) => tombstones.push(t),
                    Err(unreadable) => report.skipped.push(unreadable),
                }
            }
            self.trace(&format!("opened {count} pulled item(s)"));
            let counts = self
                .store
                .apply_remote_page(&entries, &tombstones, &page.cursor)?;
            self.trace("page stored");
            report.pulled += counts.inserted as u64;
            report.deleted += counts.deleted as u64;
            if bar.is_none() && page.has_more {
                bar = self.progress_bar(count * 2, "pulling").cloned();
            }
            if let Some(bar) = &bar {
                bar.inc(count);
                if page.has_more {
                    bar.inc_length(count);
                }
            }
        }
        Ok(())
    }

    async fn request_page(&self, cursor: Option<&str>) -> Result<PendingCall> {
        Ok(self
            .client
            .send(
                rpc::PULL,
                &PullParams {
                    cursor,
                    limit: PULL_PAGE,
                    exclude_device_id: &self.device_id,
                },
            )
            .await?)
    }

    /// Applies the account's preferences last-writer-wins.
    pub async fn pull_preferences(&mut self, report: &mut Report) -> Result<()> {
        let list: PrefList = self
            .client
            .call(rpc::PREFS_LIST, &rpc::NoParams {}, CALL_TIMEOUT)
            .await?;
        for pref in list.prefs {
            if pref.device_id == self.device_id {
                continue;
            }
            match seal::open_preference(&self.keys, &pref.key, &pref.envelope) {
                Ok(value) => {
                    let remote = StoredPreference {
                        key: pref.key,
                        value,
                        updated_at: pref.updated_at,
                        updated_by: pref.device_id,
                        synced_at: None,
                    };
                    if self.store.apply_remote_preference(&remote)? {
                        report.preferences += 1;
                    }
                }
                Err(message) => report.skipped.push(Unreadable {
                    id: format!("preference {}", pref.key),
                    device_id: pref.device_id,
                    kind: "AuthenticationFailed".to_string(),
                    message,
                }),
            }
        }
        Ok(())
    }

    /// Learns the account's devices (names and platforms, decrypted).
    pub async fn pull_devices(&mut self, report: &mut Report) -> Result<()> {
        let list: DeviceList = self
            .client
            .call(rpc::DEVICE_LIST, &rpc::NoParams {}, CALL_TIMEOUT)
            .await?;
        for device in list.devices {
            if device.device_id == self.device_id {
                continue;
            }
            match seal::open_device(&self.keys, &device.device_id, &device.envelope) {
                Ok(info) => {
                    self.store.upsert_remote_device(
                        &device.device_id,
                        &info.name,
                        &info.platform,
                        device.updated_at,
                    )?;
                    report.devices += 1;
                }
                Err(message) => report.skipped.push(Unreadable {
                    id: format!("device {}", device.device_id),
                    device_id: device.device_id,
                    kind: "AuthenticationFailed".to_string(),
                    message,
                }),
            }
        }
        Ok(())
    }
}

/// Prints what a sync skipped, one line per item (at most `limit`).
pub fn describe_skipped(skipped: &[Unreadable], limit: usize) -> Vec<String> {
    let mut lines: Vec<String> = skipped
        .iter()
        .take(limit)
        .map(|s| {
            format!(
                "skipped {} from device {}: {} ({})",
                s.id, s.device_id, s.kind, s.message
            )
        })
        .collect();
    if skipped.len() > limit {
        lines.push(format!("… and {} more", skipped.len() - limit));
    }
    lines
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
