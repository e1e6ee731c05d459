//! Recovery phrases inside a command: a run of 12, 15, 18, 21 or 24 BIP39
//! English words whose checksum is valid (`echo '<24 words>' | caro sync join`).
//!
//! A checksum is only computed where at least 12 consecutive words are in the
//! wordlist, which ordinary commands almost never have ("the", "git", "and"
//! are not BIP39 words). The valid checksum is what keeps a sentence of
//! wordlist words from being refused: a random 12-word window passes with
//! odds of 1 in 16, a 24-word one 1 in 256. So only the windows a pasted
//! phrase can fill are checked, not every window of a long run: the whole
//! run, give or take up to two wordlist words at either end (`echo` before
//! the phrase is one).

use bip39::{Language, Mnemonic};
use zeroize::Zeroizing;

/// The word counts BIP39 defines.
const PHRASE_LENGTHS: [usize; 5] = [12, 15, 18, 21, 24];

/// Wordlist words a run may have around the phrase, at each end.
const SLACK: usize = 2;

/// Whether `text` holds a BIP39 English phrase with a valid checksum.
pub fn holds_phrase(text: &str) -> bool {
    // Most commands have fewer than 12 words of any kind: no lookups at all.
    let pieces = text.split(is_separator).filter(|p| !p.is_empty());
    if pieces.take(PHRASE_LENGTHS[0]).count() < PHRASE_LENGTHS[0] {
        return false;
    }
    let mut run = Zeroizing::new(Vec::<u16>::new());
    for piece in text.split(is_separator).filter(|p| !p.is_empty()) {
        if is_enumeration(piece) {
            continue;
        }
        match wordlist_index(piece) {
            Some(index) => run.push(index),
            None => {
                if run_holds_phrase(&run) {
                    return true;
                }
                run.clear();
            }
        }
    }
    run_holds_phrase(&run)
}

/// What may stand between two words of a pasted phrase.
fn is_separator(c: char) -> bool {
    c.is_ascii_whitespace() || matches!(c, '\'' | '"' | ',' | '`')
}

/// "1." or "12)": the numbers of a phrase copied as a numbered list.
fn is_enumeration(piece: &str) -> bool {
    let digits = piece.trim_end_matches(['.', ')', ':']);
    !digits.is_empty() && digits.len() <= 2 && digits.bytes().all(|b| b.is_ascii_digit())
}

/// The word's index in the English list, in any letter case.
fn wordlist_index(piece: &str) -> Option<u16> {
    // English BIP39 words are 3 to 8 lowercase ASCII letters.
    if !(3..=8).contains(&piece.len()) || !piece.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let mut lower = Zeroizing::new([0u8; 8]);
    let lower = &mut lower[..piece.len()];
    lower.copy_from_slice(piece.as_bytes());
    lower.make_ascii_lowercase();
    Language::English.find_word(std::str::from_utf8(lower).ok()?)
}

/// Whether a window of a BIP39 length at (or within `SLACK` words of) both
/// ends of `run` has a valid checksum.
fn run_holds_phrase(run: &[u16]) -> bool {
    if run.len() < PHRASE_LENGTHS[0] {
        return false;
    }
    let words = Language::English.word_list();
    let mut candidate = Zeroizing::new(String::with_capacity(24 * 9));
    let starts = 0..=SLACK.min(run.len());
    starts.into_iter().any(|start| {
        let ends = run.len().saturating_sub(SLACK).max(start)..=run.len();
        ends.into_iter()
            .filter(|end| PHRASE_LENGTHS.contains(&(end - start)))
            .any(|end| {
                candidate.clear();
                for (i, &index) in run[start..end].iter().enumerate() {
                    if i > 0 {
                        candidate.push(' ');
                    }
                    candidate.push_str(words[usize::from(index)]);
                }
                Mnemonic::parse_in_normalized(Language::English, &candidate).is_ok()
            })
    })
}
