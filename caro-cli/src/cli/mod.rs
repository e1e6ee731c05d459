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
    AddArgs, DeleteArgs, FilterArgs, HistoryCommand, ImportArgs, ListArgs, PruneArgs, SearchArgs,
    StatsArgs,
};
pub use sync::{
    DevicesArgs, DevicesCommand, DevicesRemoveArgs, ExportArgs, JoinArgs, NowArgs, RelayArgs,
    ResetArgs, RotateArgs, StatusArgs, SyncArgs, SyncCommand, SyncInitArgs, WatchArgs,
};
pub use sync::{ServiceArgs, ServiceCommand, ServiceStatusArgs};

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

impl Cli {
    /// Whether the command prints JSON (`--json`): its failure is JSON too.
    pub fn wants_json(&self) -> bool {
        match &self.command {
            Command::History(HistoryCommand::List(a)) => a.json,
            Command::History(HistoryCommand::Search(a)) => a.json,
            Command::History(HistoryCommand::Stats(a)) => a.json,
            Command::History(_) | Command::Init(_) => false,
            Command::Config(ConfigCommand::List { json }) => *json,
            Command::Config(_) => false,
            Command::Sync(sync) => match &sync.command {
                None => sync.now.json,
                Some(SyncCommand::Now(a)) => a.json,
                Some(SyncCommand::Init(a)) => a.json,
                Some(SyncCommand::Status(a)) => a.json,
                Some(SyncCommand::Devices(a)) => a.json,
                Some(SyncCommand::Service(ServiceArgs {
                    command: ServiceCommand::Status(a),
                })) => a.json,
                Some(_) => false,
            },
        }
    }
}

/// For a command line clap refused: whether it asked for JSON (a `--json`
/// before any `--`), so that its usage error can be JSON.
pub fn asks_for_json(args: impl IntoIterator<Item = std::ffi::OsString>) -> bool {
    args.into_iter()
        .skip(1)
        .take_while(|arg| arg != "--")
        .any(|arg| arg == "--json")
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The shell to print the hook for
    #[arg(value_enum)]
    pub shell: Shell,
    /// Leave Ctrl-R to the shell (no interactive search on it)
    #[arg(long)]
    pub disable_ctrl_r: bool,
    /// Leave the up arrow to the shell
    #[arg(long)]
    pub disable_up_arrow: bool,
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

    use super::{asks_for_json, Cli};

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn json_is_known_before_and_after_parsing() {
        let parse = |line: &[&str]| Cli::try_parse_from(line).unwrap().wants_json();
        assert!(parse(&["caro", "history", "list", "--json"]));
        assert!(parse(&["caro", "sync", "--json"]));
        assert!(parse(&["caro", "sync", "status", "--json"]));
        assert!(!parse(&["caro", "history", "list"]));
        assert!(!parse(&["caro", "history", "search", "--", "--json"]));
        let raw = |line: &[&str]| asks_for_json(line.iter().map(|a| a.into()));
        assert!(raw(&["caro", "history", "list", "--json", "--bogus"]));
        assert!(!raw(&["caro", "history", "search", "--", "--json"]));
    }
}
