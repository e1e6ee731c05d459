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
use crate::safety::RiskLevel;
use crate::store::HistoryEntry;
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

/// Prints entries as a JSON array, or one line each:
/// `id  age  exit  duration  [risk] command`.
fn print_entries(entries: &[HistoryEntry], as_json: bool) -> Result<()> {
    let mut out = super::stdout();
    if as_json {
        return super::write_json(&mut out, &entries);
    }
    let now = now_ms();
    for e in entries {
        let exit = e
            .exit_code
            .map_or_else(|| "-".to_string(), |c| c.to_string());
        let took = e
            .duration_ms
            .map_or_else(|| "-".to_string(), format_elapsed);
        let risk = match e.safety_level {
            RiskLevel::Safe => String::new(),
            level => format!("[{level}] "),
        };
        writeln!(
            out,
            "{}  {:>10}  {:>4}  {:>7}  {risk}{}",
            e.id,
            format_age(e.created_at, now),
            exit,
            took,
            e.command.replace('\n', "\\n"),
        )?;
    }
    out.flush()?;
    Ok(())
}
