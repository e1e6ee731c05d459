//! The `caro` binary: parse the command line, run it, map the outcome to an
//! exit code (0 ok, 1 failure, 2 usage error; a closed stdout is not a failure).

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use caro::commands::output;

fn main() -> ExitCode {
    caro::paths::restrict_umask();
    let cli = match caro::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) if err.use_stderr() => {
            // A script that asked for JSON gets its usage error as JSON too.
            if caro::cli::asks_for_json(std::env::args_os()) {
                return output::report(&err.into(), true);
            }
            // clap quotes the offending argument: it reaches the terminal escaped.
            let message = output::for_person(&err.render().to_string());
            let _ = write!(std::io::stderr().lock(), "{message}");
            return ExitCode::from(caro::error::USAGE_EXIT_CODE);
        }
        Err(err) => {
            // --help and --version: to stdout, and they succeed.
            let _ = err.print();
            return ExitCode::SUCCESS;
        }
    };
    let json = cli.wants_json();
    let outcome = caro::commands::run(cli);
    // A Ctrl-C may be stopping the daemon right now: its status wins.
    caro::daemon::stop::wait_if_stopping();
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => output::report(&err, json),
    }
}
