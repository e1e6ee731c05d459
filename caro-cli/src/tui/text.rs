//! A query compiled for one search mode: how it matches a command, and the
//! characters any match must hold, so that most commands are passed over
//! with one AND of two 128-bit sets before `nucleo` (or a substring search)
//! looks at them.

use nucleo_matcher::pattern::{AtomKind, CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Matcher, Utf32Str};

use crate::store::SearchMode;

/// A query compiled for one search mode.
pub struct TextMatch {
    how: How,
    /// [`needed`]: the characters every match holds.
    pub needs: u128,
}

enum How {
    All,
    /// Lower-cased words, each a substring (ASCII case ignored).
    Words(Vec<String>),
    Prefix(String),
    Fuzzy(Pattern),
}

impl TextMatch {
    pub fn new(query: &str, mode: SearchMode) -> Self {
        let how = match mode {
            _ if query.trim().is_empty() => How::All,
            SearchMode::FullText => How::Words(
                query
                    .split_whitespace()
                    .map(str::to_ascii_lowercase)
                    .collect(),
            ),
            SearchMode::Prefix => How::Prefix(query.to_ascii_lowercase()),
            SearchMode::Fuzzy => How::Fuzzy(Pattern::new(
                query,
                CaseMatching::Smart,
                Normalization::Smart,
                AtomKind::Fuzzy,
            )),
        };
        let needs = match &how {
            How::All => 0,
            How::Words(words) => needed(words.iter().flat_map(|w| w.chars())),
            How::Prefix(prefix) => needed(prefix.chars()),
            // What nucleo matches: each word's needle, escapes resolved.
            How::Fuzzy(pattern) => {
                needed(pattern.atoms.iter().flat_map(|a| a.needle_text().chars()))
            }
        };
        TextMatch { how, needs }
    }

    pub fn is_all(&self) -> bool {
        matches!(self.how, How::All)
    }

    /// `None`: no match; else the match's share of the ranking.
    pub fn score(&self, command: &str, matcher: &mut Matcher, buf: &mut Vec<char>) -> Option<f64> {
        match &self.how {
            How::All => Some(0.0),
            How::Words(words) => words
                .iter()
                .all(|w| contains_ignore_ascii_case(command, w))
                .then_some(0.0),
            How::Prefix(prefix) => command
                .get(..prefix.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
                .then_some(0.0),
            How::Fuzzy(pattern) => pattern
                .score(Utf32Str::new(command, buf), matcher)
                .map(|s| f64::from(s) / 10.0),
        }
    }
}

fn contains_ignore_ascii_case(haystack: &str, lower_needle: &str) -> bool {
    let needle = lower_needle.as_bytes();
    if needle.is_empty() {
        return true;
    }
    haystack
        .as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

/// The ASCII characters `text` holds, lowercased, one bit each; every bit
/// when it holds others, which `nucleo` may match to ASCII ones (`é` to `e`).
pub fn char_set(text: &str) -> u128 {
    if !text.is_ascii() {
        return u128::MAX;
    }
    text.bytes()
        .fold(0, |set, b| set | 1 << b.to_ascii_lowercase())
}

/// The ASCII characters of `chars`, lowercased, one bit each: a command
/// must hold each of them to match.
fn needed(chars: impl Iterator<Item = char>) -> u128 {
    chars
        .filter(char::is_ascii)
        .fold(0, |set, c| set | 1 << (c.to_ascii_lowercase() as u32))
}
