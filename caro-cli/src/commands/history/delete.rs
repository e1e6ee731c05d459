//! `caro history delete ID...`: soft delete, enqueued for sync.
//!
//! All or nothing: with one unknown id among several, nothing is deleted and
//! the unknown ones are named. A delete reaches every device, so a list with
//! a mistyped id may be the wrong list; running it again without the
//! unknown ids is one edit away.

use std::io::Write;

use anyhow::{anyhow, Result};

use crate::cli::DeleteArgs;
use crate::store::StoreError;

pub fn run(args: &DeleteArgs) -> Result<()> {
    let mut store = crate::commands::open_store()?;
    let deleted = match store.delete(&args.ids) {
        Ok(deleted) => deleted,
        Err(StoreError::UnknownIds { ids }) if args.ids.len() > 1 => {
            return Err(anyhow!(
                "deleted nothing: {} of the {} ids given {} no history entry (or one already deleted): {}; \
                 `caro history list` shows the ids, run it again without {}",
                ids.len(),
                args.ids.len(),
                if ids.len() == 1 { "is" } else { "are" },
                ids.join(", "),
                if ids.len() == 1 { "it" } else { "them" },
            ))
        }
        Err(err) => return Err(err.into()),
    };
    let mut out = crate::commands::output::stdout();
    let noun = if deleted == 1 { "entry" } else { "entries" };
    writeln!(out, "deleted {deleted} {noun}")?;
    out.flush()?;
    Ok(())
}
