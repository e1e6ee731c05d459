//! The shells caro knows: for hooks (`caro init`) and history import.

use std::path::PathBuf;

/// A shell whose history caro can import and whose prompt it can hook. Its
/// name (clap's and strum's alike) is the lowercase variant: `bash`, `zsh`, `fish`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, strum::IntoStaticStr)]
#[strum(serialize_all = "lowercase")]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

impl Shell {
    /// The name stored in `shell_type`.
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// Where this shell writes its history by default: `$HISTFILE` for bash and
    /// zsh when set (it is not exported by default, so usually the fallback),
    /// else `~/.bash_history`, `~/.zsh_history`, fish's data directory.
    pub fn default_history_file(self) -> Option<PathBuf> {
        let home = std::env::var_os("HOME").map(PathBuf::from);
        match self {
            Shell::Bash | Shell::Zsh => {
                if let Some(file) = std::env::var_os("HISTFILE").filter(|f| !f.is_empty()) {
                    return Some(PathBuf::from(file));
                }
                let name = if self == Shell::Bash {
                    ".bash_history"
                } else {
                    ".zsh_history"
                };
                home.map(|h| h.join(name))
            }
            Shell::Fish => {
                let data = std::env::var_os("XDG_DATA_HOME")
                    .filter(|d| !d.is_empty())
                    .map(PathBuf::from)
                    .or_else(|| home.map(|h| h.join(".local/share")))?;
                Some(data.join("fish/fish_history"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::ValueEnum;

    use super::Shell;

    #[test]
    fn stored_names_are_the_command_line_names() {
        for shell in Shell::value_variants() {
            let on_the_command_line = shell.to_possible_value().unwrap();
            assert_eq!(shell.name(), on_the_command_line.get_name());
        }
        assert_eq!(Shell::Fish.name(), "fish");
    }
}
