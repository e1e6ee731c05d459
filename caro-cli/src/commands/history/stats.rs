//! `caro history stats`: counts by risk level, most used commands, success rate.

use std::io::Write;

use anyhow::Result;
use serde_json::json;

use crate::cli::StatsArgs;
use crate::escape::for_terminal;
use crate::time::format_date;

pub fn run(args: &StatsArgs) -> Result<()> {
    let store = crate::commands::open_store()?;
    let stats = store.stats(args.top)?;
    let mut out = crate::commands::output::stdout();
    let rate = (stats.with_exit_code > 0)
        .then(|| stats.succeeded as f64 * 100.0 / stats.with_exit_code as f64);
    if args.json {
        let by_level: serde_json::Map<_, _> = stats
            .by_level
            .iter()
            .map(|(level, n)| (level.to_string(), json!(n)))
            .collect();
        let top: Vec<_> = stats
            .top_commands
            .iter()
            .map(|(command, uses)| json!({ "command": command, "count": uses }))
            .collect();
        let value = json!({
            "total": stats.total,
            "byLevel": by_level,
            "topCommands": top,
            "withExitCode": stats.with_exit_code,
            "succeeded": stats.succeeded,
            "successRate": rate.map(|r| r / 100.0),
            "oldestCreatedAt": stats.oldest_ms,
        });
        return out.json(&value);
    }
    let since = stats
        .oldest_ms
        .map(|ms| format!(" since {}", format_date(ms)))
        .unwrap_or_default();
    writeln!(out, "entries       {}{since}", stats.total)?;
    match rate {
        Some(rate) => writeln!(
            out,
            "success rate  {rate:.1}% of {} with an exit code",
            stats.with_exit_code
        )?,
        None => writeln!(out, "success rate  - (no exit codes recorded)")?,
    }
    let levels: Vec<_> = stats
        .by_level
        .iter()
        .map(|(level, n)| format!("{level} {n}"))
        .collect();
    writeln!(out, "risk levels   {}", levels.join(", "))?;
    if !stats.top_commands.is_empty() {
        writeln!(out, "most used")?;
        for (command, uses) in &stats.top_commands {
            writeln!(out, "  {uses:>6}  {}", for_terminal(command))?;
        }
    }
    out.flush()?;
    Ok(())
}
