//! The filters and output shapes `history list` and `history search` share:
//! `--cwd`, `--exit`, `--before/--after`, `--device`, `--session`, `--host`,
//! and `--format` / `--cmd-only`. Times are read as a duration back from now
//! (humantime: `2h`, `3days`) or a local date/time (jiff: `2026-11-30`,
//! `2026-11-30 14:00`, or RFC 3339 with an offset).

use std::collections::HashMap;
use std::io::Write;

use anyhow::{anyhow, Result};

use crate::cli::FilterArgs;
use crate::store::{EntryFilter, HistoryEntry};
use crate::time::{format_age, format_elapsed, local_time, now_ms};

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

/// Prints entries through `template`, or as JSON / the usual lines.
pub fn print(
    store: &crate::store::Store,
    entries: &[HistoryEntry],
    template: Option<&Template>,
    as_json: bool,
) -> Result<()> {
    let Some(template) = template else {
        return super::print_entries(store, entries, as_json);
    };
    let devices = store.device_names()?;
    let now = now_ms();
    let mut out = crate::commands::output::stdout();
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
