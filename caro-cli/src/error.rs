//! The usage error and its exit code (how failures print is
//! `commands::output::report`).

/// Exit code for a command line the user has to change (clap uses it too).
pub const USAGE_EXIT_CODE: u8 = 2;

/// A mistake in the command line or its values, reported with exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);
