//! `caro sync export`: the local, decrypted history in the data model's
//! export format (exportVersion 1). Every time in it is an RFC 3339 UTC
//! string with milliseconds (`2023-11-14T20:00:00.000Z`).

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};

use anyhow::{Context, Result};
use serde::Serialize;
use serde_json::{json, Value};

use crate::cli::ExportArgs;
use crate::commands::output;
use crate::paths::Paths;
use crate::plural::count;
use crate::store::{HistoryEntry, Store};
use crate::time::{format_rfc3339, now_ms};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Export {
    export_version: u32,
    exported_at: String,
    commands: Vec<Value>,
    preferences: Vec<PreferenceJson>,
    devices: Vec<DeviceJson>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PreferenceJson {
    key: String,
    value: Value,
    updated_at: String,
    updated_by: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DeviceJson {
    id: String,
    name: String,
    platform: String,
    current: bool,
    created_at: String,
    updated_at: String,
}

/// An entry as `--json` prints it, its time as RFC 3339.
fn command_json(entry: &HistoryEntry) -> Result<Value> {
    let mut value = serde_json::to_value(entry)?;
    value["createdAt"] = json!(format_rfc3339(entry.created_at));
    Ok(value)
}

pub fn run(args: &ExportArgs) -> Result<()> {
    let paths = Paths::from_env()?;
    let store = Store::open_in(&paths)?;
    let export = Export {
        export_version: 1,
        exported_at: format_rfc3339(now_ms()),
        commands: store
            .all_live_entries()?
            .iter()
            .map(command_json)
            .collect::<Result<_>>()?,
        preferences: store
            .preferences()?
            .into_iter()
            .map(|p| PreferenceJson {
                key: p.key,
                value: p.value,
                updated_at: format_rfc3339(p.updated_at),
                updated_by: p.updated_by,
            })
            .collect(),
        devices: store
            .known_devices()?
            .into_iter()
            .map(|d| DeviceJson {
                id: d.id,
                name: d.name,
                platform: d.platform,
                current: d.is_current,
                created_at: format_rfc3339(d.created_at),
                updated_at: format_rfc3339(d.updated_at),
            })
            .collect(),
    };
    let Some(path) = &args.output else {
        return output::stdout().json(&export);
    };
    let written = (|| -> std::io::Result<()> {
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(path)?;
        // An existing file keeps its mode on open: make it private too.
        fs::set_permissions(path, fs::Permissions::from_mode(0o600))?;
        let mut out = std::io::BufWriter::new(file);
        serde_json::to_writer_pretty(&mut out, &export)?;
        writeln!(out)?;
        out.flush()
    })();
    written.with_context(|| format!("cannot write the export to {}", path.display()))?;
    eprintln!(
        "exported {}, {}, {} to {}",
        count(export.commands.len(), "command", "commands"),
        count(export.preferences.len(), "preference", "preferences"),
        count(export.devices.len(), "device", "devices"),
        path.display()
    );
    Ok(())
}
