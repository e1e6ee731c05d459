//! The only way anything reaches stdout, and how a failure is reported.
//!
//! Every command writes through [`stdout`]: a locked, buffered writer whose
//! errors surface as `Err` (never a panic), so a closed pipe
//! (`caro history list | head -1`) ends the command, and [`report`] treats
//! that as the reader's choice: exit 0, nothing on stderr. A failure of a
//! `--json` command is one JSON object, `{"error":{"kind":…,"message":…}}`,
//! with a stable [`FailureKind`]; other failures are one line on stderr.
//! Progress bars and prompts go to stderr or the terminal, never here.

use std::io::{self, BufWriter, StdoutLock, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Result;
use serde_json::json;

use crate::daemon::client::DaemonError;
use crate::daemon::protocol::RpcErrorKind;
use crate::error::{UsageError, USAGE_EXIT_CODE};
use crate::escape::for_terminal;
use crate::store::StoreError;
use crate::sync::error::{SyncErrorKind, SyncFailure};

/// Set once a command wrote its JSON answer: a failure after that (a sync
/// whose report says items stay queued) goes to stderr, so stdout still holds
/// exactly one JSON object.
static JSON_ANSWERED: AtomicBool = AtomicBool::new(false);

/// Standard output, locked and buffered for one command.
pub struct Stdout(BufWriter<StdoutLock<'static>>);

/// The command's standard output.
pub fn stdout() -> Stdout {
    Stdout(BufWriter::new(io::stdout().lock()))
}

impl Stdout {
    /// Writes `value` as pretty JSON and a newline, and flushes.
    pub fn json(&mut self, value: &impl serde::Serialize) -> Result<()> {
        JSON_ANSWERED.store(true, Ordering::Relaxed);
        serde_json::to_writer_pretty(&mut self.0, value)?;
        writeln!(self.0)?;
        self.0.flush()?;
        Ok(())
    }

    /// Writes one line and flushes (for output that must show at once).
    pub fn line(&mut self, text: &str) -> Result<()> {
        writeln!(self.0, "{text}")?;
        self.0.flush()?;
        Ok(())
    }
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// What kind of failure a command ended with, as `--json` names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailureKind {
    /// The command line or a value in it is wrong (exit code 2).
    Usage,
    /// `caro sync …` before `caro sync init` or `join`.
    NotSetUp,
    /// The sync daemon answered with this error (or this side found the same).
    Rpc(RpcErrorKind),
    /// The sync daemon could not be started, died, timed out or broke the protocol.
    Daemon,
    /// The history database cannot be opened, read or written.
    Store,
    /// Anything else; the message says what.
    Failed,
}

impl FailureKind {
    /// The kind of `err`: the first cause in its chain that has one.
    pub fn of(err: &anyhow::Error) -> FailureKind {
        err.chain()
            .find_map(|cause| {
                if cause.is::<UsageError>() || cause.is::<clap::Error>() {
                    return Some(FailureKind::Usage);
                }
                if let Some(failure) = cause.downcast_ref::<SyncFailure>() {
                    return Some(match &failure.kind {
                        SyncErrorKind::NotSetUp => FailureKind::NotSetUp,
                        SyncErrorKind::Rpc(kind) => FailureKind::Rpc(kind.clone()),
                    });
                }
                if let Some(daemon) = cause.downcast_ref::<DaemonError>() {
                    return Some(
                        daemon
                            .kind()
                            .map_or(FailureKind::Daemon, |k| FailureKind::Rpc(k.clone())),
                    );
                }
                cause.is::<StoreError>().then_some(FailureKind::Store)
            })
            .unwrap_or(FailureKind::Failed)
    }

    /// Its stable kebab-case name.
    pub fn as_str(&self) -> &str {
        match self {
            FailureKind::Usage => "usage",
            FailureKind::NotSetUp => "not-set-up",
            FailureKind::Rpc(kind) => kind.as_str(),
            FailureKind::Daemon => "daemon",
            FailureKind::Store => "store",
            FailureKind::Failed => "failed",
        }
    }
}

/// Reports `err` and returns the exit code it deserves: 0 for a closed
/// stdout, 2 for a usage error, else 1. With `json`, the failure is printed
/// as one JSON object on stdout instead of a line on stderr.
pub fn report(err: &anyhow::Error, json: bool) -> ExitCode {
    if is_broken_pipe(err) {
        return ExitCode::SUCCESS;
    }
    let kind = FailureKind::of(err);
    let message = format!("{err:#}").trim_end().to_string();
    if json && !JSON_ANSWERED.load(Ordering::Relaxed) {
        let object = json!({"error": {"kind": kind.as_str(), "message": message}});
        // A reader gone by now cannot be told anything.
        let _ = writeln!(io::stdout().lock(), "{object}");
    } else {
        let _ = writeln!(io::stderr().lock(), "caro: {}", for_person(&message));
    }
    if kind == FailureKind::Usage {
        ExitCode::from(USAGE_EXIT_CODE)
    } else {
        ExitCode::FAILURE
    }
}

/// A message for a person, each of its lines escaped: a message quotes what
/// the user typed or a file held, but its own line breaks stay.
pub fn for_person(message: &str) -> String {
    message
        .split('\n')
        .map(for_terminal)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether `err` comes from writing to a reader that went away.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        let kind = match cause.downcast_ref::<serde_json::Error>() {
            Some(json) => json.io_error_kind(),
            None => cause.downcast_ref::<io::Error>().map(io::Error::kind),
        };
        kind == Some(io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_failure_gets_its_kind() {
        let usage = anyhow::Error::new(UsageError("bad".into()));
        assert_eq!(FailureKind::of(&usage).as_str(), "usage");
        let rpc = anyhow::Error::new(DaemonError::Rpc {
            method: "sync.init".into(),
            code: -32003,
            kind: RpcErrorKind::RelayUnreachable,
            message: "down".into(),
        })
        .context("while syncing");
        assert_eq!(FailureKind::of(&rpc).as_str(), "relay-unreachable");
        let not_set_up = anyhow::Error::new(SyncFailure {
            kind: SyncErrorKind::NotSetUp,
            message: "run init".into(),
        });
        assert_eq!(FailureKind::of(&not_set_up), FailureKind::NotSetUp);
        let store = anyhow::Error::new(StoreError::UnknownIds {
            ids: vec!["x".into()],
        });
        assert_eq!(FailureKind::of(&store), FailureKind::Store);
        assert_eq!(
            FailureKind::of(&anyhow::anyhow!("other")).as_str(),
            "failed"
        );
    }

    #[test]
    fn a_closed_pipe_is_recognised_through_context() {
        let io = io::Error::from(io::ErrorKind::BrokenPipe);
        assert!(is_broken_pipe(&anyhow::Error::new(io).context("writing")));
        let json = serde_json::Error::io(io::Error::from(io::ErrorKind::BrokenPipe));
        assert!(is_broken_pipe(&anyhow::Error::new(json)));
        assert!(!is_broken_pipe(&anyhow::anyhow!("broken pipe")));
    }
}
