//! Reading shells' own history files. Parsers work on bytes, line by line,
//! and never fail as a whole: a line they cannot read is skipped and counted.

mod bash;
mod fish;
mod zsh;

use crate::shell::Shell;

/// One command read from a history file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedCommand {
    pub command: String,
    /// When it ran, if the file says (ms since the epoch). Commands without a
    /// timestamp of their own inherit the previous one in the file.
    pub timestamp_ms: Option<i64>,
    pub duration_ms: Option<i64>,
    /// 1-based line where the command starts.
    pub line: usize,
}

/// A line the parser skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedLine {
    pub line: usize,
    pub reason: &'static str,
}

/// Everything read from one file.
#[derive(Debug, Default)]
pub struct ParsedHistory {
    pub commands: Vec<ParsedCommand>,
    pub skipped: Vec<SkippedLine>,
}

impl ParsedHistory {
    fn skip(&mut self, line: usize, reason: &'static str) {
        self.skipped.push(SkippedLine { line, reason });
    }

    /// Adds a command unless it is blank; rejects text that is not UTF-8 or
    /// holds a NUL byte (no shell can have run it).
    fn push(
        &mut self,
        bytes: &[u8],
        line: usize,
        timestamp_ms: Option<i64>,
        duration_ms: Option<i64>,
    ) {
        match command_text(bytes) {
            Ok(Some(command)) => self.commands.push(ParsedCommand {
                command,
                timestamp_ms,
                duration_ms,
                line,
            }),
            Ok(None) => {}
            Err(reason) => self.skip(line, reason),
        }
    }
}

const INVALID_UTF8: &str = "not valid UTF-8";
const NUL_BYTE: &str = "contains a NUL byte";

fn command_text(bytes: &[u8]) -> Result<Option<String>, &'static str> {
    if bytes.contains(&0) {
        return Err(NUL_BYTE);
    }
    let text = std::str::from_utf8(bytes).map_err(|_| INVALID_UTF8)?;
    let text = text.trim();
    Ok((!text.is_empty()).then(|| text.to_string()))
}

/// Parses a history file in `shell`'s format.
pub fn parse(shell: Shell, bytes: &[u8]) -> ParsedHistory {
    match shell {
        Shell::Bash => bash::parse(bytes),
        Shell::Zsh => zsh::parse(bytes),
        Shell::Fish => fish::parse(bytes),
    }
}

/// Lines without their `\n` (and a `\r` before it), numbered from 1.
fn lines(bytes: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    let empty = body.is_empty();
    body.split(|&b| b == b'\n')
        .filter(move |_| !empty)
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .enumerate()
        .map(|(i, l)| (i + 1, l))
}

/// A stable id for an imported command: a UUID v7 whose timestamp is the
/// command's (0 when unknown) and whose other bits hash the shell, timestamp,
/// command and how many identical commands came before it in the file. The
/// same file imported twice gives the same ids, so nothing is stored twice.
pub fn import_id(
    shell: Shell,
    timestamp_ms: Option<i64>,
    command: &str,
    occurrence: u32,
) -> String {
    let mut hash = Fnv128::new();
    hash.write(shell.name().as_bytes());
    hash.write(&[0]);
    hash.write(&timestamp_ms.unwrap_or(-1).to_le_bytes());
    hash.write(command.as_bytes());
    hash.write(&[0]);
    hash.write(&occurrence.to_le_bytes());
    let digest = hash.finish().to_le_bytes();
    let mut random = [0u8; 10];
    random.copy_from_slice(&digest[..10]);
    let ms = timestamp_ms
        .and_then(|t| u64::try_from(t).ok())
        .unwrap_or(0);
    uuid::Builder::from_unix_timestamp_millis(ms, &random)
        .into_uuid()
        .to_string()
}

/// FNV-1a, 128-bit: stable across Rust versions, unlike `DefaultHasher`.
struct Fnv128(u128);

impl Fnv128 {
    const OFFSET: u128 = 0x6c62272e07bb014262b821756295c58d;
    const PRIME: u128 = 0x0000000001000000000000000000013B;

    fn new() -> Self {
        Fnv128(Self::OFFSET)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u128::from(b);
            self.0 = self.0.wrapping_mul(Self::PRIME);
        }
    }

    fn finish(&self) -> u128 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_ids_are_stable_and_distinct() {
        let a = import_id(Shell::Zsh, Some(1_700_000_000_000), "ls", 0);
        assert_eq!(a, import_id(Shell::Zsh, Some(1_700_000_000_000), "ls", 0));
        assert_ne!(a, import_id(Shell::Zsh, Some(1_700_000_000_000), "ls", 1));
        assert_ne!(a, import_id(Shell::Bash, Some(1_700_000_000_000), "ls", 0));
        let id = uuid::Uuid::parse_str(&a).unwrap();
        assert_eq!(id.get_version_num(), 7);
        let (secs, _) = id.get_timestamp().unwrap().to_unix();
        assert_eq!(secs, 1_700_000_000);
    }

    #[test]
    fn lines_are_numbered_and_trimmed_of_cr() {
        let l: Vec<_> = lines(b"a\r\nb\n\nc\n").collect();
        assert_eq!(
            l,
            vec![
                (1, &b"a"[..]),
                (2, &b"b"[..]),
                (3, &b""[..]),
                (4, &b"c"[..])
            ]
        );
        assert_eq!(lines(b"").count(), 0);
    }
}
