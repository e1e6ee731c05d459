//! Preferences: their names, defaults and validation. Values live in the
//! store's `sync_preferences` as JSON, stamped for last-writer-wins sync.

use serde_json::{json, Value};

use crate::store::StoredPreference;
use crate::time::{format_duration, parse_duration};

/// A preference caro knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrefKey {
    SafetyLevel,
    DefaultShell,
    RetentionDays,
    MaxCommands,
    ExcludePatterns,
    SecretsFilter,
    AutoSync,
    SyncFrequency,
}

impl PrefKey {
    pub const ALL: [PrefKey; 8] = [
        PrefKey::SafetyLevel,
        PrefKey::DefaultShell,
        PrefKey::RetentionDays,
        PrefKey::MaxCommands,
        PrefKey::ExcludePatterns,
        PrefKey::SecretsFilter,
        PrefKey::AutoSync,
        PrefKey::SyncFrequency,
    ];

    pub fn name(self) -> &'static str {
        match self {
            PrefKey::SafetyLevel => "safety_level",
            PrefKey::DefaultShell => "default_shell",
            PrefKey::RetentionDays => "retention_days",
            PrefKey::MaxCommands => "max_commands",
            PrefKey::ExcludePatterns => "exclude_patterns",
            PrefKey::SecretsFilter => "secrets_filter",
            PrefKey::AutoSync => "auto_sync",
            PrefKey::SyncFrequency => "sync_frequency",
        }
    }

    /// What the values may be, for `--help`-style messages.
    pub fn accepts(self) -> &'static str {
        match self {
            PrefKey::SafetyLevel => "strict, moderate or permissive",
            PrefKey::DefaultShell => "bash, zsh, fish, sh, powershell or cmd",
            PrefKey::RetentionDays => "a number of days, 0 to keep forever",
            PrefKey::MaxCommands => "a number of entries, 0 for no limit",
            PrefKey::ExcludePatterns => "zero or more regexes (no value clears the list)",
            PrefKey::SecretsFilter | PrefKey::AutoSync => "on or off",
            PrefKey::SyncFrequency => "a duration such as 30s, 15m, 1h",
        }
    }

    /// Accepts `retention-days` as well as `retention_days`.
    pub fn parse(name: &str) -> Option<PrefKey> {
        let name = name.replace('-', "_");
        PrefKey::ALL.into_iter().find(|k| k.name() == name)
    }

    pub fn default_value(self) -> Value {
        match self {
            PrefKey::SafetyLevel => json!("moderate"),
            PrefKey::DefaultShell => {
                let shell = std::env::var("SHELL").unwrap_or_default();
                let name = shell.rsplit('/').next().unwrap_or("");
                json!(if ["bash", "zsh", "fish"].contains(&name) {
                    name
                } else {
                    "bash"
                })
            }
            PrefKey::RetentionDays => json!(90),
            PrefKey::MaxCommands => json!(10_000),
            PrefKey::ExcludePatterns => json!([]),
            PrefKey::SecretsFilter => json!(true),
            PrefKey::AutoSync => json!(false),
            PrefKey::SyncFrequency => json!(900),
        }
    }

    /// Turns what the user typed into the stored value, or says what is accepted.
    pub fn parse_values(self, values: &[String]) -> Result<Value, String> {
        let invalid = |v: &str| {
            format!(
                "invalid value '{v}' for {}: use {}",
                self.name(),
                self.accepts()
            )
        };
        if self == PrefKey::ExcludePatterns {
            crate::privacy::ExcludePatterns::new(values)?;
            return Ok(json!(values));
        }
        let [value] = values else {
            return Err(format!(
                "{} takes one value: {}",
                self.name(),
                self.accepts()
            ));
        };
        let v = value.trim();
        match self {
            PrefKey::SafetyLevel => ["strict", "moderate", "permissive"]
                .contains(&v)
                .then(|| json!(v))
                .ok_or_else(|| invalid(v)),
            PrefKey::DefaultShell => ["bash", "zsh", "fish", "sh", "powershell", "cmd"]
                .contains(&v)
                .then(|| json!(v))
                .ok_or_else(|| invalid(v)),
            PrefKey::RetentionDays | PrefKey::MaxCommands => {
                v.parse::<u64>().map(|n| json!(n)).map_err(|_| invalid(v))
            }
            PrefKey::SecretsFilter | PrefKey::AutoSync => {
                parse_switch(v).map(|b| json!(b)).ok_or_else(|| invalid(v))
            }
            PrefKey::SyncFrequency => match parse_duration(v) {
                Ok(secs) if secs >= 10 => Ok(json!(secs)),
                Ok(_) => Err(format!("sync_frequency must be at least 10s, got '{v}'")),
                Err(e) => Err(e),
            },
            PrefKey::ExcludePatterns => unreachable!("handled above"),
        }
    }

    /// How a value reads in `caro config get/list`.
    pub fn display(self, value: &Value) -> String {
        match (self, value) {
            (PrefKey::SecretsFilter | PrefKey::AutoSync, Value::Bool(b)) => {
                (if *b { "on" } else { "off" }).to_string()
            }
            (PrefKey::SyncFrequency, Value::Number(n)) => format_duration(n.as_u64().unwrap_or(0)),
            (PrefKey::ExcludePatterns, Value::Array(items)) if items.is_empty() => {
                "(none)".to_string()
            }
            (PrefKey::ExcludePatterns, Value::Array(items)) => items
                .iter()
                .map(|i| i.as_str().unwrap_or_default().to_string())
                .collect::<Vec<_>>()
                .join("  "),
            (_, Value::String(s)) => s.clone(),
            (_, other) => other.to_string(),
        }
    }
}

fn parse_switch(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "on" | "true" | "yes" | "1" => Some(true),
        "off" | "false" | "no" | "0" => Some(false),
        _ => None,
    }
}

/// The preferences the history commands act on, with defaults filled in.
/// A stored value of the wrong shape (say, from a newer caro on another
/// device) falls back to the default rather than failing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preferences {
    pub retention_days: u64,
    pub max_commands: u64,
    pub exclude_patterns: Vec<String>,
    pub secrets_filter: bool,
}

impl Preferences {
    pub fn from_stored(stored: &[StoredPreference]) -> Self {
        let get = |key: PrefKey| {
            stored
                .iter()
                .find(|p| p.key == key.name())
                .map(|p| &p.value)
        };
        let number = |key: PrefKey| {
            get(key)
                .and_then(Value::as_u64)
                .or_else(|| key.default_value().as_u64())
                .unwrap_or(0)
        };
        Preferences {
            retention_days: number(PrefKey::RetentionDays),
            max_commands: number(PrefKey::MaxCommands),
            exclude_patterns: get(PrefKey::ExcludePatterns)
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default(),
            secrets_filter: get(PrefKey::SecretsFilter)
                .and_then(Value::as_bool)
                .unwrap_or(true),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_displays_values() {
        let k = PrefKey::parse("retention-days").unwrap();
        assert_eq!(k.parse_values(&["30".into()]).unwrap(), json!(30));
        assert!(k.parse_values(&["-1".into()]).is_err());
        assert!(k.parse_values(&[]).is_err());
        let s = PrefKey::SecretsFilter;
        assert_eq!(s.display(&s.parse_values(&["off".into()]).unwrap()), "off");
        let f = PrefKey::SyncFrequency;
        assert_eq!(
            f.display(&f.parse_values(&["1h30m".into()]).unwrap()),
            "1h30m"
        );
        assert!(f.parse_values(&["1s".into()]).is_err());
        assert!(PrefKey::SafetyLevel.parse_values(&["yolo".into()]).is_err());
        assert!(PrefKey::ExcludePatterns
            .parse_values(&["(".into()])
            .is_err());
        assert_eq!(
            PrefKey::ExcludePatterns.parse_values(&[]).unwrap(),
            json!([])
        );
        assert_eq!(PrefKey::parse("nope"), None);
    }

    #[test]
    fn defaults_fill_in() {
        let p = Preferences::from_stored(&[]);
        assert_eq!(p.retention_days, 90);
        assert_eq!(p.max_commands, 10_000);
        assert!(p.secrets_filter);
        assert!(p.exclude_patterns.is_empty());
    }
}
