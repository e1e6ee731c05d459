//! The command line, declared with clap's derive API: every clap struct lives
//! under `cli/` (one file per command group), what a command does lives in
//! `commands/`. Nothing here imports `commands/` or `sync/`, so the parser can
//! be read, and tested, on its own.

mod config;
mod history;
mod sync;

use clap::{Args, Parser, Subcommand};

pub use config::ConfigCommand;
pub use history::{
    AddArgs, DeleteArgs, HistoryCommand, ImportArgs, ListArgs, PruneArgs, SearchArgs, StatsArgs,
};
pub use sync::{
    DevicesArgs, ExportArgs, JoinArgs, NowArgs, RelayArgs, ResetArgs, StatusArgs, SyncArgs,
    SyncCommand, SyncInitArgs, WatchArgs,
};

use crate::shell::Shell;

/// caro: your shell history, fast, local and private.
#[derive(Debug, Parser)]
#[command(name = "caro", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Record, list, search and manage your command history
    #[command(subcommand)]
    History(HistoryCommand),
    /// Print the shell hook that records every command you run
    Init(InitArgs),
    /// Read and change preferences
    #[command(subcommand)]
    Config(ConfigCommand),
    /// End-to-end encrypted sync with your other devices (alone: sync now)
    Sync(SyncArgs),
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The shell to print the hook for
    #[arg(value_enum)]
    pub shell: Shell,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        super::Cli::command().debug_assert();
    }
}
