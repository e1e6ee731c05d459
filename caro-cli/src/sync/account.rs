//! Starting the daemon and entering the account: `sync.init` (open or create
//! the account on the relay). This device's sealed name and platform travel
//! as a device record of its log, like every other operation. The calls'
//! time limits live here too.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};

use super::error::explain;
use super::keys::SyncKeys;
use crate::daemon::client::DaemonClient;
use crate::daemon::locate;
use crate::daemon::protocol::{self as rpc, InitParams, InitResult};
use crate::paths::Paths;
use crate::store::{KnownDevice, Store};

/// `sync.init` may create an account and wait for the relay (10 s), or load one (5 s).
const INIT_TIMEOUT: Duration = Duration::from_secs(20);
/// Any other call that does not wait for the relay.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// The home's daemon for `relay`: the running agent's, on its socket (no
/// start-up cost, and no second daemon the store's lock would refuse), else
/// one started on this installation's daemon directory. In the agent itself,
/// the one it keeps, serving the socket. With `verbose` a started daemon's
/// log is copied to stderr.
pub fn start_daemon(paths: &Paths, relay: &str, verbose: bool) -> Result<DaemonClient> {
    let agent = super::agent::is_this_process();
    if !agent {
        if let Some(client) = super::agent::connect(paths)? {
            return Ok(client);
        }
    }
    let socket = agent.then(|| super::agent::socket_path(paths));
    start_daemon_in(&super::daemon_dir(paths), relay, verbose, socket.as_deref())
}

/// Starts a daemon on `dir` (a rotation opens the new account in a second
/// one), serving `socket` too when given.
pub fn start_daemon_in(
    dir: &Path,
    relay: &str,
    verbose: bool,
    socket: Option<&Path>,
) -> Result<DaemonClient> {
    let program = locate::daemon()?;
    let existed = dir.exists();
    crate::paths::create_private_dir(dir).with_context(|| {
        format!(
            "cannot create the sync daemon's directory {}",
            dir.display()
        )
    })?;
    let plain = relay
        .get(..5)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("ws://"));
    DaemonClient::spawn_serving(&program, dir, socket, verbose, !plain).map_err(|err| {
        if !existed {
            let _ = std::fs::remove_dir(dir);
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
    daemon_dir: &Path,
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
