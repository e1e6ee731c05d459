//! One module per subcommand; [`run`] dispatches. Output goes through a
//! locked, buffered stdout so a closed pipe surfaces as an error (reported as
//! success by `main`) instead of a panic.

mod config;
mod history;
mod init;
mod sync;

use std::io::{self, BufWriter, StdoutLock, Write};

use anyhow::Result;

use crate::cli::{Cli, Command};
use crate::paths::Paths;
use crate::store::Store;
pub use history::filters::{local_time, FilterArgs};
pub use sync::SyncArgs;

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
    let paths = Paths::from_env()?;
    paths.ensure_data_dir()?;
    Ok(Store::open(&paths.history_db())?)
}

pub(crate) fn stdout() -> BufWriter<StdoutLock<'static>> {
    BufWriter::new(io::stdout().lock())
}

/// Writes `value` as pretty JSON and a newline.
fn write_json(out: &mut impl Write, value: &impl serde::Serialize) -> Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)?;
    out.flush()?;
    Ok(())
}
