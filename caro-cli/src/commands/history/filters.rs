//! The filters and output shapes `history list` and `history search` share:
//! `--cwd`, `--exit`, `--before/--after`, `--device`, `--session`, `--host`,
//! and `--format` / `--cmd-only`. Times are read as a duration back from now
//! (humantime: `2h`, `3days`) or a local date/time (jiff: `2026-11-30`,
//! `2026-11-30 14:00`, or RFC 3339 with an offset).

use std::collections::HashMap;
use std::io::Write;

use anyhow::{anyhow, Result};
use clap::Args;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::Timestamp;

use crate::store::{EntryFilter, HistoryEntry};
use crate::time::{format_age, format_elapsed, now_ms};

#[derive(Debug, Clone, Default, Args)]
pub struct FilterArgs {
    /// Only entries run in this directory (`.` for the current one)
    #[arg(long, value_name = "DIR")]
    pub cwd: Option<String>,
    /// Only entries that exited with this status
    #[arg(long = "exit", value_name = "N", allow_hyphen_values = true)]
    pub exit_code: Option<i64>,
    /// Only entries from before WHEN: a duration ago (30m, 2h, 3days) or a
    /// local date/time (2026-11-30, "2026-11-30 14:00")
    #[arg(long, value_name = "WHEN", value_parser = parse_when)]
    pub before: Option<i64>,
    /// Only entries from WHEN on (same forms as --before)
    #[arg(long, visible_alias = "since", value_name = "WHEN", value_parser = parse_when)]
    pub after: Option<i64>,
    /// Only entries recorded on this device (its name, or its id)
    #[arg(long, value_name = "NAME")]
    pub device: Option<String>,
    /// Only entries from this shell session (the hooks' $CARO_SESSION)
    #[arg(long, value_name = "ID")]
    pub session: Option<String>,
    /// Only entries recorded on this host name
    #[arg(long, value_name = "NAME")]
    pub host: Option<String>,
    /// Print each entry through a template: {id} {time} {age} {command} {exit}
    /// {duration} {cwd} {device} {session} {host} {risk}; \t and \n are a tab
    /// and a newline
    #[arg(long, value_name = "TEMPLATE", conflicts_with = "cmd_only")]
    pub format: Option<String>,
    /// Print only the command lines (same as --format '{command}')
    #[arg(long)]
    pub cmd_only: bool,
}

impl FilterArgs {
    /// The store filter these flags ask for.
    pub fn to_filter(&self) -> Result<EntryFilter> {
        let cwd = match self.cwd.as_deref() {
            Some(dir) => Some(absolute_dir(dir)?),
            None => None,
        };
        Ok(EntryFilter {
            cwd,
            exit_code: self.exit_code,
            before_ms: self.before,
            after_ms: self.after,
            device: self.device.clone(),
            session_id: self.session.clone(),
            hostname: self.host.clone(),
            ..EntryFilter::default()
        })
    }

    /// The line template, when `--format` or `--cmd-only` asked for one;
    /// checked before anything runs, so a typo costs no output.
    pub fn template(&self) -> Result<Option<Template>> {
        if self.cmd_only {
            return Ok(Some(Template::parse("{command}")?));
        }
        self.format.as_deref().map(Template::parse).transpose()
    }
}

/// `DIR` as the hooks record it: absolute, `.` and relative paths resolved
/// against the current directory, no trailing slash.
fn absolute_dir(dir: &str) -> Result<String> {
    let path = std::path::Path::new(dir);
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|e| anyhow!("cannot read the current directory for --cwd {dir}: {e}"))?
            .join(path)
    };
    let mut clean = std::path::PathBuf::new();
    for part in joined.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                clean.pop();
            }
            other => clean.push(other),
        }
    }
    Ok(clean.to_string_lossy().into_owned())
}

/// Parses WHEN into ms since the epoch.
pub fn parse_when(text: &str) -> Result<i64, String> {
    parse_when_at(text, now_ms(), &TimeZone::system())
}

fn parse_when_at(text: &str, now: i64, tz: &TimeZone) -> Result<i64, String> {
    let text = text.trim();
    if let Ok(ago) = humantime::parse_duration(text) {
        let ago = i64::try_from(ago.as_millis()).unwrap_or(i64::MAX);
        return Ok(now.saturating_sub(ago));
    }
    if let Ok(ts) = text.parse::<Timestamp>() {
        return Ok(ts.as_millisecond());
    }
    let local = text.parse::<DateTime>().or_else(|_| {
        text.parse::<Date>()
            .map(|d| d.to_datetime(jiff::civil::Time::midnight()))
    });
    match local.and_then(|dt| dt.to_zoned_datetime(tz.clone())) {
        Ok(zoned) => Ok(zoned.timestamp().as_millisecond()),
        Err(_) => Err(format!(
            "cannot read '{text}' as a time: give a duration ago (30m, 2h, 3days) \
             or a local date or date and time (2026-11-30, \"2026-11-30 14:00\")"
        )),
    }
}

/// One placeholder of a `--format` template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Id,
    Time,
    Age,
    Command,
    Exit,
    Duration,
    Cwd,
    Device,
    Session,
    Host,
    Risk,
}

const FIELDS: [(&str, Field); 11] = [
    ("id", Field::Id),
    ("time", Field::Time),
    ("age", Field::Age),
    ("command", Field::Command),
    ("exit", Field::Exit),
    ("duration", Field::Duration),
    ("cwd", Field::Cwd),
    ("device", Field::Device),
    ("session", Field::Session),
    ("host", Field::Host),
    ("risk", Field::Risk),
];

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Field(Field),
}

/// A parsed `--format` template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template(Vec<Piece>);

impl Template {
    pub fn parse(text: &str) -> Result<Self> {
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some('t') => literal.push('\t'),
                    Some('n') => literal.push('\n'),
                    Some(other) => literal.push(other),
                    None => literal.push('\\'),
                },
                '{' => {
                    let name: String = chars.by_ref().take_while(|c| *c != '}').collect();
                    let field = FIELDS.iter().find(|(n, _)| *n == name).ok_or_else(|| {
                        let known: Vec<_> =
                            FIELDS.iter().map(|(n, _)| format!("{{{n}}}")).collect();
                        anyhow!(
                            "--format: unknown field {{{name}}}; use any of {}",
                            known.join(" ")
                        )
                    })?;
                    if !literal.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut literal)));
                    }
                    pieces.push(Piece::Field(field.1));
                }
                other => literal.push(other),
            }
        }
        if !literal.is_empty() {
            pieces.push(Piece::Text(literal));
        }
        Ok(Template(pieces))
    }

    /// Writes one entry and a newline. The command is written as stored
    /// (it may hold newlines): a template is for tools, which asked for it.
    pub fn write(
        &self,
        out: &mut impl Write,
        entry: &HistoryEntry,
        devices: &HashMap<String, String>,
        now: i64,
    ) -> std::io::Result<()> {
        for piece in &self.0 {
            match piece {
                Piece::Text(text) => out.write_all(text.as_bytes())?,
                Piece::Field(field) => {
                    out.write_all(field_value(*field, entry, devices, now).as_bytes())?
                }
            }
        }
        out.write_all(b"\n")
    }
}

fn field_value(
    field: Field,
    e: &HistoryEntry,
    devices: &HashMap<String, String>,
    now: i64,
) -> String {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    match field {
        Field::Id => e.id.clone(),
        Field::Time => local_time(e.created_at),
        Field::Age => format_age(e.created_at, now),
        Field::Command => e.command.clone(),
        Field::Exit => e.exit_code.map(|c| c.to_string()).unwrap_or_default(),
        Field::Duration => e.duration_ms.map(format_elapsed).unwrap_or_default(),
        Field::Cwd => opt(&e.cwd),
        Field::Device => devices
            .get(&e.device_id)
            .cloned()
            .unwrap_or_else(|| e.device_id.clone()),
        Field::Session => opt(&e.session_id),
        Field::Host => opt(&e.hostname),
        Field::Risk => e.safety_level.to_string(),
    }
}

/// `YYYY-MM-DD HH:MM:SS` in the local time zone.
pub fn local_time(ms: i64) -> String {
    Timestamp::from_millisecond(ms)
        .map(|ts| {
            ts.to_zoned_datetime(TimeZone::system())
                .strftime("%Y-%m-%d %H:%M:%S")
                .to_string()
        })
        .unwrap_or_default()
}

/// Prints entries through `template`, or as JSON / the usual lines.
pub fn print(
    store: &crate::store::Store,
    entries: &[HistoryEntry],
    template: Option<&Template>,
    as_json: bool,
) -> Result<()> {
    let Some(template) = template else {
        return super::print_entries(entries, as_json);
    };
    let devices = store.device_names()?;
    let now = now_ms();
    let mut out = crate::commands::stdout();
    for entry in entries {
        template.write(&mut out, entry, &devices, now)?;
    }
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn when_reads_durations_and_local_dates() {
        let now = 1_800_000_000_000;
        let utc = TimeZone::UTC;
        assert_eq!(parse_when_at("2h", now, &utc), Ok(now - 7_200_000));
        assert_eq!(parse_when_at("3days", now, &utc), Ok(now - 3 * 86_400_000));
        assert_eq!(
            parse_when_at("2026-11-30", now, &utc),
            Ok(1_795_996_800_000)
        );
        let berlin = TimeZone::get("Europe/Berlin").unwrap();
        assert_eq!(
            parse_when_at("2026-11-30 14:00", now, &berlin),
            Ok(1_795_996_800_000 + 13 * 3_600_000)
        );
        assert_eq!(
            parse_when_at("2026-11-30T14:00:00Z", now, &berlin),
            Ok(1_795_996_800_000 + 14 * 3_600_000)
        );
        assert!(parse_when_at("yesterday-ish", now, &utc)
            .unwrap_err()
            .contains("duration ago"));
    }

    #[test]
    fn templates_name_their_fields() {
        let t = Template::parse("{time}\\t{command}").unwrap();
        assert_eq!(
            t.0,
            vec![
                Piece::Field(Field::Time),
                Piece::Text("\t".into()),
                Piece::Field(Field::Command)
            ]
        );
        let err = Template::parse("{cmd}").unwrap_err().to_string();
        assert!(err.contains("unknown field {cmd}"), "{err}");
    }
}
