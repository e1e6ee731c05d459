//! `caro sync devices`: the account's devices, names decrypted (a pull
//! applies their device records first); `caro sync devices remove` cuts one
//! off by rotating the keys without it.

use std::io::Write;

use anyhow::{bail, Result};
use crypto_core::RetiredReason;
use serde::Serialize;

use super::options;
use crate::cli::{DevicesArgs, DevicesCommand, DevicesRemoveArgs};
use crate::commands::output;
use crate::daemon::lock::daemon_pid;
use crate::escape::for_terminal;
use crate::paths::Paths;
use crate::sync::report::Report;
use crate::sync::session::{runtime, Session};
use crate::sync::setup::require_setup;
use crate::time::{format_age, now_ms};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DeviceJson {
    id: String,
    name: String,
    platform: String,
    current: bool,
    updated_at: i64,
}

pub fn run(args: &DevicesArgs) -> Result<()> {
    if let Some(DevicesCommand::Remove(remove)) = &args.command {
        return run_remove(remove);
    }
    let paths = Paths::from_env()?;
    let setup = require_setup(&paths)?;
    let opts = options(args.verbose, true);
    let agent = crate::sync::agent::running(&paths);
    let devices = if agent.is_none() && daemon_pid(&crate::sync::daemon_dir(&paths)).is_some() {
        // A running daemon (an older `caro sync watch`) holds the store and
        // keeps the local list fresh: show that. An agent's daemon answers
        // on its socket instead.
        setup.store.known_devices()?
    } else {
        runtime()?.block_on(async {
            let mut session = Session::open(setup, None, opts).await?;
            let mut report = Report::default();
            let pulled = session.pull(&mut report).await;
            let devices = session.store.known_devices();
            session.close().await;
            pulled?;
            anyhow::Ok(devices?)
        })?
    };
    crate::sync::agent::start_if_wanted_in(&paths);
    let mut out = output::stdout();
    if args.json {
        let list: Vec<DeviceJson> = devices
            .into_iter()
            .map(|d| DeviceJson {
                id: d.id,
                name: d.name,
                platform: d.platform,
                current: d.is_current,
                updated_at: d.updated_at,
            })
            .collect();
        return out.json(&list);
    }
    let now = now_ms();
    for d in devices {
        writeln!(
            out,
            "{}  {:<20} {:<8} {:>10}{}",
            for_terminal(&d.id),
            for_terminal(&d.name),
            for_terminal(&d.platform),
            format_age(d.updated_at, now),
            if d.is_current { "  (this device)" } else { "" }
        )?;
    }
    Ok(out.flush()?)
}

/// Removes the device named by id or name: checks it is another device of
/// the account, then rotates with it left out.
fn run_remove(args: &DevicesRemoveArgs) -> Result<()> {
    let paths = Paths::from_env()?;
    if crate::sync::rotate::pending(&paths)? {
        // Finishing it would not remove the device: it goes first, on its own.
        bail!(
            "a key rotation was interrupted; run `caro sync rotate` to finish it, then remove \
             the device; nothing was changed"
        );
    }
    let setup = require_setup(&paths)?;
    let devices = setup.store.known_devices()?;
    drop(setup);
    let wanted = args.device.trim();
    let by_id: Vec<_> = devices.iter().filter(|d| d.id == wanted).collect();
    let matches = if by_id.is_empty() {
        devices.iter().filter(|d| d.name == wanted).collect()
    } else {
        by_id
    };
    let known = || {
        devices
            .iter()
            .map(|d| format!("{} ({})", d.name, d.id))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let device = match matches.as_slice() {
        [device] => *device,
        [] => bail!(
            "no device of this account is called {}; the devices it knows: {} (run `caro sync \
             devices` to refresh the list); nothing was changed",
            for_terminal(wanted),
            for_terminal(&known())
        ),
        _ => bail!(
            "{} devices are called {}; give the id of the one to remove: {}; nothing was changed",
            matches.len(),
            for_terminal(wanted),
            for_terminal(&known())
        ),
    };
    if device.is_current {
        bail!(
            "{} is this device; remove it from another device of the account (or leave the \
             account here with `caro sync reset`); nothing was changed",
            for_terminal(&device.name)
        );
    }
    super::rotate::rotate_and_show(
        RetiredReason::DeviceRemoved,
        vec![device.id.clone()],
        args.json,
        args.verbose,
    )
}
