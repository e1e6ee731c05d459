//! `caro sync watch`: stay connected until Ctrl-C.

use anyhow::Result;

use super::options;
use crate::cli::WatchArgs;
use crate::paths::Paths;
use crate::sync::engine::{self, require_setup, Session};

pub fn run(args: &WatchArgs) -> Result<()> {
    let paths = Paths::from_env()?;
    let setup = require_setup(&paths)?;
    let opts = options(args.verbose, args.quiet);
    engine::runtime()?.block_on(async {
        let session = Session::open(setup, args.relay.as_deref(), opts).await?;
        crate::sync::watch::run(session, &mut std::io::stdout()).await
    })
}
