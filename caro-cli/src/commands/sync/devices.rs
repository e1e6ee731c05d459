//! `caro sync devices`: the account's devices, names decrypted (a pull
//! applies their device records first).

use std::io::Write;

use anyhow::Result;
use serde::Serialize;

use super::options;
use crate::cli::DevicesArgs;
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
    let paths = Paths::from_env()?;
    let setup = require_setup(&paths)?;
    let opts = options(args.verbose, true);
    let devices = if daemon_pid(&crate::sync::daemon_dir(&paths)).is_some() {
        // A running daemon (`caro sync watch`) holds the store and keeps the
        // local list fresh: show that.
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
