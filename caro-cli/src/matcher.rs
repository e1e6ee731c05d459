//! Rule sets whose regexes are compiled only when needed.
//!
//! Compiling every risk and secret regex costs milliseconds, more than the
//! rest of `caro history add`. So each rule names literal triggers, one of
//! which must occur in any text the rule can match; a substring search per
//! distinct trigger finds the rules worth running, and only their regexes
//! are compiled (once per process).
//!
//! The triggers are searched one by one (`memchr::memmem`) rather than by
//! one automaton: a process checks one or a few texts, and building an
//! Aho-Corasick automaton of a few hundred triggers cost more instructions
//! than `history add` spends on everything else but SQLite. One search per
//! trigger over a typical command costs a few hundred instructions, and over
//! the longest text caro takes (64 KB) well under a millisecond.

use std::borrow::Cow;
use std::sync::OnceLock;

use memchr::memmem;
use regex::bytes::Regex;

/// A rule as the matcher sees it.
pub struct Guarded {
    /// A byte regex.
    pub pattern: &'static str,
    /// Lowercase literals, compared ASCII-case-insensitively; at least one.
    pub triggers: &'static [&'static str],
}

/// One distinct trigger and the rules it guards.
struct Trigger {
    literal: &'static str,
    /// Whether it must start a word (not follow a letter or digit).
    word_start: bool,
    /// Indices of the rules it guards, ascending.
    rules: Vec<usize>,
}

/// Finds which rules of a fixed list match a text.
pub struct GuardedSet {
    patterns: Vec<&'static str>,
    triggers: Vec<Trigger>,
    compiled: Vec<OnceLock<Regex>>,
}

impl GuardedSet {
    /// With `word_start`, a trigger that begins with a letter or digit only
    /// counts where it starts a word (`rm` in `rm -rf`, not in `confirm`).
    pub fn new(rules: impl IntoIterator<Item = Guarded>, word_start: bool) -> Self {
        let mut patterns = Vec::new();
        let mut pairs = Vec::new();
        for (index, rule) in rules.into_iter().enumerate() {
            patterns.push(rule.pattern);
            for trigger in rule.triggers {
                debug_assert!(
                    !trigger.bytes().any(|b| b.is_ascii_uppercase()),
                    "trigger {trigger:?} is not lowercase"
                );
                pairs.push((*trigger, index));
            }
        }
        // Rules share triggers (`rm`, `pass`): each is searched once.
        pairs.sort_unstable();
        pairs.dedup();
        let mut triggers: Vec<Trigger> = Vec::new();
        for (literal, index) in pairs {
            match triggers.last_mut() {
                Some(last) if last.literal == literal => last.rules.push(index),
                _ => triggers.push(Trigger {
                    literal,
                    word_start: word_start
                        && literal
                            .as_bytes()
                            .first()
                            .is_some_and(u8::is_ascii_alphanumeric),
                    rules: vec![index],
                }),
            }
        }
        let compiled = patterns.iter().map(|_| OnceLock::new()).collect();
        GuardedSet {
            patterns,
            triggers,
            compiled,
        }
    }

    /// Indices of the rules matching `text`, ascending.
    pub fn matches(&self, text: &[u8]) -> Vec<usize> {
        // Triggers are lowercase: one lowercase copy, and only if needed.
        let lower = if text.iter().any(u8::is_ascii_uppercase) {
            Cow::Owned(text.to_ascii_lowercase())
        } else {
            Cow::Borrowed(text)
        };
        let mut candidate = vec![false; self.patterns.len()];
        let mut any = false;
        for trigger in &self.triggers {
            if trigger.rules.iter().all(|&r| candidate[r]) {
                continue;
            }
            if occurs(&lower, trigger.literal.as_bytes(), trigger.word_start) {
                for &r in &trigger.rules {
                    candidate[r] = true;
                }
                any = true;
            }
        }
        if !any {
            return Vec::new();
        }
        candidate
            .iter()
            .enumerate()
            .filter(|(i, c)| **c && self.regex(*i).is_match(text))
            .map(|(i, _)| i)
            .collect()
    }

    fn regex(&self, index: usize) -> &Regex {
        self.compiled[index]
            .get_or_init(|| Regex::new(self.patterns[index]).expect("rule patterns are valid"))
    }

    /// Compiles every pattern (for tests: every rule must be valid).
    pub fn compile_all(&self) {
        for i in 0..self.patterns.len() {
            self.regex(i);
        }
    }

    /// Every rule whose regex matches, triggers or not: for tests, which
    /// check that no trigger hides a match.
    #[cfg(test)]
    pub fn matches_unguarded(&self, text: &[u8]) -> Vec<usize> {
        (0..self.patterns.len())
            .filter(|&i| self.regex(i).is_match(text))
            .collect()
    }
}

/// Whether `literal` occurs in `text`, at the start of a word if asked.
/// Occurrences may overlap (`a-a` twice in `ba-a-a`), so each is tried.
fn occurs(text: &[u8], literal: &[u8], word_start: bool) -> bool {
    let finder = memmem::Finder::new(literal);
    let mut from = 0;
    while let Some(found) = text.get(from..).and_then(|rest| finder.find(rest)) {
        let at = from + found;
        if !word_start || at == 0 || !text[at - 1].is_ascii_alphanumeric() {
            return true;
        }
        from = at + 1;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::{occurs, Guarded, GuardedSet};

    fn set(word_start: bool) -> GuardedSet {
        let rules = [
            Guarded {
                pattern: r"(?-u)\brm\s+-rf",
                triggers: &["rm"],
            },
            Guarded {
                pattern: r"(?-u)(?i)token=\S",
                triggers: &["token", "token"],
            },
            Guarded {
                pattern: r"(?-u)\brm\b",
                triggers: &["rm", "a-a"],
            },
        ];
        GuardedSet::new(rules, word_start)
    }

    #[test]
    fn triggers_gate_the_rules_in_any_letter_case() {
        let any = set(false);
        assert_eq!(any.matches(b"RM -rf build"), Vec::<usize>::new());
        assert_eq!(any.matches(b"rm -rf build"), [0, 2]);
        assert_eq!(any.matches(b"export TOKEN=x"), [1]);
        assert_eq!(any.matches(b"ls"), Vec::<usize>::new());
        // Each distinct trigger is searched once, for every rule it guards.
        let guarded = |literal: &str| {
            let mut found = any.triggers.iter().filter(|t| t.literal == literal);
            let rules = found.next().map(|t| t.rules.clone());
            assert!(found.next().is_none(), "{literal} twice");
            rules
        };
        assert_eq!(guarded("token"), Some(vec![1]));
        assert_eq!(guarded("rm"), Some(vec![0, 2]));
    }

    #[test]
    fn word_start_triggers_skip_letters_before_them() {
        assert!(!occurs(b"confirm", b"rm", true));
        assert!(occurs(b"confirm", b"rm", false));
        assert!(occurs(b"confirm; rm x", b"rm", true));
        assert!(occurs(b"rm", b"rm", true));
        // The first occurrence follows a letter, the overlapping second a `-`.
        assert!(occurs(b"ba-a-a", b"a-a", true));
        assert!(!occurs(b"ba-a", b"a-a", true));
        assert!(!occurs(b"", b"rm", false));
        let words = set(true);
        assert_eq!(words.matches(b"confirm -rf"), Vec::<usize>::new());
        assert_eq!(words.matches(b"sudo rm -rf /tmp/x"), [0, 2]);
    }
}
