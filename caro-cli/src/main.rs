//! The `caro` binary: parse the command line, run it, map the outcome to an
//! exit code (0 ok, 1 failure, 2 usage error; a closed stdout is not a failure).

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = match caro::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // --help and --version land here too; they go to stdout and succeed.
            let _ = err.print();
            return if err.use_stderr() {
                ExitCode::from(caro::error::USAGE_EXIT_CODE)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match caro::commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => caro::error::report(&err),
    }
}
