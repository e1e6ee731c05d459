//! `caro history ...`: the arguments of each history subcommand.

use std::path::PathBuf;

use clap::{Args, Subcommand};

#[derive(Debug, Subcommand)]
pub enum HistoryCommand {
    /// Record a command and print its id
    Add(AddArgs),
    /// List entries, newest first
    List(ListArgs),
    /// Full-text search, best match first
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
    /// Only entries from this recent period, e.g. 30m, 2h, 7d
    #[arg(long, value_parser = duration_secs)]
    pub since: Option<u64>,
    /// Only entries recorded on this device id
    #[arg(long)]
    pub device: Option<String>,
    /// Print a JSON array of entries
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Words to find in commands, prompts and explanations (prefixes match;
    /// put words that start with '-' after `--`)
    #[arg(required = true, num_args = 1..)]
    pub query: Vec<String>,
    /// How many entries to show
    #[arg(long, short = 'n', default_value_t = 20)]
    pub limit: usize,
    /// Print a JSON array of entries
    #[arg(long)]
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

fn duration_secs(value: &str) -> Result<u64, String> {
    crate::time::parse_duration(value)
}
