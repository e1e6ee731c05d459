//! zsh: `: <start>:<elapsed>;<command>` (EXTENDED_HISTORY) or plain lines; a
//! command's inner newlines are written as `\` + newline. zsh "metafies" some
//! bytes (0x83 then the byte XOR 0x20), which is undone for lines that are not
//! already valid UTF-8.

use super::{lines, ParsedHistory};

const META: u8 = 0x83;

/// A command continued with a trailing `\`: first line, bytes so far, timestamp, duration.
struct Pending {
    start: usize,
    text: Vec<u8>,
    ts: Option<i64>,
    dur: Option<i64>,
}

pub fn parse(bytes: &[u8]) -> ParsedHistory {
    let mut out = ParsedHistory::default();
    let mut last_timestamp: Option<i64> = None;
    let mut pending: Option<Pending> = None;
    for (n, line) in lines(bytes) {
        if let Some(mut p) = pending.take() {
            p.text.push(b'\n');
            p.text.extend_from_slice(line);
            if ends_with_continuation(&p.text) {
                p.text.pop();
                pending = Some(p);
            } else {
                finish(&mut out, &p.text, p.start, p.ts, p.dur);
            }
            continue;
        }
        let (body, ts, dur) = if line.starts_with(b": ") {
            match extended_header(line) {
                Some((secs, elapsed, body)) => {
                    last_timestamp = Some(secs * 1000);
                    // zsh counts whole seconds: 0 means "under a second", not 0 ms.
                    (body, last_timestamp, (elapsed > 0).then(|| elapsed * 1000))
                }
                None => {
                    out.skip(n, "malformed ': start:elapsed;' header");
                    continue;
                }
            }
        } else {
            (line, last_timestamp, None)
        };
        if ends_with_continuation(body) {
            pending = Some(Pending {
                start: n,
                text: body[..body.len() - 1].to_vec(),
                ts,
                dur,
            });
        } else {
            finish(&mut out, body, n, ts, dur);
        }
    }
    if let Some(p) = pending {
        finish(&mut out, &p.text, p.start, p.ts, p.dur);
    }
    out
}

fn finish(out: &mut ParsedHistory, text: &[u8], line: usize, ts: Option<i64>, dur: Option<i64>) {
    if std::str::from_utf8(text).is_ok() || !text.contains(&META) {
        out.push(text, line, ts, dur);
    } else {
        out.push(&unmetafy(text), line, ts, dur);
    }
}

/// An odd number of trailing backslashes: the newline after it is part of the command.
fn ends_with_continuation(text: &[u8]) -> bool {
    text.iter().rev().take_while(|&&b| b == b'\\').count() % 2 == 1
}

/// `: 1700000000:0;cmd` → (1700000000, 0, b"cmd").
fn extended_header(line: &[u8]) -> Option<(i64, i64, &[u8])> {
    let rest = line.strip_prefix(b": ")?;
    let semi = rest.iter().position(|&b| b == b';')?;
    let (header, body) = (&rest[..semi], &rest[semi + 1..]);
    let header = std::str::from_utf8(header).ok()?;
    let (start, elapsed) = header.split_once(':')?;
    let start: i64 = start.trim().parse().ok()?;
    let elapsed: i64 = elapsed.trim().parse().ok()?;
    ((0..=253_402_300_799).contains(&start) && elapsed >= 0).then_some((start, elapsed, body))
}

fn unmetafy(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut bytes = text.iter();
    while let Some(&b) = bytes.next() {
        if b == META {
            if let Some(&next) = bytes.next() {
                out.push(next ^ 0x20);
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
    fn extended_history() {
        let h = parse(b": 1700000000:0;ls -la\n: 1700000003:12;cargo build\n");
        assert_eq!(h.commands.len(), 2);
        assert_eq!(h.commands[1].command, "cargo build");
        assert_eq!(h.commands[1].timestamp_ms, Some(1_700_000_003_000));
        assert_eq!(h.commands[1].duration_ms, Some(12_000));
        assert_eq!(h.commands[0].duration_ms, None);
    }

    #[test]
    fn multiline_commands() {
        let h = parse(b": 1700000000:0;for i in 1 2\\\ndo echo $i\\\ndone\n: 1700000001:0;pwd\n");
        assert_eq!(h.commands.len(), 2);
        assert_eq!(h.commands[0].command, "for i in 1 2\ndo echo $i\ndone");
        assert_eq!(h.commands[1].command, "pwd");
    }

    #[test]
    fn escaped_backslash_is_not_a_continuation() {
        let h = parse(b": 1700000000:0;echo \\\\\n: 1700000001:0;pwd\n");
        assert_eq!(h.commands[0].command, "echo \\\\");
        assert_eq!(h.commands.len(), 2);
    }

    #[test]
    fn plain_lines_and_garbage() {
        let h = parse(b"ls\n: notanumber:0;rm x\n: 1700000000:0;pwd\n\xc3\x28\n");
        let cmds: Vec<_> = h.commands.iter().map(|c| c.command.as_str()).collect();
        assert_eq!(cmds, ["ls", "pwd"]);
        assert_eq!(h.skipped.len(), 2);
        assert_eq!(h.skipped[0].line, 2);
        assert_eq!(h.skipped[1].line, 4);
    }

    #[test]
    fn metafied_bytes_are_restored() {
        // "echo ă": ă is C4 83, which zsh writes as C4 83 A3.
        let h = parse(b": 1700000000:0;echo \xc4\x83\xa3\n");
        assert_eq!(h.commands[0].command, "echo \u{103}");
    }
}
