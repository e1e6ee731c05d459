//! bash: one command per line, optionally preceded by `#<epoch seconds>`
//! lines (HISTTIMEFORMAT). With timestamps, lines up to the next timestamp
//! belong to one command (multi-line commands saved with `lithist`).

use super::{lines, ParsedHistory};

pub fn parse(bytes: &[u8]) -> ParsedHistory {
    let mut out = ParsedHistory::default();
    let mut timestamp: Option<i64> = None;
    // The command being gathered after a timestamp line: (first line, bytes).
    let mut pending: Option<(usize, Vec<u8>)> = None;
    for (n, line) in lines(bytes) {
        if let Some(ts) = timestamp_line(line) {
            if let Some((start, text)) = pending.take() {
                out.push(&text, start, timestamp, None);
            }
            match ts {
                Some(secs) => {
                    timestamp = Some(secs * 1000);
                    pending = Some((n + 1, Vec::new()));
                }
                None => out.skip(n, "timestamp out of range"),
            }
            continue;
        }
        match &mut pending {
            Some((start, text)) => {
                if text.is_empty() {
                    *start = n;
                } else {
                    text.push(b'\n');
                }
                text.extend_from_slice(line);
            }
            None => out.push(line, n, timestamp, None),
        }
    }
    if let Some((start, text)) = pending {
        out.push(&text, start, timestamp, None);
    }
    out
}

/// `Some(Some(secs))` for `#1700000000`, `Some(None)` for a timestamp line
/// whose number is out of range, `None` for anything else (including
/// ordinary comments such as `# note`).
fn timestamp_line(line: &[u8]) -> Option<Option<i64>> {
    let digits = line.strip_prefix(b"#")?;
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let secs = std::str::from_utf8(digits).ok()?.parse::<i64>().ok();
    // Up to the year 9999.
    Some(secs.filter(|s| *s <= 253_402_300_799))
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn plain_lines() {
        let h = parse(b"ls -la\ngit status\n\ncargo build\n");
        let cmds: Vec<_> = h.commands.iter().map(|c| c.command.as_str()).collect();
        assert_eq!(cmds, ["ls -la", "git status", "cargo build"]);
        assert!(h.commands.iter().all(|c| c.timestamp_ms.is_none()));
        assert!(h.skipped.is_empty());
    }

    #[test]
    fn timestamped_and_multiline() {
        let h = parse(
            b"#1700000000\nls\n#1700000005\nfor i in 1 2; do\n  echo $i\ndone\n#1700000009\npwd\n",
        );
        assert_eq!(h.commands.len(), 3);
        assert_eq!(h.commands[0].timestamp_ms, Some(1_700_000_000_000));
        assert_eq!(h.commands[1].command, "for i in 1 2; do\n  echo $i\ndone");
        assert_eq!(h.commands[1].line, 4);
        assert_eq!(h.commands[2].command, "pwd");
    }

    #[test]
    fn invalid_utf8_and_nul_lines_are_skipped() {
        let h = parse(b"ls\n\xff\xfe bad\necho ok\nnul\0here\n");
        assert_eq!(h.commands.len(), 2);
        assert_eq!(h.skipped.len(), 2);
        assert_eq!(h.skipped[0].line, 2);
        assert_eq!(h.skipped[1].line, 4);
    }

    #[test]
    fn comments_are_commands_and_huge_timestamps_are_garbage() {
        let h = parse(b"# just a note\n#99999999999999999999\nls\n");
        assert_eq!(h.commands[0].command, "# just a note");
        assert_eq!(h.skipped.len(), 1);
    }
}
