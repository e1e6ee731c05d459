//! `caro sync watch`: stay connected until Ctrl-C.

use anyhow::Result;

use super::options;
use crate::cli::WatchArgs;
use crate::commands::output;
use crate::paths::Paths;
use crate::sync::session::{runtime, Session};
use crate::sync::setup::require_setup;

pub fn run(args: &WatchArgs) -> Result<()> {
    let paths = Paths::from_env()?;
    crate::sync::check_given_relay(args.relay.as_deref(), args.insecure_transport)?;
    let setup = require_setup(&paths)?;
    let opts = options(args.verbose, args.quiet);
    // Ctrl-C and SIGTERM end the watch loop, which closes its daemon in order.
    crate::daemon::stop::leave_signals_to_the_command();
    runtime()?.block_on(async {
        let session = Session::open(setup, args.relay.as_deref(), opts).await?;
        crate::sync::watch::run(session, &mut output::stdout()).await
    })
}
