//! One module per subcommand; [`run`] dispatches. Everything a command prints
//! goes through [`output`], the one stdout path (a closed pipe is an error
//! reported as success, never a panic; `--json` failures are JSON).

mod config;
mod history;
mod init;
pub mod output;
mod sync;

use anyhow::Result;

use crate::cli::{Cli, Command};
use crate::paths::Paths;
use crate::store::Store;

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::History(command) => history::run(command),
        Command::Init(args) => init::run(&args),
        Command::Config(command) => config::run(command),
        Command::Sync(args) => sync::run(args),
    }
}

/// Opens this user's history database, creating its directory if needed.
fn open_store() -> Result<Store> {
    Store::open_in(&Paths::from_env()?)
}
