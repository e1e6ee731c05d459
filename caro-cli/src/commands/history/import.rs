//! `caro history import bash|zsh|fish|atuin|nushell|caro-export`: reads the
//! history where it is, skips what it cannot read or must not store, and
//! inserts the rest in one transaction; importing again adds only what is new
//! (see `crate::import`).

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::mpsc::{self, SyncSender};

use anyhow::{anyhow, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};

use crate::cli::ImportArgs;
use crate::config::Preferences;
use crate::escape::for_terminal;
use crate::import::{self, ImportSource, ParsedHistory};
use crate::plural::{agree, count};
use crate::privacy::{PrivacyFilter, Refusal};
use crate::safety;
use crate::store::{HistoryEntry, ImportKey, NewEntry};

/// How many commands each check refused.
#[derive(Default)]
struct Refused {
    secrets: usize,
    excluded: usize,
    too_long: usize,
}

/// Entries travel from the checks to SQLite in batches of this many.
const BATCH: usize = 1024;

/// An entry about to be imported: its import key (none for exports, whose
/// ids are their own), its id, the entry.
type Candidate = (Option<ImportKey>, String, NewEntry);

pub fn run(args: &ImportArgs) -> Result<()> {
    let source = args.source;
    let path: PathBuf = match &args.file {
        Some(file) => file.clone(),
        None => source.default_file().ok_or_else(|| {
            anyhow!(
                "cannot tell where your {} history is; pass --file PATH",
                source.name()
            )
        })?,
    };
    let mtime_ms = std::fs::metadata(&path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or_else(crate::time::now_ms, |d| d.as_millis() as i64);

    let (candidates, len, skipped): (Box<dyn Iterator<Item = Candidate> + Send>, usize, _) =
        if source == ImportSource::CaroExport {
            let bytes = std::fs::read(&path)
                .with_context(|| format!("cannot read {}; check the path", path.display()))?;
            let entries = import::export::parse(&bytes)
                .with_context(|| format!("cannot import {}", path.display()))?;
            let len = entries.len();
            (Box::new(entries.into_iter().map(from_export)), len, None)
        } else {
            let parsed = import::read(source, &path)?;
            if parsed.commands.is_empty() && !parsed.skipped.is_empty() {
                return Err(anyhow!(
                    "{} has no {} history this caro can read: {} skipped ({}); \
                     check that it is a {} history file, or pass the right source",
                    for_terminal(&path.display().to_string()),
                    source.name(),
                    match parsed.skipped.len() {
                        1 => "its one line was".to_string(),
                        n => format!("all {n} lines were"),
                    },
                    describe_first_skip(&parsed),
                    source.name(),
                ));
            }
            let len = parsed.commands.len();
            let skipped = (!parsed.skipped.is_empty())
                .then(|| (parsed.skipped.len(), describe_first_skip(&parsed)));
            (
                Box::new(from_parsed(source, parsed, mtime_ms)),
                len,
                skipped,
            )
        };

    let mut store = crate::commands::open_store()?;
    let filter = super::privacy_filter(&Preferences::from_stored(&store.preferences()?));
    let progress = progress_bar(len);
    // The checks run on a second thread while SQLite inserts what already
    // passed them: on two cores the import takes the longer of the two, not
    // their sum. If the insert fails, the channel closes and the checks stop.
    let (counts, refused) = std::thread::scope(|scope| {
        let (batches, received) = mpsc::sync_channel::<Vec<Candidate>>(4);
        let checks = scope.spawn(|| check_all(candidates, &filter, batches));
        let counts = store.import(received.into_iter().flatten(), |done| {
            progress.set_position(done as u64)
        });
        let refused = checks
            .join()
            .map_err(|_| anyhow!("the import's checks stopped unexpectedly; nothing was imported"));
        anyhow::Ok((counts?, refused?))
    })?;
    progress.finish_and_clear();

    let mut out = crate::commands::output::stdout();
    writeln!(
        out,
        "imported {} from {} ({} already present)",
        count(counts.inserted, "command", "commands"),
        for_terminal(&path.display().to_string()),
        counts.duplicates
    )?;
    let refused = [
        (refused.secrets, "held a secret"),
        (refused.excluded, "matched an exclude pattern"),
        (
            refused.too_long,
            agree(&refused.too_long, "was over 10 KB", "were over 10 KB"),
        ),
    ];
    for (n, why) in refused {
        if n > 0 {
            writeln!(
                out,
                "not imported: {} {why}",
                count(n, "command", "commands")
            )?;
        }
    }
    out.flush()?;
    if let Some((n, first)) = skipped {
        eprintln!(
            "caro: skipped {n} unreadable lines in {} ({first}); the rest was imported",
            for_terminal(&path.display().to_string()),
        );
    }
    Ok(())
}

/// Gives each parsed command its key and a new id, dated by the file or, for
/// lines without a time, in the file's order ending at its last change.
fn from_parsed(
    source: ImportSource,
    parsed: ParsedHistory,
    mtime_ms: i64,
) -> impl Iterator<Item = Candidate> {
    let count = parsed.commands.len() as i64;
    let mut occurrences: HashMap<(Option<i64>, String), u32> = HashMap::new();
    parsed
        .commands
        .into_iter()
        .enumerate()
        .map(move |(i, cmd)| {
            let seen = occurrences
                .entry((cmd.timestamp_ms, cmd.command.clone()))
                .or_insert(0);
            let key = import::import_key(source, cmd.timestamp_ms, &cmd.command, *seen);
            *seen += 1;
            let created_at = cmd.timestamp_ms.unwrap_or(mtime_ms - (count - i as i64));
            let entry = NewEntry {
                command: cmd.command,
                executed: true,
                success: cmd.exit_code.map(|c| c == 0),
                exit_code: cmd.exit_code,
                duration_ms: cmd.duration_ms,
                cwd: cmd.cwd,
                hostname: cmd.hostname,
                shell: source.shell_name().map(str::to_string),
                platform: Some(std::env::consts::OS.to_string()),
                created_at,
                ..NewEntry::default()
            };
            (Some(key), import::new_id(created_at), entry)
        })
}

/// An exported entry, under its own id.
fn from_export(e: HistoryEntry) -> Candidate {
    let entry = NewEntry {
        command: e.command,
        prompt: e.prompt,
        explanation: e.explanation,
        executed: e.executed,
        success: e.success,
        exit_code: e.exit_code,
        duration_ms: e.duration_ms,
        cwd: e.cwd,
        shell: e.shell,
        platform: e.platform,
        created_at: e.created_at,
        session_id: e.session_id,
        hostname: e.hostname,
        ..NewEntry::default()
    };
    (None, e.id, entry)
}

fn describe_first_skip(parsed: &ParsedHistory) -> String {
    parsed
        .skipped
        .first()
        .map(|s| format!("first at line {}: {}", s.line, s.reason))
        .unwrap_or_default()
}

/// Applies the privacy checks and risk rules, and sends the entries that
/// passed, in order, in batches of [`BATCH`].
fn check_all(
    candidates: impl Iterator<Item = Candidate>,
    filter: &PrivacyFilter,
    batches: SyncSender<Vec<Candidate>>,
) -> Refused {
    let mut refused = Refused::default();
    let mut batch = Vec::with_capacity(BATCH);
    for (key, id, mut entry) in candidates {
        match filter.check(
            &entry.command,
            entry.prompt.as_deref(),
            entry.explanation.as_deref(),
        ) {
            Ok(()) => {}
            Err(Refusal::Secret { .. }) => {
                refused.secrets += 1;
                continue;
            }
            Err(Refusal::Excluded { .. }) => {
                refused.excluded += 1;
                continue;
            }
            Err(Refusal::TooLong { .. }) => {
                refused.too_long += 1;
                continue;
            }
        }
        let assessment = safety::assess(&entry.command);
        entry.safety_level = assessment.level;
        entry.safety_warnings = assessment.warnings;
        batch.push((key, id, entry));
        if batch.len() == BATCH {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
            if batches.send(full).is_err() {
                return refused; // the insert failed; its error is reported
            }
        }
    }
    if !batch.is_empty() {
        let _ = batches.send(batch); // an insert that failed reports itself
    }
    refused
}

fn progress_bar(len: usize) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len as u64);
    if let Ok(style) = ProgressStyle::with_template("importing {bar:30} {pos}/{len} ({eta})") {
        bar.set_style(style);
    }
    bar
}
