//! `caro history add`: the shell hooks' hot path. Kept lean: one database
//! open, one small preference read, regexes compiled only when checked, one
//! transaction.

use std::io::{Read, Write};

use anyhow::{anyhow, Context, Result};
use nix::sys::signal::{sigprocmask, SigSet, SigmaskHow, Signal};
use serde::Deserialize;

use crate::cli::AddArgs;
use crate::config::Preferences;
use crate::error::UsageError;
use crate::escape::for_terminal;
use crate::privacy::Refusal;
use crate::safety;
use crate::store::NewEntry;
use crate::time::now_ms;

/// The most `--json-stdin` reads.
const MAX_JSON_BYTES: u64 = 1024 * 1024;

/// The longest command `--command-stdin` takes (what caro stores).
const MAX_COMMAND_STDIN_BYTES: u64 = crate::privacy::MAX_COMMAND_BYTES as u64;

/// The entry as `--json-stdin` takes it (the fields of `list --json`; others
/// such as `id` or `safetyLevel` are ignored: caro sets them).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AddJson {
    command: String,
    prompt: Option<String>,
    explanation: Option<String>,
    exit_code: Option<i64>,
    duration_ms: Option<i64>,
    cwd: Option<String>,
    shell: Option<String>,
    created_at: Option<i64>,
    executed: Option<bool>,
}

pub fn run(args: AddArgs) -> Result<()> {
    outlive_the_terminal();
    let input = if args.json_stdin {
        read_json_stdin()?
    } else {
        let command = match args.command {
            Some(command) => command,
            None if args.command_stdin => read_command_stdin()?,
            None => String::new(),
        };
        AddJson {
            command,
            prompt: args.prompt,
            explanation: args.explanation,
            exit_code: args.exit_code,
            duration_ms: args.duration_ms,
            cwd: args.cwd,
            shell: args.shell,
            created_at: args.created_at,
            executed: None,
        }
    };
    let command = input.command.trim();
    if command.is_empty() {
        return Err(anyhow!("the command is empty; nothing to record"));
    }
    let now = now_ms();
    if let Some(at) = input.created_at {
        check_created_at(at, now)?;
    }
    if let Some(ms) = input.duration_ms {
        check_duration(ms)?;
    }

    let mut store = crate::commands::open_store()?;
    let prefs = Preferences::from_stored(&store.preferences()?);
    let filter = super::privacy_filter(&prefs);
    match filter.check(
        command,
        input.prompt.as_deref(),
        input.explanation.as_deref(),
    ) {
        Ok(()) => {}
        Err(excluded @ Refusal::Excluded { .. }) => {
            eprintln!("caro: {}", for_terminal(&excluded.to_string()));
            return Ok(());
        }
        Err(refusal) => return Err(refusal.into()),
    }

    let assessment = safety::assess(command);
    let entry = NewEntry {
        command: command.to_string(),
        prompt: input.prompt.filter(|p| !p.trim().is_empty()),
        explanation: input.explanation.filter(|e| !e.trim().is_empty()),
        safety_level: assessment.level,
        safety_warnings: assessment.warnings,
        executed: input.executed.unwrap_or(input.exit_code.is_some()),
        success: input.exit_code.map(|code| code == 0),
        exit_code: input.exit_code,
        duration_ms: input.duration_ms,
        cwd: input.cwd,
        shell: input.shell,
        platform: Some(std::env::consts::OS.to_string()),
        // An entry is dated when its command started: hooks record after it
        // ended, in the background, so the recording time would misorder it.
        created_at: input
            .created_at
            .unwrap_or_else(|| now - input.duration_ms.unwrap_or(0).clamp(0, 86_400_000)),
        // The hooks export CARO_SESSION once per shell, for `--session` and
        // the interactive search's session mode.
        session_id: std::env::var("CARO_SESSION").ok().filter(|s| !s.is_empty()),
        hostname: nix::unistd::gethostname()
            .ok()
            .and_then(|h| h.into_string().ok()),
    };
    if prefs.flags(entry.safety_level) {
        // A warning nobody can read (stderr closed or a broken pipe) must
        // not stop the recording.
        let _ = writeln!(
            std::io::stderr(),
            "caro: {} risk: {}",
            entry.safety_level,
            entry.safety_warnings.join("; ")
        );
    }
    let id = store.record(&entry)?;
    let mut out = crate::commands::output::stdout();
    writeln!(out, "{id}")?;
    out.flush()?;
    crate::sync::agent::start_if_wanted(&store);
    Ok(())
}

/// The earliest start caro records: 1990-01-01 UTC. Anything before is a
/// mistake, most often seconds given for milliseconds (which reads as 1970).
const EARLIEST_MS: i64 = 631_152_000_000;
/// How far ahead of this clock a start may be: another machine's clock.
const FUTURE_SLACK_MS: i64 = 86_400_000;
/// The longest duration recorded: 30 days. A longer one is a unit mistake
/// (a duration of 99999999999999 ms would list as "1666666666m39s").
const MAX_DURATION_MS: i64 = 30 * 86_400_000;

/// Refuses a start before 1990 or more than a day ahead, saying when the
/// value looks like seconds or microseconds instead of milliseconds.
fn check_created_at(at: i64, now: i64) -> Result<(), UsageError> {
    let plausible = |ms: i64| (EARLIEST_MS..=now + FUTURE_SLACK_MS).contains(&ms);
    if plausible(at) {
        return Ok(());
    }
    let hint = if at.checked_mul(1000).is_some_and(plausible) {
        format!(
            " It looks like seconds: in milliseconds that is {}.",
            at * 1000
        )
    } else if plausible(at / 1000) {
        format!(
            " It looks like microseconds: in milliseconds that is {}.",
            at / 1000
        )
    } else {
        String::new()
    };
    let when = if at < EARLIEST_MS {
        "before 1990"
    } else {
        "more than a day from now"
    };
    Err(UsageError(format!(
        "--created-at {at} is {when}; it takes milliseconds since the Unix epoch (now: {now}).{hint}"
    )))
}

fn check_duration(ms: i64) -> Result<(), UsageError> {
    if (0..=MAX_DURATION_MS).contains(&ms) {
        return Ok(());
    }
    Err(UsageError(format!(
        "--duration-ms {ms} is out of range: it takes milliseconds from 0 to {MAX_DURATION_MS} (30 days)"
    )))
}

fn read_json_stdin() -> Result<AddJson> {
    let mut buf = Vec::new();
    std::io::stdin()
        .take(MAX_JSON_BYTES + 1)
        .read_to_end(&mut buf)
        .context("cannot read the entry from stdin")?;
    if buf.len() as u64 > MAX_JSON_BYTES {
        return Err(anyhow!(
            "stdin holds more than {MAX_JSON_BYTES} bytes; --json-stdin takes one entry"
        ));
    }
    serde_json::from_slice(&buf).context(
        "stdin is not one JSON entry; expected an object such as {\"command\": \"ls\", \"exitCode\": 0}",
    )
}

/// `--command-stdin`: the raw line, less the newline a here-string adds. Reads
/// at most the limit, that newline and one byte more: enough to refuse it.
fn read_command_stdin() -> Result<String> {
    let mut buf = Vec::new();
    std::io::stdin()
        .take(MAX_COMMAND_STDIN_BYTES + 2)
        .read_to_end(&mut buf)
        .context("cannot read the command from stdin")?;
    if buf.ends_with(b"\n") {
        buf.pop();
    }
    if buf.len() as u64 > MAX_COMMAND_STDIN_BYTES {
        return Err(anyhow!(
            "the command on stdin is over {MAX_COMMAND_STDIN_BYTES} bytes, the most caro stores; nothing was recorded"
        ));
    }
    String::from_utf8(buf)
        .map_err(|_| anyhow!("the command on stdin is not valid UTF-8; nothing was recorded"))
}

/// A shell hook records the last command while the shell may already be
/// exiting (the user typed `exit`): the terminal's hangup must not kill the
/// recording half-way. Blocked, SIGHUP stays pending and ends with the process.
fn outlive_the_terminal() {
    let mut hangup = SigSet::empty();
    hangup.add(Signal::SIGHUP);
    // Failing leaves the default, which only matters if the terminal goes.
    let _ = sigprocmask(SigmaskHow::SIG_BLOCK, Some(&hangup), None);
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_764_633_600_000; // 2025-12-02

    #[test]
    fn created_at_must_be_a_plausible_time_in_milliseconds() {
        assert!(check_created_at(NOW, NOW).is_ok());
        assert!(check_created_at(EARLIEST_MS, NOW).is_ok());
        assert!(check_created_at(NOW + FUTURE_SLACK_MS, NOW).is_ok());
        let seconds = check_created_at(NOW / 1000, NOW).unwrap_err().to_string();
        assert!(seconds.contains("before 1990"), "{seconds}");
        assert!(seconds.contains("looks like seconds"), "{seconds}");
        let micros = check_created_at(NOW * 1000, NOW).unwrap_err().to_string();
        assert!(micros.contains("more than a day from now"), "{micros}");
        assert!(micros.contains("looks like microseconds"), "{micros}");
        let year_9999 = check_created_at(253_402_214_400_000, NOW)
            .unwrap_err()
            .to_string();
        assert!(!year_9999.contains("looks like"), "{year_9999}");
        assert!(check_created_at(i64::MAX, NOW).is_err());
        assert!(check_created_at(-1, NOW).is_err());
    }

    #[test]
    fn durations_are_bounded() {
        assert!(check_duration(0).is_ok());
        assert!(check_duration(MAX_DURATION_MS).is_ok());
        assert!(check_duration(MAX_DURATION_MS + 1).is_err());
        assert!(check_duration(-1).is_err());
        assert!(check_duration(99_999_999_999_999)
            .unwrap_err()
            .to_string()
            .contains("30 days"));
    }
}
