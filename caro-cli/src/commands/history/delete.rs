//! `caro history delete ID...`: soft delete, enqueued for sync.

use std::io::Write;

use anyhow::Result;

use crate::cli::DeleteArgs;

pub fn run(args: &DeleteArgs) -> Result<()> {
    let mut store = crate::commands::open_store()?;
    let deleted = store.delete(&args.ids)?;
    let mut out = crate::commands::output::stdout();
    let noun = if deleted == 1 { "entry" } else { "entries" };
    writeln!(out, "deleted {deleted} {noun}")?;
    out.flush()?;
    Ok(())
}
