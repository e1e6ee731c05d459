//! `caro config get|set|list`: preferences stored for last-writer-wins sync.

use std::io::Write;

use anyhow::Result;
use serde_json::json;
use strum::VariantArray;

use crate::cli::ConfigCommand;
use crate::config::PrefKey;
use crate::error::UsageError;
use crate::escape::for_terminal;

pub fn run(command: ConfigCommand) -> Result<()> {
    match command {
        ConfigCommand::Get { key } => get(&key),
        ConfigCommand::Set { key, values } => set(&key, &values),
        ConfigCommand::List { json } => list(json),
    }
}

fn key(name: &str) -> Result<PrefKey, UsageError> {
    PrefKey::parse(name).ok_or_else(|| {
        let known: Vec<_> = PrefKey::VARIANTS.iter().map(|k| k.name()).collect();
        UsageError(format!(
            "unknown preference '{name}'; known: {}",
            known.join(", ")
        ))
    })
}

fn get(name: &str) -> Result<()> {
    let key = key(name)?;
    let store = super::open_store()?;
    let value = store
        .preference(key.name())?
        .map_or_else(|| key.default_value(), |p| p.value);
    let mut out = crate::commands::output::stdout();
    writeln!(out, "{}", for_terminal(&key.display(&value)))?;
    out.flush()?;
    Ok(())
}

fn set(name: &str, values: &[String]) -> Result<()> {
    let key = key(name)?;
    let value = key.parse_values(values).map_err(UsageError)?;
    let mut store = super::open_store()?;
    let stored = store.set_preference(key.name(), &value)?;
    let mut out = crate::commands::output::stdout();
    writeln!(
        out,
        "{} = {}",
        key.name(),
        for_terminal(&key.display(&stored.value))
    )?;
    out.flush()?;
    Ok(())
}

fn list(as_json: bool) -> Result<()> {
    let store = super::open_store()?;
    let stored = store.preferences()?;
    let mut out = crate::commands::output::stdout();
    let rows: Vec<_> = PrefKey::VARIANTS
        .iter()
        .map(|key| {
            let set = stored.iter().find(|p| p.key == key.name());
            (
                key,
                set.map_or_else(|| key.default_value(), |p| p.value.clone()),
                set,
            )
        })
        .collect();
    if as_json {
        let items: Vec<_> = rows
            .iter()
            .map(|(key, value, set)| {
                json!({
                    "key": key.name(),
                    "value": value,
                    "isDefault": set.is_none(),
                    "updatedAt": set.map(|p| p.updated_at),
                })
            })
            .collect();
        return out.json(&items);
    }
    for (key, value, set) in rows {
        let marker = if set.is_none() { "  (default)" } else { "" };
        writeln!(
            out,
            "{:<17} {}{marker}",
            key.name(),
            for_terminal(&key.display(&value))
        )?;
    }
    out.flush()?;
    Ok(())
}
