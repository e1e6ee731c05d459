//! The command line, declared with clap's derive API. Each subcommand's
//! arguments live here; what it does lives in `commands/`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

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
    Sync(crate::commands::SyncArgs),
}

#[derive(Debug, Subcommand)]
pub enum HistoryCommand {
    /// Record a command and print its id
    Add(AddArgs),
    /// List entries, newest first
    List(ListArgs),
    /// Search: full text (any substring too), prefix or fuzzy; -i for the interactive search
    #[command(after_long_help = crate::tui::KEYS_HELP)]
    Search(SearchArgs),
    /// Delete entries by id (they disappear from list and search)
    Delete(DeleteArgs),
    /// Import your shell's existing history (safe to run again)
    Import(ImportArgs),
    /// Apply retention: drop entries older than retention_days and beyond max_commands
    Prune(PruneArgs),
    /// Counts by risk level, most used commands, success rate
    Stats(StatsArgs),
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// The command line that ran (or that caro generated)
    #[arg(long, allow_hyphen_values = true, value_parser = non_blank,
          required_unless_present = "json_stdin")]
    pub command: Option<String>,
    /// The natural-language request the command answers
    #[arg(long, allow_hyphen_values = true)]
    pub prompt: Option<String>,
    /// What the command does
    #[arg(long, allow_hyphen_values = true)]
    pub explanation: Option<String>,
    /// Its exit status
    #[arg(long, allow_hyphen_values = true)]
    pub exit_code: Option<i64>,
    /// How long it ran, in milliseconds
    #[arg(long, value_parser = clap::value_parser!(i64).range(0..))]
    pub duration_ms: Option<i64>,
    /// The directory it ran in
    #[arg(long)]
    pub cwd: Option<String>,
    /// The shell it ran in
    #[arg(long)]
    pub shell: Option<String>,
    /// When it started, in ms since the Unix epoch (default: now, less
    /// --duration-ms)
    #[arg(long, value_parser = clap::value_parser!(i64).range(0..))]
    pub created_at: Option<i64>,
    /// Read the entry as one JSON object from stdin instead (fields as in
    /// `list --json`: command, prompt, explanation, exitCode, durationMs, cwd,
    /// shell, createdAt)
    #[arg(long, conflicts_with_all = ["command", "prompt", "explanation", "exit_code", "duration_ms", "cwd", "shell", "created_at"])]
    pub json_stdin: bool,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// How many entries to show
    #[arg(long, short = 'n', default_value_t = 50)]
    pub limit: usize,
    #[command(flatten)]
    pub filters: crate::commands::FilterArgs,
    /// Print a JSON array of entries
    #[arg(long, conflicts_with_all = ["format", "cmd_only"])]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Words to find in commands, prompts and explanations (word prefixes,
    /// then any substring; put words that start with '-' after `--`)
    #[arg(num_args = 0.., required_unless_present = "interactive")]
    pub query: Vec<String>,
    /// How many entries to show
    #[arg(long, short = 'n', default_value_t = 20)]
    pub limit: usize,
    #[command(flatten)]
    pub filters: crate::commands::FilterArgs,
    #[command(flatten)]
    pub interactive: crate::tui::InteractiveArgs,
    /// Print a JSON array of entries
    #[arg(long, conflicts_with_all = ["format", "cmd_only", "interactive"])]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// Entry ids, as shown by `caro history list`
    #[arg(required = true, num_args = 1..)]
    pub ids: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Which shell's history format to read
    #[arg(value_enum)]
    pub shell: Shell,
    /// The history file (default: the shell's usual one)
    #[arg(long)]
    pub file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Override retention_days for this run
    #[arg(long)]
    pub retention_days: Option<u64>,
    /// Override max_commands for this run
    #[arg(long)]
    pub max_commands: Option<u64>,
}

#[derive(Debug, Args)]
pub struct StatsArgs {
    /// How many of the most used commands to show
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
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

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print one preference's value
    Get {
        /// e.g. retention_days
        key: String,
    },
    /// Change a preference (exclude_patterns takes any number of regexes)
    Set {
        /// e.g. retention_days
        key: String,
        /// The new value(s)
        #[arg(num_args = 0.., allow_hyphen_values = true)]
        values: Vec<String>,
    },
    /// Print every preference
    List {
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
}

fn non_blank(value: &str) -> Result<String, String> {
    if value.trim().is_empty() {
        Err("the command is empty".to_string())
    } else {
        Ok(value.to_string())
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        super::Cli::command().debug_assert();
    }
}
