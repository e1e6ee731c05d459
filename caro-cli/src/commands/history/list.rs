//! `caro history list`: newest first, through the shared filters.

use anyhow::Result;

use crate::cli::ListArgs;

pub fn run(args: &ListArgs) -> Result<()> {
    let filter = args.filters.to_filter()?;
    let template = args.filters.template()?;
    let store = crate::commands::open_store()?;
    let entries = store.list_filtered(&filter, args.limit)?;
    super::filters::print(&store, &entries, template.as_ref(), args.json)
}
