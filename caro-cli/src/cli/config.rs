//! `caro config get|set|list`: the arguments of the preference commands.

use clap::Subcommand;

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
