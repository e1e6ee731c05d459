//! `caro history search`: full-text, best match first.

use anyhow::Result;

use crate::cli::SearchArgs;

pub fn run(args: &SearchArgs) -> Result<()> {
    let store = crate::commands::open_store()?;
    let entries = store.search(&args.query.join(" "), args.limit)?;
    super::print_entries(&store, &entries, args.json)
}
