//! Reading the history other tools keep: shells' own files, Atuin's and
//! nushell's databases, and `caro sync export` files. Parsers never fail as a
//! whole: a line or row they cannot read is skipped and counted.
//!
//! Imported entries get ids like any other (UUID v7: the command's time and
//! random bits), never ids derived from their text, which would be the same on
//! every device importing the same file. What makes a re-import add nothing is
//! an [`ImportKey`] kept in this home only.

mod atuin;
mod bash;
pub mod export;
mod fish;
mod nushell;
mod zsh;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::shell::Shell;
use crate::store::ImportKey;

/// Where history can be imported from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ImportSource {
    Bash,
    Zsh,
    Fish,
    /// Atuin's history.db (SQLite)
    Atuin,
    /// nushell's history.txt or history.sqlite3
    Nushell,
    /// A file written by `caro sync export`
    CaroExport,
}

impl ImportSource {
    pub fn name(self) -> &'static str {
        match self {
            ImportSource::Bash => "bash",
            ImportSource::Zsh => "zsh",
            ImportSource::Fish => "fish",
            ImportSource::Atuin => "atuin",
            ImportSource::Nushell => "nushell",
            ImportSource::CaroExport => "caro-export",
        }
    }

    /// The shell name stored with each entry, where the source says it.
    pub fn shell_name(self) -> Option<&'static str> {
        match self {
            ImportSource::Bash | ImportSource::Zsh | ImportSource::Fish => Some(self.name()),
            ImportSource::Nushell => Some("nu"),
            ImportSource::Atuin | ImportSource::CaroExport => None,
        }
    }

    /// Where the source keeps its history by default, if there is a default.
    pub fn default_file(self) -> Option<PathBuf> {
        let home = std::env::var_os("HOME").map(PathBuf::from);
        let xdg = |var: &str, fallback: &str| {
            std::env::var_os(var)
                .filter(|d| !d.is_empty())
                .map(PathBuf::from)
                .or_else(|| home.as_ref().map(|h| h.join(fallback)))
        };
        match self {
            ImportSource::Bash => Shell::Bash.default_history_file(),
            ImportSource::Zsh => Shell::Zsh.default_history_file(),
            ImportSource::Fish => Shell::Fish.default_history_file(),
            ImportSource::Atuin => {
                Some(xdg("XDG_DATA_HOME", ".local/share")?.join("atuin/history.db"))
            }
            ImportSource::Nushell => {
                let dir = xdg("XDG_CONFIG_HOME", ".config")?.join("nushell");
                let sqlite = dir.join("history.sqlite3");
                Some(if sqlite.exists() {
                    sqlite
                } else {
                    dir.join("history.txt")
                })
            }
            ImportSource::CaroExport => None,
        }
    }
}

/// Reads `path` as `source`'s history (not for [`ImportSource::CaroExport`],
/// whose entries keep all their fields: see [`export`]).
pub fn read(source: ImportSource, path: &Path) -> Result<ParsedHistory> {
    match source {
        ImportSource::Atuin => atuin::read(path),
        ImportSource::Nushell if is_sqlite(path) => nushell::read_sqlite(path),
        _ => {
            let bytes = std::fs::read(path).with_context(|| {
                format!(
                    "cannot read {}; check the path, or pass --file PATH",
                    path.display()
                )
            })?;
            Ok(match source {
                ImportSource::Bash => bash::parse(&bytes),
                ImportSource::Zsh => zsh::parse(&bytes),
                ImportSource::Fish => fish::parse(&bytes),
                _ => nushell::parse_text(&bytes),
            })
        }
    }
}

/// Whether the file starts with SQLite's header.
fn is_sqlite(path: &Path) -> bool {
    use std::io::Read;
    let mut magic = [0u8; 16];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok_and(|()| &magic == b"SQLite format 3\0")
}

/// One command read from a history file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedCommand {
    pub command: String,
    /// When it ran, if the file says (ms since the epoch). Commands without a
    /// timestamp of their own inherit the previous one in the file.
    pub timestamp_ms: Option<i64>,
    pub duration_ms: Option<i64>,
    pub exit_code: Option<i64>,
    pub cwd: Option<String>,
    /// The machine it ran on, when the source records it (Atuin, nushell).
    pub hostname: Option<String>,
    /// 1-based line where the command starts (row, for databases).
    pub line: usize,
}

/// What a history database keeps beside the command text.
#[derive(Debug, Default)]
pub struct RowFields {
    pub timestamp_ms: Option<i64>,
    pub duration_ms: Option<i64>,
    pub exit_code: Option<i64>,
    pub cwd: Option<String>,
    pub hostname: Option<String>,
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
        let fields = RowFields {
            timestamp_ms,
            duration_ms,
            ..RowFields::default()
        };
        self.push_row(bytes, line, fields);
    }

    /// [`Self::push`] with what databases also keep.
    fn push_row(&mut self, bytes: &[u8], line: usize, fields: RowFields) {
        match command_text(bytes) {
            Ok(Some(command)) => self.commands.push(ParsedCommand {
                command,
                timestamp_ms: fields.timestamp_ms,
                duration_ms: fields.duration_ms,
                exit_code: fields.exit_code,
                cwd: fields.cwd,
                hostname: fields.hostname,
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

/// The key a re-import recognises a command by: a hash of the source, the
/// command's time (if the file says), its text, and how many identical
/// commands came before it in the file.
pub fn import_key(
    source: ImportSource,
    timestamp_ms: Option<i64>,
    command: &str,
    occurrence: u32,
) -> ImportKey {
    let mut hash = Fnv128::new();
    hash.write(source.name().as_bytes());
    hash.write(&[0]);
    hash.write(&timestamp_ms.unwrap_or(-1).to_le_bytes());
    hash.write(command.as_bytes());
    hash.write(&[0]);
    hash.write(&occurrence.to_le_bytes());
    hash.finish().to_le_bytes()
}

/// A new entry id: UUID v7 from the command's time and random bits.
pub fn new_id(created_at_ms: i64) -> String {
    let ms = u64::try_from(created_at_ms).unwrap_or(0);
    let ts =
        uuid::Timestamp::from_unix(uuid::NoContext, ms / 1000, ((ms % 1000) * 1_000_000) as u32);
    uuid::Uuid::new_v7(ts).to_string()
}

/// FNV-1a, 128-bit: stable across Rust versions, unlike `DefaultHasher`, so
/// keys stored by one caro are recognised by the next.
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
    fn import_keys_are_stable_and_distinct() {
        let zsh = ImportSource::Zsh;
        let a = import_key(zsh, Some(1_700_000_000_000), "ls", 0);
        assert_eq!(a, import_key(zsh, Some(1_700_000_000_000), "ls", 0));
        assert_ne!(a, import_key(zsh, Some(1_700_000_000_000), "ls", 1));
        assert_ne!(a, import_key(zsh, None, "ls", 0));
        assert_ne!(
            a,
            import_key(ImportSource::Bash, Some(1_700_000_000_000), "ls", 0)
        );
    }

    #[test]
    fn ids_carry_the_time_and_random_bits() {
        let a = new_id(1_700_000_000_123);
        let b = new_id(1_700_000_000_123);
        assert_ne!(a, b);
        let id = uuid::Uuid::parse_str(&a).unwrap();
        assert_eq!(id.get_version_num(), 7);
        let (secs, nanos) = id.get_timestamp().unwrap().to_unix();
        assert_eq!((secs, nanos / 1_000_000), (1_700_000_000, 123));
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
