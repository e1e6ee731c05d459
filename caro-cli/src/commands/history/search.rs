//! `caro history search`: full-text (then any substring), prefix or fuzzy,
//! through the shared filters; `--interactive` hands over to the terminal UI.

use anyhow::{anyhow, Result};

use crate::cli::SearchArgs;

pub fn run(args: &SearchArgs) -> Result<()> {
    let filter = args.filters.to_filter()?;
    let query = args.query.join(" ");
    if args.interactive.interactive {
        return crate::tui::run(&args.interactive, &query, filter);
    }
    if query.trim().is_empty() {
        return Err(anyhow!(
            "give words to search for, or --interactive to browse everything"
        ));
    }
    let template = args.filters.template()?;
    let store = crate::commands::open_store()?;
    let entries = store.search_filtered(
        &query,
        args.interactive.search_mode.unwrap_or_default(),
        &filter,
        args.limit,
    )?;
    super::filters::print(&store, &entries, template.as_ref(), args.json)
}
