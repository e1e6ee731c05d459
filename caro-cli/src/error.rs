//! How failures reach the user: one line on stderr and an exit code.

use std::io;
use std::process::ExitCode;

/// Exit code for a command line the user has to change (clap uses it too).
pub const USAGE_EXIT_CODE: u8 = 2;

/// A mistake in the command line or its values, reported with exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Prints `err` with its causes and returns the exit code it deserves.
///
/// A broken pipe (`caro history list | head -1`) is the reader's choice to stop,
/// not a failure: it exits 0 silently.
pub fn report(err: &anyhow::Error) -> ExitCode {
    let broken_pipe = err.chain().any(|cause| {
        let kind = match cause.downcast_ref::<serde_json::Error>() {
            Some(json) => json.io_error_kind(),
            None => cause.downcast_ref::<io::Error>().map(io::Error::kind),
        };
        kind == Some(io::ErrorKind::BrokenPipe)
    });
    if broken_pipe {
        return ExitCode::SUCCESS;
    }
    eprintln!("caro: {err:#}");
    if err.downcast_ref::<UsageError>().is_some() {
        ExitCode::from(USAGE_EXIT_CODE)
    } else {
        ExitCode::FAILURE
    }
}
