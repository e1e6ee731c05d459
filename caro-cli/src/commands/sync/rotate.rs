//! `caro sync rotate`: new keys for the whole account (`crate::sync::rotate`
//! does it), the new phrase shown once as `init` shows one. `caro sync devices
//! remove` and a `caro sync` that finds an interrupted rotation end here too.

use std::io::{IsTerminal, Write};

use anyhow::Result;
use crypto_core::{Phrase, RetiredReason};
use serde::Serialize;

use super::init::write_phrase;
use super::options;
use crate::cli::RotateArgs;
use crate::commands::output;
use crate::error::UsageError;
use crate::escape::for_terminal;
use crate::paths::Paths;
use crate::sync::rotate::rotate;
use crate::sync::session::runtime;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RotateJson<'a> {
    phrase: &'a str,
    key_id: &'a str,
    account_id: &'a str,
}

pub fn run(args: &RotateArgs) -> Result<()> {
    rotate_and_show(RetiredReason::Rotated, Vec::new(), args.json, args.verbose)
}

/// Rotates (or finishes an interrupted rotation) and shows the new phrase:
/// on a terminal, or as JSON to a script that asked. Anywhere else it
/// refuses before anything changes, since the phrase would end up in a file
/// or a log.
pub(super) fn rotate_and_show(
    reason: RetiredReason,
    removed: Vec<String>,
    json: bool,
    verbose: bool,
) -> Result<()> {
    if !json && !std::io::stdout().is_terminal() {
        return Err(UsageError(
            "a key rotation shows the new recovery phrase only on a terminal, and stdout is not \
             one (a file, a pipe or a log would keep it); nothing was changed. Run it in a \
             terminal, or pass --json (for a script that keeps the phrase safe)"
                .into(),
        )
        .into());
    }
    let paths = Paths::from_env()?;
    // The agent syncs the old account from the daemon directory the rotation
    // replaces: it stops first, and none starts until the rotation is done.
    crate::sync::agent::stop(&paths)?;
    let rotated = runtime()?.block_on(rotate(&paths, reason, removed, options(verbose, json)))?;
    crate::sync::agent::start_if_wanted_in(&paths);
    let mut out = output::stdout();
    if json {
        out.json(&RotateJson {
            phrase: &rotated.phrase,
            key_id: &rotated.key_id,
            account_id: &rotated.account_id,
        })?;
        return Ok(out.flush()?);
    }
    let done = format!(
        "{}Keys rotated: new account {}, key id {} (epoch {}); {} re-sealed into it. The old \
         account is retired: its devices stop at their next sync.",
        if rotated.resumed {
            "Finished the rotation an earlier run started. "
        } else {
            ""
        },
        rotated.account_id,
        rotated.key_id,
        rotated.epoch,
        crate::plural::count(rotated.pushed, "record", "records"),
    );
    writeln!(out, "{}\n", for_terminal(&done))?;
    write_phrase(&mut out, &Phrase::parse(&rotated.phrase)?)?;
    writeln!(
        out,
        "\nOn your other devices run `caro sync join` and type these words; their local \
         history is kept. A removed device can read nothing recorded from now on."
    )?;
    Ok(out.flush()?)
}
