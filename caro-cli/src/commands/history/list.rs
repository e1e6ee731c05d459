//! `caro history list`: newest first.

use anyhow::Result;

use crate::cli::ListArgs;
use crate::store::ListFilter;
use crate::time::now_ms;

pub fn run(args: &ListArgs) -> Result<()> {
    let store = crate::commands::open_store()?;
    let since_ms = args.since.map(|secs| {
        now_ms().saturating_sub(i64::try_from(secs.saturating_mul(1000)).unwrap_or(i64::MAX))
    });
    let entries = store.list(&ListFilter {
        limit: args.limit,
        since_ms,
        device_id: args.device.clone(),
    })?;
    super::print_entries(&store, &entries, args.json)
}
