//! Preferences: their names, defaults and validation. Values live in the
//! store's `sync_preferences` as JSON, stamped for last-writer-wins sync.
//!
//! There is no `default_shell`: a shell is a fact of one machine, and a
//! preference syncs to every device, so on a machine with another shell it
//! would pick the wrong hook or history file. `caro init` and `history import`
//! take the shell as an argument. A `default_shell` an older caro stored stays
//! where it is, in the store and on the relay; nothing lists or reads it.

use serde_json::{json, Value};
use strum::VariantArray;

use crate::safety::RiskLevel;
use crate::store::StoredPreference;
use crate::time::{format_duration, parse_duration};

/// A preference caro knows. Its name is the snake_case variant.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr, VariantArray,
)]
#[strum(serialize_all = "snake_case")]
pub enum PrefKey {
    /// The lowest risk level caro points out: the `[level]` badge of `list`
    /// and `search`, and the warning `history add` prints on stderr.
    SafetyLevel,
    RetentionDays,
    MaxCommands,
    ExcludePatterns,
    SecretsFilter,
    AutoSync,
    SyncFrequency,
}

impl PrefKey {
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// What the values may be, for `--help`-style messages.
    pub fn accepts(self) -> &'static str {
        match self {
            PrefKey::SafetyLevel => {
                "moderate, high or critical (the lowest risk level caro points out)"
            }
            PrefKey::RetentionDays => "a number of days, 0 to keep forever",
            PrefKey::MaxCommands => "a number of entries, 0 for no limit",
            PrefKey::ExcludePatterns => "zero or more regexes (no value clears the list)",
            PrefKey::SecretsFilter | PrefKey::AutoSync => "on or off",
            PrefKey::SyncFrequency => "a duration such as 30s, 15m, 1h",
        }
    }

    /// Accepts `retention-days` as well as `retention_days`.
    pub fn parse(name: &str) -> Option<PrefKey> {
        name.replace('-', "_").parse().ok()
    }

    pub fn default_value(self) -> Value {
        match self {
            PrefKey::SafetyLevel => json!(RiskLevel::Moderate.as_str()),
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
            // `config set exclude_patterns ''` clears the list.
            let patterns: Vec<&String> = values.iter().filter(|v| !v.trim().is_empty()).collect();
            crate::privacy::ExcludePatterns::new(values)?;
            return Ok(json!(patterns));
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
            PrefKey::SafetyLevel => match safety_threshold(v) {
                Some(level) => Ok(json!(level.as_str())),
                None => Err(invalid(v)),
            },
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

/// A risk level a person may ask to be warned from: any but `safe`, which
/// every command reaches.
fn safety_threshold(v: &str) -> Option<RiskLevel> {
    v.to_ascii_lowercase()
        .parse()
        .ok()
        .filter(|level| *level != RiskLevel::Safe)
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
    /// The lowest risk level pointed out (see [`PrefKey::SafetyLevel`]).
    pub safety_level: RiskLevel,
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
            safety_level: get(PrefKey::SafetyLevel)
                .and_then(Value::as_str)
                .and_then(safety_threshold)
                .unwrap_or(RiskLevel::Moderate),
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

    /// Whether caro points out an entry of this level.
    pub fn flags(&self, level: RiskLevel) -> bool {
        level != RiskLevel::Safe && level >= self.safety_level
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
            "1h 30m"
        );
        assert!(f.parse_values(&["1s".into()]).is_err());
        let level = PrefKey::SafetyLevel;
        assert_eq!(level.parse_values(&["High".into()]).unwrap(), json!("high"));
        for bad in ["yolo", "safe", "strict", "permissive"] {
            assert!(level.parse_values(&[bad.into()]).is_err(), "{bad}");
        }
        assert_eq!(PrefKey::parse("default_shell"), None);
        assert!(PrefKey::ExcludePatterns
            .parse_values(&["(".into()])
            .is_err());
        assert_eq!(
            PrefKey::ExcludePatterns.parse_values(&[]).unwrap(),
            json!([])
        );
        assert_eq!(
            PrefKey::ExcludePatterns
                .parse_values(&["".into(), "vault".into(), " ".into()])
                .unwrap(),
            json!(["vault"])
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
        assert_eq!(p.safety_level, RiskLevel::Moderate);
    }

    #[test]
    fn names_read_back() {
        for key in PrefKey::VARIANTS {
            assert_eq!(PrefKey::parse(key.name()), Some(*key));
            assert_eq!(PrefKey::parse(&key.name().replace('_', "-")), Some(*key));
        }
        assert_eq!(PrefKey::SyncFrequency.name(), "sync_frequency");
    }

    #[test]
    fn safety_level_sets_what_is_flagged() {
        let stored = |value: Value| {
            Preferences::from_stored(&[StoredPreference {
                key: "safety_level".into(),
                value,
                updated_at: 1,
                updated_by: "d".into(),
                updated_seq: 0,
                synced_at: None,
            }])
        };
        let high = stored(json!("high"));
        assert!(!high.flags(RiskLevel::Moderate));
        assert!(high.flags(RiskLevel::High));
        assert!(high.flags(RiskLevel::Critical));
        let default = Preferences::from_stored(&[]);
        assert!(!default.flags(RiskLevel::Safe));
        assert!(default.flags(RiskLevel::Moderate));
        // A value an older caro wrote ("strict") falls back to the default.
        assert_eq!(stored(json!("strict")).safety_level, RiskLevel::Moderate);
    }
}
