//! `caro sync relay`: the package's relay in the foreground (this process
//! becomes it, so signals and the exit status are the relay's own). Its first
//! line, `listening URL`, carries the token clients need.

use std::os::unix::process::CommandExt;
use std::process::Command;

use anyhow::{Context, Result};

use crate::cli::RelayArgs;
use crate::daemon::locate;

pub fn run(args: &RelayArgs) -> Result<()> {
    let program = locate::relay()?;
    let mut command = Command::new(&program.program);
    command
        .args(&program.args)
        .args(["--host", &args.host, "--port", &args.port.to_string()]);
    match &args.db {
        Some(db) => {
            command.arg("--db").arg(db);
        }
        None => {
            command.arg("--in-memory");
        }
    }
    if let Some(file) = &args.token_file {
        command.arg("--token-file").arg(file);
    }
    if args.open {
        command.arg("--open");
    }
    if let Some(bytes) = args.max_connection_bytes {
        command.args(["--max-connection-bytes", &bytes.to_string()]);
    }
    if let Some(bytes) = args.max_account_bytes {
        command.args(["--max-account-bytes", &bytes.to_string()]);
    }
    let err = command.exec();
    Err(err).with_context(|| format!("cannot start the relay ({})", program.display()))
}
