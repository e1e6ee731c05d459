//! Entries from other devices pass the checks local input passes, because
//! whoever holds the command key (another device, a JS tool) may have skipped
//! them: the 10 KB command limit (64 KB for a prompt or explanation), no empty
//! command, this device's own exclude patterns and secrets filter. A refused
//! entry is never stored; the pull skips it and reports why. (The time of
//! every record is checked by crypto-core's `check_time` in `chain.rs`, and
//! risk levels are rated in `records.rs`: the sender's is never kept.)

use anyhow::{anyhow, Result};

use crate::config::Preferences;
use crate::privacy::{ExcludePatterns, PrivacyFilter, Refusal};
use crate::store::{HistoryEntry, Store};

/// Why a pulled entry was not stored: a stable kind and a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub kind: &'static str,
    pub message: String,
}

/// This device's checks, read once per sync.
#[derive(Debug)]
pub struct PullGuard {
    filter: PrivacyFilter,
}

impl PullGuard {
    /// The checks as this device's stored preferences set them.
    pub fn from_store(store: &Store) -> Result<Self> {
        let prefs = Preferences::from_stored(&store.preferences()?);
        let excludes = ExcludePatterns::new(&prefs.exclude_patterns)
            .map_err(|e| anyhow!("{e}; fix it with `caro config set exclude_patterns ...`"))?;
        Ok(PullGuard::new(PrivacyFilter::new(
            prefs.secrets_filter,
            excludes,
        )))
    }

    pub fn new(filter: PrivacyFilter) -> Self {
        PullGuard { filter }
    }

    /// Why `entry` may not be stored, if anything.
    pub fn check(&self, entry: &HistoryEntry) -> Result<(), Refused> {
        if entry.command.trim().is_empty() {
            return Err(Refused {
                kind: "empty-command",
                message: "the command is empty".into(),
            });
        }
        self.filter
            .check(
                &entry.command,
                entry.prompt.as_deref(),
                entry.explanation.as_deref(),
            )
            .map_err(refused)
    }
}

fn refused(refusal: Refusal) -> Refused {
    match refusal {
        Refusal::TooLong { field, bytes, max } => Refused {
            kind: "too-long",
            message: format!("the {field} is {bytes} bytes; caro stores at most {max}"),
        },
        Refusal::Excluded { pattern } => Refused {
            kind: "excluded",
            message: format!("the command matches this device's exclude pattern '{pattern}'"),
        },
        Refusal::Secret { kind, field } => Refused {
            kind: "secret",
            message: format!(
                "the {field} holds what looks like {kind} (this device's secrets_filter is on)"
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::safety::RiskLevel;

    const NOW: i64 = 1_763_790_000_000;

    fn entry(command: &str, created_at: i64) -> HistoryEntry {
        HistoryEntry {
            id: "0193a000-0000-7000-8000-000000000001".into(),
            command: command.into(),
            prompt: None,
            explanation: None,
            safety_level: RiskLevel::Safe,
            safety_warnings: vec![],
            exit_code: None,
            duration_ms: None,
            cwd: None,
            shell: None,
            device_id: "dev-a".into(),
            created_at,
            executed: true,
            success: None,
            platform: None,
            session_id: None,
            hostname: None,
        }
    }

    fn guard(secrets: bool, excludes: &[&str]) -> PullGuard {
        let patterns: Vec<String> = excludes.iter().map(|p| p.to_string()).collect();
        PullGuard::new(PrivacyFilter::new(
            secrets,
            ExcludePatterns::new(&patterns).unwrap(),
        ))
    }

    fn kind(guard: &PullGuard, e: &HistoryEntry) -> Option<&'static str> {
        guard.check(e).err().map(|r| r.kind)
    }

    #[test]
    fn each_local_check_applies_to_pulled_entries() {
        let g = guard(true, &["^vault "]);
        assert_eq!(kind(&g, &entry("git status", NOW)), None);
        assert_eq!(kind(&g, &entry("  \n", NOW)), Some("empty-command"));
        assert_eq!(
            kind(&g, &entry(&"x".repeat(10 * 1024 + 1), NOW)),
            Some("too-long")
        );
        assert_eq!(kind(&g, &entry(&"x".repeat(10 * 1024), NOW)), None);
        assert_eq!(kind(&g, &entry("vault read prod", NOW)), Some("excluded"));
        let token = format!("export GITHUB_TOKEN={}_{}", "ghp", "a".repeat(36));
        assert_eq!(kind(&g, &entry(&token, NOW)), Some("secret"));
        assert_eq!(kind(&guard(false, &[]), &entry(&token, NOW)), None);
        let mut long_prompt = entry("ls", NOW);
        long_prompt.prompt = Some("p".repeat(64 * 1024 + 1));
        assert_eq!(kind(&g, &long_prompt), Some("too-long"));
    }
}
