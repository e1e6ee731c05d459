//! `caro history ...`: the arguments of each history subcommand.

use std::path::PathBuf;

use clap::{Args, Subcommand};

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
    /// Import history from bash, zsh, fish, Atuin, nushell or a caro export (safe to run again)
    Import(ImportArgs),
    /// Apply retention (only when typed): drop entries older than retention_days and beyond max_commands
    Prune(PruneArgs),
    /// Counts by risk level, most used commands, success rate
    Stats(StatsArgs),
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// The command line that ran (or that caro generated)
    #[arg(long, allow_hyphen_values = true, value_parser = non_blank,
          required_unless_present_any = ["json_stdin", "command_stdin"])]
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
    /// Read the command line, as is, from stdin (the other fields stay flags):
    /// the shell hooks use it so the line never shows in /proc/*/cmdline
    #[arg(long, conflicts_with_all = ["command", "json_stdin"])]
    pub command_stdin: bool,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// How many entries to show
    #[arg(long, short = 'n', default_value_t = 50)]
    pub limit: usize,
    #[command(flatten)]
    pub filters: FilterArgs,
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
    pub filters: FilterArgs,
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
    /// Where the history comes from
    #[arg(value_enum)]
    pub source: crate::import::ImportSource,
    /// The history file (default: the source's usual one; required for caro-export)
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
    /// Say what would be removed, and remove nothing
    #[arg(long)]
    pub dry_run: bool,
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

fn non_blank(value: &str) -> Result<String, String> {
    if value.trim().is_empty() {
        Err("the command is empty".to_string())
    } else {
        Ok(value.to_string())
    }
}

/// The filters and output shapes `history list` and `history search` share.
#[derive(Debug, Clone, Default, Args)]
pub struct FilterArgs {
    /// Only entries run in this directory (`.` for the current one)
    #[arg(long, value_name = "DIR")]
    pub cwd: Option<String>,
    /// Only entries that exited with this status
    #[arg(long = "exit", value_name = "N", allow_hyphen_values = true)]
    pub exit_code: Option<i64>,
    /// Only entries from before WHEN: a duration ago (30m, 2h, 3days) or a
    /// local date/time (2026-11-30, "2026-11-30 14:00")
    #[arg(long, value_name = "WHEN", value_parser = crate::time::parse_when)]
    pub before: Option<i64>,
    /// Only entries from WHEN on (same forms as --before)
    #[arg(long, visible_alias = "since", value_name = "WHEN", value_parser = crate::time::parse_when)]
    pub after: Option<i64>,
    /// Only entries recorded on this device (its name, or its id)
    #[arg(long, value_name = "NAME")]
    pub device: Option<String>,
    /// Only entries from this shell session (the hooks' $CARO_SESSION)
    #[arg(long, value_name = "ID")]
    pub session: Option<String>,
    /// Only entries recorded on this host name
    #[arg(long, value_name = "NAME")]
    pub host: Option<String>,
    /// Print each entry through a template: {id} {time} {age} {command} {exit}
    /// {duration} {cwd} {device} {session} {host} {risk}; \t and \n are a tab
    /// and a newline
    #[arg(long, value_name = "TEMPLATE", conflicts_with = "cmd_only")]
    pub format: Option<String>,
    /// Print only the command lines (same as --format '{command}')
    #[arg(long)]
    pub cmd_only: bool,
}
