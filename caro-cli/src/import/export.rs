//! `caro sync export` files (exportVersion 1): the entries keep their ids and
//! all their fields, so importing an export again, or on a device that has
//! synced the same entries, adds nothing.

use anyhow::{anyhow, Context, Result};
use serde::Deserialize;

use crate::store::HistoryEntry;

/// The most an export file may hold.
const MAX_EXPORT_BYTES: u64 = 1 << 30;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Export {
    export_version: u32,
    commands: Vec<serde_json::Value>,
}

/// The entries in an export file's bytes.
pub fn parse(bytes: &[u8]) -> Result<Vec<HistoryEntry>> {
    if bytes.len() as u64 > MAX_EXPORT_BYTES {
        return Err(anyhow!("the file is over 1 GiB; that is not a caro export"));
    }
    let export: Export = serde_json::from_slice(bytes).context(
        "this is not a `caro sync export` file (expected JSON with exportVersion and commands)",
    )?;
    if export.export_version != 1 {
        return Err(anyhow!(
            "this export has exportVersion {}; this caro reads version 1, so update caro",
            export.export_version
        ));
    }
    export.commands.into_iter().map(entry_from_export).collect()
}

/// One exported command. Exports write `createdAt` as RFC 3339 (older ones as
/// epoch ms, as `list --json` does); the entry keeps its id.
fn entry_from_export(mut value: serde_json::Value) -> Result<HistoryEntry> {
    if let Some(text) = value.get("createdAt").and_then(|v| v.as_str()) {
        let ms = crate::time::parse_rfc3339(text).map_err(|e| anyhow!("createdAt: {e}"))?;
        value["createdAt"] = ms.into();
    }
    let entry: HistoryEntry = serde_json::from_value(value)
        .context("a command in the export is not a caro history entry")?;
    uuid::Uuid::parse_str(&entry.id)
        .map_err(|_| anyhow!("entry id {:?} in the export is not a UUID", entry.id))?;
    Ok(entry)
}
