//! `caro history ...`: one module per subcommand, plus how entries print.

mod add;
mod delete;
pub mod filters;
mod import;
mod list;
mod prune;
mod search;
mod stats;

use std::io::Write;

use anyhow::Result;

use crate::cli::HistoryCommand;
use crate::config::Preferences;
use crate::escape::for_terminal;
use crate::privacy::{ExcludePatterns, PrivacyFilter};
use crate::store::{HistoryEntry, Store};
use crate::time::{format_age, format_elapsed, now_ms};

pub fn run(command: HistoryCommand) -> Result<()> {
    match command {
        HistoryCommand::Add(args) => add::run(args),
        HistoryCommand::List(args) => list::run(&args),
        HistoryCommand::Search(args) => search::run(&args),
        HistoryCommand::Delete(args) => delete::run(&args),
        HistoryCommand::Import(args) => import::run(&args),
        HistoryCommand::Prune(args) => prune::run(&args),
        HistoryCommand::Stats(args) => stats::run(&args),
    }
}

/// The secrets and exclude checks as the stored preferences set them: what
/// `add` and `import` both refuse. A pattern that does not compile (one
/// that arrived by sync) is skipped, and `caro sync status` says so.
fn privacy_filter(prefs: &Preferences) -> PrivacyFilter {
    let (excludes, _skipped) = ExcludePatterns::usable(&prefs.exclude_patterns);
    PrivacyFilter::new(prefs.secrets_filter, excludes)
}

/// Prints entries as a JSON array, or one line each:
/// `id  age  exit  duration  [risk] command`, the risk badge from the
/// `safety_level` preference up.
fn print_entries(store: &Store, entries: &[HistoryEntry], as_json: bool) -> Result<()> {
    let mut out = crate::commands::output::stdout();
    if as_json {
        return out.json(&entries);
    }
    let prefs = Preferences::from_stored(&store.preferences()?);
    let now = now_ms();
    for e in entries {
        let exit = e
            .exit_code
            .map_or_else(|| "-".to_string(), |c| c.to_string());
        let took = e
            .duration_ms
            .map_or_else(|| "-".to_string(), format_elapsed);
        let risk = if prefs.flags(e.safety_level) {
            format!("[{}] ", e.safety_level)
        } else {
            String::new()
        };
        writeln!(
            out,
            "{}  {:>10}  {:>4}  {:>7}  {risk}{}",
            for_terminal(&e.id),
            format_age(e.created_at, now),
            exit,
            took,
            for_terminal(&e.command),
        )?;
    }
    out.flush()?;
    Ok(())
}
