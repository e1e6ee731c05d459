//! Text that came from a user, a shell history, another device or the relay,
//! made safe to show a person: a recorded `printf '\e]0;pwned\a'` must not
//! retitle the terminal, and `rm -rf ~<CR>echo hi` must not display as
//! `echo hi`. [`for_terminal`] is the one function every field printed for a
//! person goes through (listings, devices, status, messages, errors); `--json`
//! output is exact, since serde escapes controls itself.
//!
//! It lives at the crate's root, not in `commands/`, because the sync layer's
//! person-facing lines (skipped records, `watch`) need it too and `sync/`
//! never imports `commands/`.

use std::borrow::Cow;
use std::fmt::Write;

/// `text` with every control character written out: ESC as `\e`, CR `\r`, LF
/// `\n`, TAB `\t`, other C0 controls and DEL as `\xNN`, C1 controls and the
/// bidirectional overrides (which reorder what a terminal shows) as `\u{NN}`.
/// Everything else, backslashes included, is left as it is, so ordinary
/// commands read exactly as typed.
pub fn for_terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\x1b' => out.push_str("\\e"),
            '\r' => out.push_str("\\r"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_ascii_control() => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c if needs_escape(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// C0, DEL, C1, and the bidirectional embeddings, overrides and isolates.
fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::for_terminal;

    #[test]
    fn ordinary_text_is_left_alone() {
        for text in ["git status", r"echo a\ b | grep 'x\n'", "café ☕ 日本", ""] {
            assert_eq!(for_terminal(text), text);
        }
    }

    #[test]
    fn every_control_is_written_out() {
        assert_eq!(for_terminal("\x1b]0;pwned\x07"), r"\e]0;pwned\x07");
        assert_eq!(for_terminal("rm -rf ~\recho hi"), r"rm -rf ~\recho hi");
        assert_eq!(for_terminal("a\nb\tc\x08d\x7f\0"), r"a\nb\tc\x08d\x7f\x00");
        assert_eq!(for_terminal("\u{9b}31m"), r"\u{9b}31m");
        assert_eq!(for_terminal("ls \u{202e}txt.exe"), r"ls \u{202e}txt.exe");
    }

    #[test]
    fn no_control_survives_any_input() {
        let every: String = (0u32..0x3000).filter_map(char::from_u32).collect();
        let shown = for_terminal(&every);
        assert!(!shown.chars().any(super::needs_escape), "{shown:?}");
    }
}
