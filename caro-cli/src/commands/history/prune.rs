//! `caro history prune [--dry-run]`: retention by age and by count. It runs
//! only when typed, never on its own: history is what caro is for, a removal
//! cannot be undone, and an import of years of history must never be cut to
//! the default limits behind the user's back (Atuin too keeps everything).

use std::io::Write;

use anyhow::Result;

use crate::cli::PruneArgs;
use crate::config::Preferences;
use crate::time::{format_date, now_ms};

pub fn run(args: &PruneArgs) -> Result<()> {
    let mut store = crate::commands::open_store()?;
    let prefs = Preferences::from_stored(&store.preferences()?);
    let days = args.retention_days.unwrap_or(prefs.retention_days);
    let max = args.max_commands.unwrap_or(prefs.max_commands);
    let max_age_ms =
        (days > 0).then(|| i64::try_from(days.saturating_mul(86_400_000)).unwrap_or(i64::MAX));
    let counts = store.prune(max_age_ms, (max > 0).then_some(max), args.dry_run)?;
    let mut out = crate::commands::output::stdout();
    let age = match max_age_ms {
        Some(age) => format!(
            "older than {days} days (before {})",
            format_date(now_ms().saturating_sub(age))
        ),
        None => "by age (off)".to_string(),
    };
    let count = if max > 0 {
        format!("beyond the newest {max}")
    } else {
        "by count (off)".to_string()
    };
    let verb = if args.dry_run {
        "would prune"
    } else {
        "pruned"
    };
    writeln!(
        out,
        "{verb} {}: {} {age}, {} {count}",
        crate::plural::count(
            counts.older_than_retention + counts.over_max_commands,
            "entry",
            "entries"
        ),
        counts.older_than_retention,
        counts.over_max_commands,
    )?;
    if args.dry_run {
        writeln!(
            out,
            "nothing was removed; run without --dry-run to remove them, or change \
             retention_days / max_commands (0 turns a limit off)"
        )?;
    }
    out.flush()?;
    Ok(())
}
