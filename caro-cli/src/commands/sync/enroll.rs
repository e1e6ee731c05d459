//! What `caro sync init` and `caro sync join` share: this device enters an
//! account (a new one, or one the relay has) and is ready for its first sync.

use std::time::Duration;

use anyhow::{Context, Result};
use crypto_core::CryptoError;

use crate::paths::Paths;
use crate::store::Store;
use crate::sync::account::{current_device, init_account, start_daemon, DeviceIdentity};
use crate::sync::keys::{self, SyncKeys};
use crate::sync::session::{Options, Session};
use crate::sync::setup::Setup;

/// How this device enters an account, and so what its first sync uploads.
#[derive(Debug, Clone, Copy)]
pub enum Entering {
    /// A new account (`init`): every local entry.
    NewAccount,
    /// An existing account (`join`): the entries recorded on this device; with
    /// `upload_all`, also those pulled from the other devices of an account
    /// left with `sync reset`, which otherwise stay local.
    Existing { upload_all: bool },
}

/// A device that entered an account, with a session open on it.
pub struct Enrolled {
    pub session: Session,
    pub account_id: String,
    pub device: DeviceIdentity,
}

/// Starts the daemon while `derive_keys` runs Argon2id and opens the account
/// on `relay` (creating it when `create`). Only once that worked does
/// anything change locally (device name, key file, sync identity, this
/// device's record queued); a failure before leaves no daemon directory
/// behind.
pub async fn enroll(
    paths: &Paths,
    mut store: Store,
    relay: String,
    device_name: Option<&str>,
    entering: Entering,
    derive_keys: impl FnOnce() -> Result<SyncKeys, CryptoError>,
    opts: Options,
) -> Result<Enrolled> {
    let daemon_dir = crate::sync::daemon_dir(paths);
    let mut device = current_device(&store)?;
    if let Some(name) = device_name {
        device.name = name.to_owned();
    }
    let client = start_daemon(paths, &relay, opts.verbose)?;
    let opened = async {
        let keys = derive_keys()?;
        let create = matches!(entering, Entering::NewAccount);
        let init = init_account(&client, &keys, &relay, &device, create, &daemon_dir).await?;
        anyhow::Ok((keys, init))
    }
    .await;
    let (keys, init) = match opened {
        Ok(opened) => opened,
        Err(err) => {
            client.close(Duration::ZERO).await;
            let _ = std::fs::remove_dir_all(&daemon_dir);
            return Err(err);
        }
    };

    if let Some(name) = device_name {
        store.rename_current_device(name)?;
    }
    keys::write(&crate::sync::key_file(paths), &keys)?;
    let all_devices = match entering {
        Entering::NewAccount => true,
        Entering::Existing { upload_all } => upload_all,
    };
    store.join_sync_account(&keys.key_id, &init.account_id, &relay, all_devices)?;
    let identity = store
        .sync_identity()?
        .context("the sync identity was not saved")?;
    let setup = Setup {
        paths: paths.clone(),
        store,
        keys,
        identity,
    };
    let session = Session::attach(setup, client, &init, relay, opts)?;
    Ok(Enrolled {
        session,
        account_id: init.account_id,
        device,
    })
}
