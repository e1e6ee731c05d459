//! The recovery phrase: 24 BIP39 English words that encode 32 bytes of entropy.
//!
//! Parsing normalizes what people type (trim, lowercase, one space between
//! words) and then checks, in this order, the word count, every word, and the
//! checksum, so each mistake gets its own error.

use std::fmt;

use bip39::Language;
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

use crate::CryptoError;

/// Words in a recovery phrase.
pub const PHRASE_WORDS: usize = 24;
/// Bytes of entropy a phrase encodes.
pub const ENTROPY_LEN: usize = 32;
/// Longest input `Phrase::parse` reads. A real phrase is at most 215 characters;
/// the rest is room for stray whitespace.
pub const MAX_PHRASE_INPUT: usize = 4096;

const BITS_PER_WORD: usize = 11;
const WORD_MASK: usize = (1 << BITS_PER_WORD) - 1;

/// A valid, normalized recovery phrase. Zeroized on drop, never printed by `Debug`.
pub struct Phrase {
    normalized: Zeroizing<String>,
}

impl Phrase {
    /// A new phrase from 32 bytes of OS randomness.
    pub fn generate() -> Result<Self, CryptoError> {
        let mut entropy = Zeroizing::new([0u8; ENTROPY_LEN]);
        getrandom::fill(entropy.as_mut()).map_err(|_| CryptoError::RandomnessUnavailable)?;
        Ok(Self::from_entropy(&entropy))
    }

    /// The phrase that encodes `entropy`: 256 bits plus the first 8 bits of
    /// SHA-256(entropy) as checksum, cut into 24 indices of 11 bits.
    pub fn from_entropy(entropy: &[u8; ENTROPY_LEN]) -> Self {
        let checksum = Sha256::digest(entropy);
        let mut bits = Zeroizing::new([0u8; ENTROPY_LEN + 1]);
        bits[..ENTROPY_LEN].copy_from_slice(entropy);
        bits[ENTROPY_LEN] = checksum[0];

        let words = Language::English.word_list();
        let mut normalized = Zeroizing::new(String::with_capacity(PHRASE_WORDS * 9));
        for position in 0..PHRASE_WORDS {
            let index = read_bits(bits.as_ref(), position * BITS_PER_WORD);
            if position > 0 {
                normalized.push(' ');
            }
            normalized.push_str(words[index & WORD_MASK]);
        }
        Self { normalized }
    }

    /// Parses what a person typed: normalizes it, then checks word count,
    /// words and checksum.
    pub fn parse(input: &str) -> Result<Self, CryptoError> {
        if input.len() > MAX_PHRASE_INPUT {
            return Err(CryptoError::InputTooLarge {
                len: input.len(),
                max: MAX_PHRASE_INPUT,
            });
        }
        let normalized = Zeroizing::new(normalize(input));
        let count = normalized.split(' ').filter(|w| !w.is_empty()).count();
        if count != PHRASE_WORDS {
            return Err(CryptoError::InvalidWordCount(count));
        }

        let mut bits = Zeroizing::new([0u8; ENTROPY_LEN + 1]);
        for (position, word) in normalized.split(' ').enumerate() {
            let index =
                Language::English
                    .find_word(word)
                    .ok_or_else(|| CryptoError::UnknownWord {
                        word: word.to_owned(),
                        position: position + 1,
                    })?;
            write_bits(bits.as_mut(), position * BITS_PER_WORD, usize::from(index));
        }

        let (entropy, checksum) = bits.split_at(ENTROPY_LEN);
        if checksum.first() != Sha256::digest(entropy).first() {
            return Err(CryptoError::InvalidChecksum);
        }
        Ok(Self { normalized })
    }

    /// The normalized phrase: 24 lowercase words separated by single spaces.
    pub fn expose_secret(&self) -> &str {
        &self.normalized
    }

    /// The 32 bytes of entropy the phrase encodes.
    pub fn to_entropy(&self) -> Zeroizing<[u8; ENTROPY_LEN]> {
        let mut bits = Zeroizing::new([0u8; ENTROPY_LEN + 1]);
        for (position, word) in self.normalized.split(' ').enumerate() {
            // A `Phrase` only exists once every word was found.
            let index = Language::English.find_word(word).unwrap_or_default();
            write_bits(bits.as_mut(), position * BITS_PER_WORD, usize::from(index));
        }
        let mut entropy = Zeroizing::new([0u8; ENTROPY_LEN]);
        entropy.copy_from_slice(&bits[..ENTROPY_LEN]);
        entropy
    }
}

impl fmt::Debug for Phrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Phrase(..)")
    }
}

/// Whether `word` (lowercase) is in the BIP39 English word list: lets a
/// prompt check each word as it is typed, before all 24 are there.
pub fn is_word(word: &str) -> bool {
    Language::English.find_word(word).is_some()
}

/// Trim, lowercase, and make every run of whitespace one space.
pub fn normalize(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for word in input.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        let mut lower = word.to_lowercase();
        out.push_str(&lower);
        lower.zeroize();
    }
    out
}

/// The 11 bits starting at bit `start` of `bytes` (big-endian), or fewer if
/// `bytes` ends first.
fn read_bits(bytes: &[u8], start: usize) -> usize {
    (0..BITS_PER_WORD).fold(0, |acc, i| {
        let bit = start + i;
        let byte = bytes.get(bit / 8).copied().unwrap_or(0);
        (acc << 1) | usize::from((byte >> (7 - bit % 8)) & 1)
    })
}

/// Writes the low 11 bits of `value` at bit `start` of `bytes` (big-endian);
/// bits past the end are dropped.
fn write_bits(bytes: &mut [u8], start: usize, value: usize) {
    for i in 0..BITS_PER_WORD {
        let bit = start + i;
        if (value >> (BITS_PER_WORD - 1 - i)) & 1 == 1 {
            if let Some(byte) = bytes.get_mut(bit / 8) {
                *byte |= 1 << (7 - bit % 8);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_word_knows_the_list_and_nothing_else() {
        assert!(is_word("abandon") && is_word("zoo"));
        assert!(!is_word("zebrra") && !is_word("Abandon") && !is_word(""));
    }

    #[test]
    fn normalize_trims_lowercases_and_collapses_whitespace() {
        assert_eq!(
            normalize("  Abandon\t\tABOUT \n zoo  "),
            "abandon about zoo"
        );
        assert_eq!(normalize(""), "");
        assert_eq!(normalize(" \t\n"), "");
    }

    #[test]
    fn entropy_round_trips_through_the_phrase() {
        let entropy: [u8; 32] = std::array::from_fn(|i| (i * 37 + 11) as u8);
        let phrase = Phrase::from_entropy(&entropy);
        let parsed = Phrase::parse(phrase.expose_secret()).expect("own phrase parses");
        assert_eq!(*parsed.to_entropy(), entropy);
    }

    #[test]
    fn debug_hides_the_words() {
        let phrase = Phrase::from_entropy(&[0; 32]);
        assert_eq!(format!("{phrase:?}"), "Phrase(..)");
    }
}
