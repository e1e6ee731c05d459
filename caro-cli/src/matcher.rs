//! Rule sets whose regexes are compiled only when needed.
//!
//! Compiling every risk and secret regex costs milliseconds, more than the
//! rest of `caro history add`. So each rule names literal triggers, one of
//! which must occur in any text the rule can match; finding the triggers in
//! a text finds the rules worth running, and only their regexes are compiled
//! (once per process).
//!
//! How the triggers are found depends on how many texts the process checks.
//! `history add` checks one to three: each distinct trigger is searched for
//! on its own (`memchr::memmem`, a few hundred instructions over a command),
//! since building one Aho-Corasick automaton of them all cost more than the
//! rest of an add but SQLite. An import checks thousands: after
//! [`SEARCHES_ALONE`] texts the automaton is built, and each text is one
//! pass.

use std::borrow::Cow;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, MatchKind as TriggerMatchKind};
use memchr::memmem;
use regex_automata::meta::{self, Regex};
use regex_automata::util::syntax;
use regex_automata::MatchKind;

/// A rule as the matcher sees it.
pub struct Guarded {
    /// A byte regex (`regex` syntax).
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

/// Texts a set searches trigger by trigger before it builds an automaton.
pub const SEARCHES_ALONE: usize = 16;

/// Finds which rules of a fixed list match a text.
pub struct GuardedSet {
    patterns: Vec<&'static str>,
    triggers: Vec<Trigger>,
    /// How many texts were searched.
    searched: AtomicUsize,
    /// Every trigger, pattern `i` being `triggers[i]`.
    automaton: OnceLock<AhoCorasick>,
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
            searched: AtomicUsize::new(0),
            automaton: OnceLock::new(),
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
        let candidate = if self.searched.fetch_add(1, Ordering::Relaxed) < SEARCHES_ALONE {
            self.candidates_one_by_one(&lower)
        } else {
            self.candidates_in_one_pass(&lower)
        };
        candidate
            .iter()
            .enumerate()
            .filter(|(i, c)| **c && self.regex(*i).is_match(text))
            .map(|(i, _)| i)
            .collect()
    }

    /// The rules one of whose triggers occurs in `lower`, each trigger
    /// searched for on its own.
    fn candidates_one_by_one(&self, lower: &[u8]) -> Vec<bool> {
        let mut candidate = vec![false; self.patterns.len()];
        for trigger in &self.triggers {
            if trigger.rules.iter().all(|&r| candidate[r]) {
                continue;
            }
            if occurs(lower, trigger.literal.as_bytes(), trigger.word_start) {
                for &r in &trigger.rules {
                    candidate[r] = true;
                }
            }
        }
        candidate
    }

    /// The same as [`Self::candidates_one_by_one`], in one automaton pass.
    fn candidates_in_one_pass(&self, lower: &[u8]) -> Vec<bool> {
        let automaton = self.automaton.get_or_init(|| {
            AhoCorasick::builder()
                // Every occurrence, so that one failing the word-start test
                // does not hide another that passes.
                .match_kind(TriggerMatchKind::Standard)
                .build(self.triggers.iter().map(|t| t.literal))
                .expect("rule triggers build an automaton")
        });
        let mut candidate = vec![false; self.patterns.len()];
        for m in automaton.find_overlapping_iter(lower) {
            let trigger = &self.triggers[m.pattern().as_usize()];
            if !trigger.word_start || starts_word(lower, m.start()) {
                for &r in &trigger.rules {
                    candidate[r] = true;
                }
            }
        }
        candidate
    }

    fn regex(&self, index: usize) -> &Regex {
        self.compiled[index].get_or_init(|| compile(self.patterns[index]))
    }

    /// Compiles every pattern (for tests: every rule must be valid).
    pub fn compile_all(&self) {
        for i in 0..self.patterns.len() {
            self.regex(i);
        }
    }

    /// Every rule whose regex matches, triggers or not: for tests, which
    /// check that no trigger hides a match, whichever way triggers are found.
    #[cfg(test)]
    pub fn matches_unguarded(&self, text: &[u8]) -> Vec<usize> {
        let lower = text.to_ascii_lowercase();
        assert_eq!(
            self.candidates_one_by_one(&lower),
            self.candidates_in_one_pass(&lower),
            "the two trigger searches disagree on {:?}",
            String::from_utf8_lossy(text)
        );
        (0..self.patterns.len())
            .filter(|&i| self.regex(i).is_match(text))
            .collect()
    }
}

/// A rule's regex as `regex::bytes::Regex::new` builds it, less the
/// literal prefilter: finding a prefilter's literals was a third of what
/// compiling the `rm` rules cost, and the texts are short (and their
/// literals checked already, by the triggers).
fn compile(pattern: &str) -> Regex {
    let config = meta::Config::new()
        .match_kind(MatchKind::LeftmostFirst)
        .utf8_empty(false)
        .nfa_size_limit(Some(10 << 20))
        .hybrid_cache_capacity(2 << 20)
        .auto_prefilter(false);
    meta::Builder::new()
        .configure(config)
        .syntax(syntax::Config::new().utf8(false))
        .build(pattern)
        .expect("rule patterns are valid")
}

/// Whether position `at` of `text` does not follow a letter or digit.
fn starts_word(text: &[u8], at: usize) -> bool {
    at == 0 || !text[at - 1].is_ascii_alphanumeric()
}

/// Whether `literal` occurs in `text`, at the start of a word if asked.
/// Occurrences may overlap (`a-a` twice in `ba-a-a`), so each is tried.
fn occurs(text: &[u8], literal: &[u8], word_start: bool) -> bool {
    let finder = memmem::Finder::new(literal);
    let mut from = 0;
    while let Some(found) = text.get(from..).and_then(|rest| finder.find(rest)) {
        let at = from + found;
        if !word_start || starts_word(text, at) {
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

    /// Past the first texts the automaton answers, and agrees.
    #[test]
    fn one_pass_agrees_with_one_by_one() {
        let texts: [&[u8]; 6] = [b"rm -rf x", b"confirm", b"ba-a-a", b"ba-a", b"token=1", b""];
        for word_start in [false, true] {
            let set = set(word_start);
            for text in texts {
                assert_eq!(
                    set.candidates_one_by_one(text),
                    set.candidates_in_one_pass(text),
                    "{}",
                    String::from_utf8_lossy(text)
                );
            }
            let first = set.matches(b"rm -rf x");
            for _ in 0..super::SEARCHES_ALONE {
                set.matches(b"ls");
            }
            assert_eq!(set.matches(b"rm -rf x"), first);
        }
    }
}
