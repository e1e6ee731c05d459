//! `caro sync watch`: the sync agent in the foreground until Ctrl-C; with the
//! hidden `--background`, the agent `caro sync start` and `history add`
//! start detached (logging to the home's `sync/agent.log`).

use std::io::Write;

use anyhow::{bail, Result};

use super::options;
use crate::cli::WatchArgs;
use crate::commands::output;
use crate::paths::Paths;
use crate::sync::agent::{self, AgentLock};
use crate::sync::session::runtime;
use crate::sync::setup::require_setup;
use crate::sync::watch::Mode;

pub fn run(args: &WatchArgs) -> Result<()> {
    let paths = Paths::from_env()?;
    if args.background {
        return background(&paths, args);
    }
    crate::sync::check_given_relay(args.relay.as_deref(), args.insecure_transport)?;
    let setup = require_setup(&paths)?;
    let _lock = take_over(&paths, args.quiet)?;
    let opts = options(args.verbose, args.quiet);
    // Signals end the agent's loop, which closes its daemon in order.
    crate::daemon::stop::leave_signals_to_the_command();
    runtime()?.block_on(crate::sync::watch::run(
        &paths,
        setup,
        args.relay.as_deref(),
        opts,
        Mode::Foreground,
        &mut output::stdout(),
    ))
}

/// The foreground agent's lock. A background agent gives way to it (a login
/// service's watch, or a user who wants to see the sync, becomes the agent);
/// another foreground watch does not.
fn take_over(paths: &Paths, quiet: bool) -> Result<AgentLock> {
    for _ in 0..3 {
        if let Some(lock) = AgentLock::acquire(paths, false)? {
            return Ok(lock);
        }
        match agent::running(paths) {
            Some(holder) if holder.background => {
                agent::stop(paths)?;
                if !quiet {
                    writeln!(
                        output::stdout(),
                        "took over from the background sync agent (pid {})",
                        holder.pid
                    )?;
                }
            }
            Some(holder) => bail!(
                "a sync agent (pid {}) already runs for this home and keeps it in sync \
                 (`caro sync watch` or the login service); stop it to watch here instead",
                holder.pid
            ),
            None => {}
        }
    }
    bail!("another sync agent keeps starting for this home; stop it with `caro sync stop` and try again")
}

/// The detached agent: nobody reads its stdout or stderr, so everything,
/// a failure to start included, goes to the log.
fn background(paths: &Paths, args: &WatchArgs) -> Result<()> {
    agent::detach();
    let mut log = agent::open_log(paths)?;
    let Some(_lock) = AgentLock::acquire(paths, true)? else {
        // Another agent won the race to start: it does the work.
        return Ok(());
    };
    let stamp = || jiff::Timestamp::now();
    writeln!(
        log,
        "{} agent started (pid {})",
        stamp(),
        std::process::id()
    )?;
    let ran = (|| {
        let setup = require_setup(paths)?;
        crate::daemon::stop::leave_signals_to_the_command();
        let mut out = log.try_clone()?;
        runtime()?.block_on(crate::sync::watch::run(
            paths,
            setup,
            None,
            options(false, args.quiet),
            Mode::Background,
            &mut out,
        ))
    })();
    if let Err(err) = &ran {
        writeln!(log, "{} agent stopped: {err:#}", stamp())?;
    }
    ran
}
