//! Rule sets whose regexes are compiled only when needed.
//!
//! Compiling every risk and secret regex costs milliseconds, more than the
//! rest of `caro history add`. So each rule names literal triggers, one of
//! which must occur in any text the rule can match; one Aho-Corasick pass
//! finds the rules worth running, and only their regexes are compiled (once
//! per process).

use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use regex::bytes::Regex;

/// A rule as the matcher sees it.
pub struct Guarded {
    /// A byte regex.
    pub pattern: &'static str,
    /// Literals, compared ASCII-case-insensitively; at least one.
    pub triggers: &'static [&'static str],
}

/// Finds which rules of a fixed list match a text.
pub struct GuardedSet {
    patterns: Vec<&'static str>,
    triggers: AhoCorasick,
    /// Trigger index → rule index.
    trigger_rule: Vec<usize>,
    /// Whether a trigger must start a word (not follow a letter or digit).
    trigger_word_start: Vec<bool>,
    compiled: Vec<OnceLock<Regex>>,
}

impl GuardedSet {
    /// With `word_start`, a trigger that begins with a letter or digit only
    /// counts where it starts a word (`rm` in `rm -rf`, not in `confirm`).
    pub fn new(rules: impl IntoIterator<Item = Guarded>, word_start: bool) -> Self {
        let mut patterns = Vec::new();
        let mut literals = Vec::new();
        let mut trigger_rule = Vec::new();
        let mut trigger_word_start = Vec::new();
        for (index, rule) in rules.into_iter().enumerate() {
            patterns.push(rule.pattern);
            for trigger in rule.triggers {
                literals.push(*trigger);
                trigger_rule.push(index);
                let alnum = trigger
                    .as_bytes()
                    .first()
                    .is_some_and(u8::is_ascii_alphanumeric);
                trigger_word_start.push(word_start && alnum);
            }
        }
        let triggers = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            // Built once per process for one or a few texts: the quickest
            // automaton to build beats the quickest to search.
            .kind(Some(AhoCorasickKind::NoncontiguousNFA))
            .build(&literals)
            .expect("rule triggers build an automaton");
        let compiled = patterns.iter().map(|_| OnceLock::new()).collect();
        GuardedSet {
            patterns,
            triggers,
            trigger_rule,
            trigger_word_start,
            compiled,
        }
    }

    /// Indices of the rules matching `text`, ascending.
    pub fn matches(&self, text: &[u8]) -> Vec<usize> {
        let mut candidate = vec![false; self.patterns.len()];
        let mut any = false;
        for m in self.triggers.find_overlapping_iter(text) {
            let t = m.pattern().as_usize();
            if self.trigger_word_start[t]
                && m.start() > 0
                && text[m.start() - 1].is_ascii_alphanumeric()
            {
                continue;
            }
            candidate[self.trigger_rule[t]] = true;
            any = true;
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
}
