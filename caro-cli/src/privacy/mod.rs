//! What caro refuses to store: commands over 10 KB, commands matching the
//! user's exclude patterns, and (unless turned off) commands holding secrets
//! or a recovery phrase.

mod exclude;
mod phrase;
pub mod secrets;

use std::fmt;

pub use exclude::ExcludePatterns;

/// The largest command caro stores, in bytes.
pub const MAX_COMMAND_BYTES: usize = 10 * 1024;

/// The largest prompt or explanation caro stores, in bytes.
pub const MAX_TEXT_BYTES: usize = 64 * 1024;

/// Why an entry was not stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The user asked never to store commands like this one.
    Excluded { pattern: String },
    /// A secret, named by kind; the secret itself is never repeated.
    Secret {
        kind: &'static str,
        field: &'static str,
    },
    TooLong {
        field: &'static str,
        bytes: usize,
        max: usize,
    },
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Excluded { pattern } => write!(
                f,
                "not recorded: the command matches your exclude pattern '{pattern}'"
            ),
            Refusal::Secret { kind, field } => write!(
                f,
                "refused to record: the {field} holds what looks like {kind}; nothing was stored. \
                 Keep secrets in environment variables or credential files (and remove this one \
                 from your shell's own history too). If this is a false alarm: \
                 caro config set secrets_filter off"
            ),
            Refusal::TooLong { field, bytes, max } => write!(
                f,
                "refused to record: the {field} is {bytes} bytes, and caro stores at most {max} \
                 bytes ({} KB)",
                max / 1024
            ),
        }
    }
}

impl std::error::Error for Refusal {}

/// The privacy checks for one process, built from the user's preferences.
#[derive(Debug)]
pub struct PrivacyFilter {
    secrets_filter: bool,
    excludes: ExcludePatterns,
}

impl PrivacyFilter {
    pub fn new(secrets_filter: bool, excludes: ExcludePatterns) -> Self {
        Self {
            secrets_filter,
            excludes,
        }
    }

    /// Checks an entry's texts; `Ok` means it may be stored.
    pub fn check(
        &self,
        command: &str,
        prompt: Option<&str>,
        explanation: Option<&str>,
    ) -> Result<(), Refusal> {
        if command.len() > MAX_COMMAND_BYTES {
            return Err(Refusal::TooLong {
                field: "command",
                bytes: command.len(),
                max: MAX_COMMAND_BYTES,
            });
        }
        let others = [("prompt", prompt), ("explanation", explanation)];
        for (field, text) in others {
            if let Some(text) = text.filter(|t| t.len() > MAX_TEXT_BYTES) {
                return Err(Refusal::TooLong {
                    field,
                    bytes: text.len(),
                    max: MAX_TEXT_BYTES,
                });
            }
        }
        if let Some(pattern) = self.excludes.first_match(command) {
            return Err(Refusal::Excluded {
                pattern: pattern.to_string(),
            });
        }
        if self.secrets_filter {
            let texts = [("command", Some(command)), others[0], others[1]];
            for (field, text) in texts {
                if let Some(kind) = text.and_then(secrets::find) {
                    return Err(Refusal::Secret { kind, field });
                }
            }
        }
        Ok(())
    }
}
