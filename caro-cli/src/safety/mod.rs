//! Risk levels: every entry is rated safe, moderate, high or critical by the
//! rule table in [`rules`], and keeps the warnings of the rules it matched.

pub mod rules;

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

pub use rules::{Rule, RULES};

use crate::matcher::{Guarded, GuardedSet};

/// How much damage a command can do. Its names (`safe`, `moderate`, `high`,
/// `critical`) are the stored, synced and printed ones, in serde and strum alike.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    strum::Display,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum RiskLevel {
    #[default]
    Safe,
    /// Worth a second look: discards work or changes shared state.
    Moderate,
    /// Can destroy data or open the machine to others.
    High,
    /// Can destroy the system or a disk.
    Critical,
}

impl RiskLevel {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// The verdict on one command.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Assessment {
    pub level: RiskLevel,
    /// Ids of the rules that decided, most severe first.
    pub rule_ids: Vec<&'static str>,
    /// Their warning texts, in the same order.
    pub warnings: Vec<String>,
}

fn rule_set() -> &'static GuardedSet {
    static SET: OnceLock<GuardedSet> = OnceLock::new();
    SET.get_or_init(|| {
        let rules = RULES.iter().map(|r| Guarded {
            pattern: r.pattern,
            triggers: r.triggers,
        });
        GuardedSet::new(rules, true)
    })
}

/// Rates a command. Within a family of rules (e.g. every `rm` rule) only the
/// most severe match speaks, so `rm -rf /` is critical with one warning, not
/// also "recursive delete".
pub fn assess(command: &str) -> Assessment {
    let matches = rule_set().matches(command.as_bytes());
    if matches.is_empty() {
        return Assessment::default();
    }
    let mut hits: Vec<&Rule> = matches.into_iter().map(|i| &RULES[i]).collect();
    hits.sort_by_key(|r| std::cmp::Reverse(r.level));
    let mut decided: Vec<&Rule> = Vec::with_capacity(hits.len());
    for rule in hits {
        if !decided.iter().any(|d| d.family == rule.family) {
            decided.push(rule);
        }
    }
    Assessment {
        level: decided[0].level,
        rule_ids: decided.iter().map(|r| r.id).collect(),
        warnings: decided.iter().map(|r| r.warning.to_string()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::RiskLevel;
    use strum::VariantArray;

    #[test]
    fn every_rule_pattern_compiles() {
        super::rule_set().compile_all();
    }

    #[test]
    fn levels_read_back_as_written_and_nothing_else() {
        for level in RiskLevel::VARIANTS {
            assert_eq!(level.as_str().parse::<RiskLevel>(), Ok(*level));
            assert_eq!(level.to_string(), level.as_str());
            let json = serde_json::to_value(level).unwrap();
            assert_eq!(json, level.as_str());
        }
        assert!("extreme".parse::<RiskLevel>().is_err());
        assert!("Safe".parse::<RiskLevel>().is_err());
        assert!("".parse::<RiskLevel>().is_err());
    }
}
