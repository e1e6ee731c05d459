//! fish: a YAML-like list, `- cmd: <escaped command>` then indented fields
//! (`when: <epoch seconds>`, `paths:` and its items). In the command, `\\`
//! is a backslash and `\n` a newline.

use super::{lines, ParsedHistory};

pub fn parse(bytes: &[u8]) -> ParsedHistory {
    let mut out = ParsedHistory::default();
    let mut current: Option<(usize, Vec<u8>, Option<i64>)> = None;
    for (n, line) in lines(bytes) {
        if let Some(cmd) = line.strip_prefix(b"- cmd: ") {
            if let Some((start, text, ts)) = current.take() {
                out.push(&text, start, ts, None);
            }
            current = Some((n, unescape(cmd), None));
        } else if let Some(when) = line.strip_prefix(b"  when: ") {
            let secs = std::str::from_utf8(when)
                .ok()
                .and_then(|w| w.trim().parse::<i64>().ok());
            match (&mut current, secs) {
                (Some((_, _, ts)), Some(secs)) => *ts = Some(secs * 1000),
                _ => out.skip(n, "malformed 'when:' line"),
            }
        } else if line.starts_with(b"  ") || line.is_empty() {
            // paths and other fields of the current command
        } else {
            out.skip(n, "not a fish history line");
        }
    }
    if let Some((start, text, ts)) = current {
        out.push(&text, start, ts, None);
    }
    out
}

fn unescape(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut bytes = text.iter();
    while let Some(&b) = bytes.next() {
        if b == b'\\' {
            match bytes.next() {
                Some(b'n') => out.push(b'\n'),
                Some(b'\\') => out.push(b'\\'),
                Some(&other) => out.extend_from_slice(&[b'\\', other]),
                None => out.push(b'\\'),
            }
        } else {
            out.push(b);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn commands_times_and_paths() {
        let h = parse(b"- cmd: ls -la\n  when: 1700000000\n- cmd: cd /tmp\n  when: 1700000001\n  paths:\n    - /tmp\n- cmd: echo a\\nb \\\\x\n  when: 1700000002\n");
        assert_eq!(h.commands.len(), 3);
        assert_eq!(h.commands[0].timestamp_ms, Some(1_700_000_000_000));
        assert_eq!(h.commands[2].command, "echo a\nb \\x");
        assert!(h.skipped.is_empty());
    }

    #[test]
    fn garbage_is_counted() {
        let h = parse(b"- cmd: ls\n  when: soon\nrandom junk\n- cmd: \xff\n");
        assert_eq!(h.commands.len(), 1);
        assert_eq!(h.skipped.len(), 3);
    }
}
