//! The recovery phrase as `caro sync join` reads it: typed at a hidden
//! prompt, piped in, or from a private file; with or without the numbers
//! `init` shows (`1. abandon 2. ability …`, `1 abandon`, rows copied from its
//! grid), over one line or several.
//!
//! A mistyped word is named by its position. The word itself is shown only
//! where nobody else reads it: in the prompt on the terminal, or in an error
//! when stderr is a terminal, never in a log. On a terminal a missing rest is
//! asked for and a mistake re-prompted, instead of failing the join.

use std::fs::File;
use std::io::{IsTerminal, Read};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use crypto_core::mnemonic::{is_word, PHRASE_WORDS};
use crypto_core::{CryptoError, Phrase};
use zeroize::Zeroizing;

use crate::escape::for_terminal;

/// The most a phrase read from stdin or a file may be.
const MAX_PHRASE_BYTES: u64 = 4096;

/// One word as typed, with the number written before it, if any.
struct Word {
    number: Option<usize>,
    text: Zeroizing<String>,
}

/// What the words typed so far amount to (no Debug: it may hold the phrase).
enum Check {
    /// All 24 words, in order, one space apart (the checksum is not checked yet).
    Complete(Zeroizing<String>),
    /// Fewer than 24 words, all of them in the word list.
    Incomplete(usize),
    /// The word at this position (1-based) is not in the word list.
    Unknown { position: usize, word: String },
    /// Numbers that do not make an order, or too many words.
    Malformed(String),
}

/// The phrase from a hidden prompt on the terminal, asking until it is whole
/// and valid (an empty line or Ctrl-D gives up).
pub fn prompt_on_terminal() -> Result<Phrase> {
    let mut words: Vec<Word> = Vec::new();
    let mut fixing: Option<usize> = None;
    let mut prompt = format!(
        "Recovery phrase ({PHRASE_WORDS} words, numbered or not, on one line or several; \
         input hidden): "
    );
    loop {
        let line = match rpassword::prompt_password(&prompt) {
            Ok(line) if !line.trim().is_empty() => Zeroizing::new(line),
            Ok(_) => bail!("{}", given_up(&words)),
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                bail!("{}", given_up(&words))
            }
            Err(e) => return Err(e).context("cannot read the phrase from the terminal"),
        };
        let typed = match split_numbered(&line) {
            Ok(typed) => typed,
            Err(problem) => {
                words.clear();
                fixing = None;
                prompt = format!("{problem}. Type the whole phrase again: ");
                continue;
            }
        };
        // One word answers the question; more are the rest of a paste.
        match fixing.take() {
            Some(position) if is_answer(&typed, position) => {
                replace_word(&mut words, position, typed);
            }
            _ => words.extend(typed),
        }
        prompt = match check(&words) {
            Check::Complete(text) => match Phrase::parse(&text) {
                Ok(phrase) => return Ok(phrase),
                Err(e) => {
                    words.clear();
                    format!("{}. Type the whole phrase again: ", describe(e, true))
                }
            },
            Check::Incomplete(n) => format!("{n} of {PHRASE_WORDS} words so far; the rest: "),
            Check::Unknown { position, word } => {
                fixing = Some(position);
                format!(
                    "Word {position}, \"{}\", is not in the BIP39 English word list. \
                     Type word {position} again: ",
                    for_terminal(&word)
                )
            }
            Check::Malformed(problem) => {
                words.clear();
                format!("{problem}. Type the whole phrase again: ")
            }
        };
    }
}

/// The phrase from all of stdin (a pipe or a file).
pub fn from_stdin() -> Result<Phrase> {
    let mut text = Zeroizing::new(String::new());
    std::io::stdin()
        .take(MAX_PHRASE_BYTES)
        .read_to_string(&mut text)
        .context("cannot read the phrase from stdin")?;
    if text.trim().is_empty() {
        bail!(
            "no recovery phrase on stdin: pipe in the {PHRASE_WORDS} words, pass \
             --phrase-file PATH, or run `caro sync join` in a terminal"
        );
    }
    parse_all(&text)
}

/// The phrase from `path`, which only its owner may read.
pub fn from_file(path: &Path) -> Result<Phrase> {
    let cannot = || format!("cannot read the phrase file {}", path.display());
    let file = File::open(path).with_context(cannot)?;
    let meta = file.metadata().with_context(cannot)?;
    if !meta.is_file() {
        bail!("the phrase file {} is not a regular file", path.display());
    }
    let mode = meta.permissions().mode();
    if mode & 0o077 != 0 {
        bail!(
            "the phrase file {} has mode {:04o}, so other users may read your recovery phrase; \
             caro will not use it. Run `chmod 600 {}` (and if someone else may have read it, \
             set up sync again with a new phrase)",
            path.display(),
            mode & 0o7777,
            path.display()
        );
    }
    let mut text = Zeroizing::new(String::new());
    file.take(MAX_PHRASE_BYTES)
        .read_to_string(&mut text)
        .with_context(cannot)?;
    parse_all(&text).with_context(|| format!("in the phrase file {}", path.display()))
}

/// All of `text` as one phrase.
fn parse_all(text: &str) -> Result<Phrase> {
    let words = split_numbered(text).map_err(|problem| anyhow!("{problem}"))?;
    match check(&words) {
        Check::Complete(text) => {
            Phrase::parse(&text).map_err(|e| anyhow!("{}", describe(e, stderr_is_private())))
        }
        Check::Incomplete(n) => {
            bail!("a recovery phrase has {PHRASE_WORDS} words; this one has {n}")
        }
        Check::Unknown { position, word } => bail!(
            "{}",
            describe(
                CryptoError::UnknownWord { word, position },
                stderr_is_private()
            )
        ),
        Check::Malformed(problem) => bail!("{problem}"),
    }
}

/// Whether an error message may quote a mistyped word: stderr is a terminal,
/// not a file or a pipe into a log.
fn stderr_is_private() -> bool {
    std::io::stderr().is_terminal()
}

/// What is wrong with the phrase; the mistyped word only with `show_word`.
fn describe(err: CryptoError, show_word: bool) -> String {
    match err {
        CryptoError::UnknownWord { word, position } if show_word => format!(
            "word {position} of the recovery phrase, \"{}\", is not in the BIP39 English word \
             list; check its spelling",
            for_terminal(&word)
        ),
        CryptoError::UnknownWord { position, .. } => format!(
            "word {position} of the recovery phrase is not in the BIP39 English word list; \
             check its spelling"
        ),
        CryptoError::InvalidWordCount(n) => {
            format!("a recovery phrase has {PHRASE_WORDS} words; this one has {n}")
        }
        CryptoError::InvalidChecksum => "the recovery phrase's checksum does not match: \
             a word is wrong or two are swapped"
            .to_string(),
        other => format!("invalid recovery phrase: {other}"),
    }
}

/// Splits typed text into words, each with the number before it (`7.`,
/// `7)`, `7:`, `7`, or attached as in `7.zoo`). Lowercases the words.
fn split_numbered(text: &str) -> Result<Vec<Word>, String> {
    let mut words = Vec::new();
    let mut number: Option<usize> = None;
    for token in text.split_whitespace() {
        let digits = token.len() - token.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let rest = if digits > 0 {
            if let Some(previous) = number {
                return Err(format!("number {previous} is not followed by a word"));
            }
            let n = token[..digits]
                .parse()
                .map_err(|_| format!("\"{}\" is not a word number", &token[..digits]))?;
            number = Some(n);
            let rest = &token[digits..];
            rest.strip_prefix(['.', ')', ':']).unwrap_or(rest)
        } else {
            token
        };
        if !rest.is_empty() {
            words.push(Word {
                number: number.take(),
                text: Zeroizing::new(rest.to_lowercase()),
            });
        }
    }
    match number {
        Some(n) => Err(format!("number {n} is not followed by a word")),
        None => Ok(words),
    }
}

/// The words in order (by their numbers when they have them), and what they
/// amount to.
fn check(words: &[Word]) -> Check {
    let numbered = words.iter().filter(|w| w.number.is_some()).count();
    if numbered != 0 && numbered != words.len() {
        return Check::Malformed(
            "some words are numbered and some are not: type all with their numbers, or none"
                .to_string(),
        );
    }
    if numbered == 0 && words.len() > PHRASE_WORDS {
        return Check::Malformed(format!(
            "a recovery phrase has {PHRASE_WORDS} words; this one has {}",
            words.len()
        ));
    }
    let mut at: Vec<(usize, &Word)> = Vec::with_capacity(words.len());
    for (index, word) in words.iter().enumerate() {
        let position = word.number.unwrap_or(index + 1);
        if !(1..=PHRASE_WORDS).contains(&position) {
            return Check::Malformed(format!(
                "words are numbered 1 to {PHRASE_WORDS}; {position} is not"
            ));
        }
        if at.iter().any(|(p, _)| *p == position) {
            return Check::Malformed(format!("word {position} is there twice"));
        }
        at.push((position, word));
    }
    at.sort_by_key(|(position, _)| *position);
    if let Some((position, word)) = at.iter().find(|(_, w)| !is_word(&w.text)) {
        return Check::Unknown {
            position: *position,
            word: word.text.to_string(),
        };
    }
    if at.len() < PHRASE_WORDS {
        return Check::Incomplete(at.len());
    }
    let mut text = Zeroizing::new(String::with_capacity(PHRASE_WORDS * 9));
    for (i, (_, word)) in at.iter().enumerate() {
        if i > 0 {
            text.push(' ');
        }
        text.push_str(&word.text);
    }
    Check::Complete(text)
}

/// Why the prompt ends without a phrase.
fn given_up(words: &[Word]) -> String {
    match words.len() {
        0 => "no recovery phrase typed; nothing changed".to_string(),
        n => format!(
            "the recovery phrase is incomplete ({n} of {PHRASE_WORDS} words); nothing changed"
        ),
    }
}

/// Whether `typed` is one word for `position` (with its number or none).
fn is_answer(typed: &[Word], position: usize) -> bool {
    matches!(typed, [word] if word.number.is_none_or(|n| n == position))
}

/// Puts the word typed for `position` in its place.
fn replace_word(words: &mut [Word], position: usize, typed: Vec<Word>) {
    let numbered = words.iter().any(|w| w.number.is_some());
    let slot = if numbered {
        words.iter_mut().find(|w| w.number == Some(position))
    } else {
        words.get_mut(position - 1)
    };
    if let (Some(slot), Some(word)) = (slot, typed.into_iter().next()) {
        slot.text = word.text;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fixed valid phrase, so every run tests the same words.
    fn phrase() -> Phrase {
        Phrase::from_entropy(&std::array::from_fn(|i| (i as u8).wrapping_mul(29) ^ 0x33))
    }

    fn words_of(phrase: &Phrase) -> Vec<String> {
        phrase
            .expose_secret()
            .split(' ')
            .map(str::to_string)
            .collect()
    }

    fn parses_to(text: &str, expected: &Phrase) {
        let parsed = parse_all(text).unwrap_or_else(|e| panic!("{text:?}: {e:#}"));
        assert_eq!(parsed.expose_secret(), expected.expose_secret());
    }

    #[test]
    fn plain_numbered_and_multi_line_input_give_the_same_phrase() {
        let phrase = phrase();
        let words = words_of(&phrase);
        parses_to(&words.join(" "), &phrase);
        parses_to(
            &format!("  {}\n{}\n", words[..12].join(" "), words[12..].join("\t")),
            &phrase,
        );
        let dotted: Vec<String> = (0..24)
            .map(|i| format!("{}. {}", i + 1, words[i]))
            .collect();
        parses_to(&dotted.join(" "), &phrase);
        let bare: Vec<String> = (0..24).map(|i| format!("{} {}", i + 1, words[i])).collect();
        parses_to(&bare.join("\n"), &phrase);
        let attached: Vec<String> = (0..24).map(|i| format!("{}){}", i + 1, words[i])).collect();
        parses_to(&attached.join(" "), &phrase);
        // init's grid, rows copied: "  1. w1  2. w2  3. w3  4. w4" …
        let grid: Vec<String> = (0..6)
            .map(|row| {
                (0..4)
                    .map(|col| row * 4 + col)
                    .map(|n| format!("{:>2}. {:<12}", n + 1, words[n]))
                    .collect::<String>()
            })
            .collect();
        parses_to(&grid.join("\n"), &phrase);
        // An old column-wise grid, copied row by row: the numbers put it right.
        let columns: Vec<String> = (0..6)
            .map(|row| {
                (0..4)
                    .map(|col| col * 6 + row)
                    .map(|n| format!("{}. {}", n + 1, words[n].to_uppercase()))
                    .collect::<Vec<_>>()
                    .join("  ")
            })
            .collect();
        parses_to(&columns.join("\n"), &phrase);
    }

    #[test]
    fn each_mistake_is_named_by_position() {
        let words = words_of(&phrase());
        let mut typo = words.clone();
        typo[6] = "zebrra".into();
        let quiet = format!("{:#}", parse_all(&typo.join(" ")).err().unwrap());
        assert!(
            quiet.starts_with("word 7 of the recovery phrase"),
            "{quiet}"
        );
        let text = typo.join(" ");
        let Check::Unknown { position, word } = check(&split_numbered(&text).unwrap()) else {
            panic!("not unknown")
        };
        assert_eq!((position, word.as_str()), (7, "zebrra"));
        assert!(!describe(CryptoError::UnknownWord { word, position }, false).contains("zebrra"));

        let numbered: Vec<String> = (0..24).map(|i| format!("{}. {}", i + 1, typo[i])).collect();
        let mut shuffled = numbered.clone();
        shuffled.reverse();
        let Check::Unknown { position, .. } = check(&split_numbered(&shuffled.join(" ")).unwrap())
        else {
            panic!("not unknown")
        };
        assert_eq!(position, 7, "numbered input reports the word's own number");

        let message = |text: &str| format!("{:#}", parse_all(text).err().unwrap());
        assert_eq!(
            message("abandon abandon abandon"),
            "a recovery phrase has 24 words; this one has 3"
        );
        assert!(message(&format!("{} zoo", words.join(" "))).contains("this one has 25"));
        assert!(message("1. abandon ability").contains("numbered and some are not"));
        assert!(message("1. abandon 1. ability").contains("word 1 is there twice"));
        assert!(message("25. abandon").contains("25 is not"));
        assert!(message("1. abandon 2.").contains("number 2 is not followed by a word"));
        let mut swapped = words.clone();
        swapped.swap(0, 1);
        assert!(message(&swapped.join(" ")).contains("checksum"));
    }

    #[test]
    fn a_retyped_word_takes_its_place() {
        let phrase = phrase();
        let words = words_of(&phrase);
        let mut typo = words.clone();
        typo[6] = "zebrra".into();
        let mut typed = split_numbered(&typo.join(" ")).unwrap();
        assert!(!is_answer(&split_numbered("two words").unwrap(), 7));
        assert!(!is_answer(&split_numbered("8. x").unwrap(), 7));
        assert!(is_answer(&split_numbered("7. x").unwrap(), 7));
        replace_word(&mut typed, 7, split_numbered(&words[6]).unwrap());
        let Check::Complete(text) = check(&typed) else {
            panic!("not complete")
        };
        assert_eq!(text.as_str(), phrase.expose_secret());
        assert!(matches!(
            check(&split_numbered(&words[..5].join(" ")).unwrap()),
            Check::Incomplete(5)
        ));
    }
}
