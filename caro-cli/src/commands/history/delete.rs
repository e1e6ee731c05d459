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
            let (which, retry) = if ids.len() == args.ids.len() {
                let which = format!("none of the {} ids given is a history entry", ids.len());
                (which, "")
            } else {
                let verb = if ids.len() == 1 { "is" } else { "are" };
                let which = format!(
                    "{} of the {} ids given {verb} no history entry",
                    ids.len(),
                    args.ids.len()
                );
                (which, ", run it again without the unknown ones")
            };
            return Err(anyhow!(
                "deleted nothing: {which} (or one already deleted): {}; \
                 `caro history list` shows the ids{retry}",
                ids.join(", "),
            ));
        }
        Err(err) => return Err(err.into()),
    };
    let mut out = crate::commands::output::stdout();
    let noun = if deleted == 1 { "entry" } else { "entries" };
    writeln!(out, "deleted {deleted} {noun}")?;
    out.flush()?;
    Ok(())
}
