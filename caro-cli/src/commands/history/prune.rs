//! `caro history prune`: retention by age and by count.

use std::io::Write;

use anyhow::Result;

use crate::cli::PruneArgs;
use crate::config::Preferences;

pub fn run(args: &PruneArgs) -> Result<()> {
    let mut store = crate::commands::open_store()?;
    let prefs = Preferences::from_stored(&store.preferences()?);
    let days = args.retention_days.unwrap_or(prefs.retention_days);
    let max = args.max_commands.unwrap_or(prefs.max_commands);
    let max_age_ms =
        (days > 0).then(|| i64::try_from(days.saturating_mul(86_400_000)).unwrap_or(i64::MAX));
    let counts = store.prune(max_age_ms, (max > 0).then_some(max))?;
    let mut out = crate::commands::output::stdout();
    let age = if days > 0 {
        format!("older than {days} days")
    } else {
        "by age (off)".to_string()
    };
    let count = if max > 0 {
        format!("beyond the newest {max}")
    } else {
        "by count (off)".to_string()
    };
    writeln!(
        out,
        "pruned {}: {} {age}, {} {count}",
        crate::plural::count(
            counts.older_than_retention + counts.over_max_commands,
            "entry",
            "entries"
        ),
        counts.older_than_retention,
        counts.over_max_commands,
    )?;
    out.flush()?;
    Ok(())
}
