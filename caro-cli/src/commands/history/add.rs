//! `caro history add`: the shell hooks' hot path. Kept lean: one database
//! open, one small preference read, regexes compiled only when checked, one
//! transaction.

use std::io::{Read, Write};

use anyhow::{anyhow, Context, Result};
use nix::sys::signal::{sigprocmask, SigSet, SigmaskHow, Signal};
use serde::Deserialize;

use crate::cli::AddArgs;
use crate::config::Preferences;
use crate::privacy::{ExcludePatterns, PrivacyFilter, Refusal};
use crate::safety;
use crate::store::NewEntry;
use crate::time::now_ms;

/// The most `--json-stdin` reads.
const MAX_JSON_BYTES: u64 = 1024 * 1024;

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
        AddJson {
            command: args.command.unwrap_or_default(),
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

    let mut store = crate::commands::open_store()?;
    let prefs = Preferences::from_stored(&store.preferences()?);
    let excludes = ExcludePatterns::new(&prefs.exclude_patterns)
        .map_err(|e| anyhow!("{e}; fix it with `caro config set exclude_patterns ...`"))?;
    let filter = PrivacyFilter::new(prefs.secrets_filter, excludes);
    match filter.check(
        command,
        input.prompt.as_deref(),
        input.explanation.as_deref(),
    ) {
        Ok(()) => {}
        Err(excluded @ Refusal::Excluded { .. }) => {
            eprintln!("caro: {excluded}");
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
        duration_ms: input.duration_ms.filter(|d| *d >= 0),
        cwd: input.cwd,
        shell: input.shell,
        platform: Some(std::env::consts::OS.to_string()),
        // An entry is dated when its command started: hooks record after it
        // ended, in the background, so the recording time would misorder it.
        created_at: input
            .created_at
            .unwrap_or_else(|| now_ms() - input.duration_ms.unwrap_or(0).clamp(0, 86_400_000)),
        // The hooks export CARO_SESSION once per shell, for `--session` and
        // the interactive search's session mode.
        session_id: std::env::var("CARO_SESSION").ok().filter(|s| !s.is_empty()),
        hostname: nix::unistd::gethostname()
            .ok()
            .and_then(|h| h.into_string().ok()),
    };
    let id = store.record(&entry)?;
    let mut out = crate::commands::stdout();
    writeln!(out, "{id}")?;
    out.flush()?;
    crate::sync::auto::after_add(&store);
    Ok(())
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

/// A shell hook records the last command while the shell may already be
/// exiting (the user typed `exit`): the terminal's hangup must not kill the
/// recording half-way. Blocked, SIGHUP stays pending and ends with the process.
fn outlive_the_terminal() {
    let mut hangup = SigSet::empty();
    hangup.add(Signal::SIGHUP);
    // Failing leaves the default, which only matters if the terminal goes.
    let _ = sigprocmask(SigmaskHow::SIG_BLOCK, Some(&hangup), None);
}
