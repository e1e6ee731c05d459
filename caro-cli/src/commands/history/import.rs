//! `caro history import bash|zsh|fish`: reads the shell's own history file,
//! skips what it cannot read or must not store, and inserts the rest in one
//! transaction under stable ids, so importing again adds only what is new.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::mpsc::{self, SyncSender};

use anyhow::{anyhow, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};

use crate::cli::ImportArgs;
use crate::config::Preferences;
use crate::escape::for_terminal;
use crate::import::{self, ParsedHistory};
use crate::privacy::{PrivacyFilter, Refusal};
use crate::safety;
use crate::store::NewEntry;

/// How many commands each check refused.
#[derive(Default)]
struct Refused {
    secrets: usize,
    excluded: usize,
    too_long: usize,
}

/// Entries travel from the checks to SQLite in batches of this many.
const BATCH: usize = 1024;

pub fn run(args: &ImportArgs) -> Result<()> {
    let path: PathBuf = match &args.file {
        Some(file) => file.clone(),
        None => args.shell.default_history_file().ok_or_else(|| {
            anyhow!(
                "cannot tell where your {} history is; pass --file PATH",
                args.shell.name()
            )
        })?,
    };
    let bytes = std::fs::read(&path).with_context(|| {
        format!(
            "cannot read {}; check the path, or pass --file PATH",
            path.display()
        )
    })?;
    let mtime_ms = std::fs::metadata(&path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or_else(crate::time::now_ms, |d| d.as_millis() as i64);

    let parsed = import::parse(args.shell, &bytes);
    drop(bytes);
    if parsed.commands.is_empty() && !parsed.skipped.is_empty() {
        return Err(anyhow!(
            "{} has no {} history this caro can read: all {} lines were skipped ({}); \
             check that it is a {} history file, or pass the right shell",
            for_terminal(&path.display().to_string()),
            args.shell.name(),
            parsed.skipped.len(),
            describe_first_skip(&parsed),
            args.shell.name(),
        ));
    }

    let mut store = crate::commands::open_store()?;
    let filter = super::privacy_filter(&Preferences::from_stored(&store.preferences()?))?;
    let progress = progress_bar(parsed.commands.len());
    // The checks run on a second thread while SQLite inserts what already
    // passed them: on two cores the import takes the longer of the two, not
    // their sum. If the insert fails, the channel closes and the checks stop.
    let (counts, refused) = std::thread::scope(|scope| {
        let (batches, received) = mpsc::sync_channel::<Vec<(String, NewEntry)>>(4);
        let checks = scope.spawn(|| check_all(args.shell, &parsed, &filter, mtime_ms, batches));
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
        "imported {} commands from {} ({} already present)",
        counts.inserted,
        for_terminal(&path.display().to_string()),
        counts.duplicates
    )?;
    let refused = [
        (refused.secrets, "held a secret"),
        (refused.excluded, "matched an exclude pattern"),
        (refused.too_long, "were over 10 KB"),
    ];
    for (n, why) in refused {
        if n > 0 {
            writeln!(out, "not imported: {n} commands {why}")?;
        }
    }
    out.flush()?;
    if !parsed.skipped.is_empty() {
        eprintln!(
            "caro: skipped {} unreadable lines in {} ({}); the rest was imported",
            parsed.skipped.len(),
            for_terminal(&path.display().to_string()),
            describe_first_skip(&parsed),
        );
    }
    Ok(())
}

fn describe_first_skip(parsed: &ParsedHistory) -> String {
    parsed
        .skipped
        .first()
        .map(|s| format!("first at line {}: {}", s.line, s.reason))
        .unwrap_or_default()
}

/// Applies the privacy checks and risk rules, gives each command its id, and
/// sends the entries that passed, in file order, in batches of [`BATCH`].
fn check_all(
    shell: crate::shell::Shell,
    parsed: &ParsedHistory,
    filter: &PrivacyFilter,
    mtime_ms: i64,
    batches: SyncSender<Vec<(String, NewEntry)>>,
) -> Refused {
    let mut refused = Refused::default();
    let mut batch = Vec::with_capacity(BATCH);
    let mut occurrences: HashMap<(Option<i64>, &str), u32> =
        HashMap::with_capacity(parsed.commands.len());
    let count = parsed.commands.len() as i64;
    for (i, cmd) in parsed.commands.iter().enumerate() {
        let seen = occurrences
            .entry((cmd.timestamp_ms, cmd.command.as_str()))
            .or_insert(0);
        let occurrence = *seen;
        *seen += 1;
        match filter.check(&cmd.command, None, None) {
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
        let id = import::import_id(shell, cmd.timestamp_ms, &cmd.command, occurrence);
        let assessment = safety::assess(&cmd.command);
        // Without timestamps, keep the file's order, ending at its last change.
        let created_at = cmd.timestamp_ms.unwrap_or(mtime_ms - (count - i as i64));
        batch.push((
            id,
            NewEntry {
                command: cmd.command.clone(),
                safety_level: assessment.level,
                safety_warnings: assessment.warnings,
                executed: true,
                duration_ms: cmd.duration_ms,
                shell: Some(shell.name().to_string()),
                platform: Some(std::env::consts::OS.to_string()),
                created_at,
                ..NewEntry::default()
            },
        ));
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
