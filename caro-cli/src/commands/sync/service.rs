//! `caro sync service install | uninstall | status`: tells the person what
//! the login service's files and commands did (the work is in
//! `crate::sync::service`). A manager that cannot be reached (no user
//! systemd in a container, say) is not a failure of the install: the file
//! is written, and the commands still to run are printed.

use std::io::Write;

use anyhow::Result;
use serde::Serialize;

use crate::cli::{ServiceArgs, ServiceCommand, ServiceStatusArgs};
use crate::commands::output;
use crate::paths::Paths;
use crate::sync::service::{self, Commands, Manager, Service, Written};
use crate::sync::setup::require_setup;

pub fn run(args: &ServiceArgs) -> Result<()> {
    match &args.command {
        ServiceCommand::Install => install(),
        ServiceCommand::Uninstall => uninstall(),
        ServiceCommand::Status(status_args) => status(status_args),
    }
}

fn describe(manager: Manager) -> &'static str {
    match manager {
        Manager::Systemd => "systemd user unit",
        Manager::Launchd => "launchd agent",
    }
}

fn install() -> Result<()> {
    let paths = Paths::from_env()?;
    // An agent without an account would fail and be restarted forever.
    require_setup(&paths)?;
    let service = Service::of_this_platform()?;
    let agent = service::Agent::current(&paths)?;
    let installed = service::install(&service, &agent)?;
    let mut out = output::stdout();
    let verb = match installed.written {
        Written::Created => "wrote",
        Written::Updated => "updated",
        Written::Unchanged => "unchanged:",
    };
    writeln!(
        out,
        "{verb} {} ({}: runs `{} sync watch --quiet` at login, restarted if it fails)",
        service.file.display(),
        describe(service.manager),
        agent.program.display()
    )?;
    let started = print_commands(
        &mut out,
        &installed.commands,
        "to start it now and at each login",
    )?;
    if started {
        writeln!(
            out,
            "caro sync now runs in the background and at each login; `caro sync service uninstall` stops it"
        )?;
    }
    out.flush()?;
    Ok(())
}

fn uninstall() -> Result<()> {
    let service = Service::of_this_platform()?;
    let uninstalled = service::uninstall(&service)?;
    let mut out = output::stdout();
    if uninstalled.removed {
        writeln!(out, "removed {}", service.file.display())?;
    } else {
        writeln!(
            out,
            "no caro sync service is installed (no {}); nothing to remove",
            service.file.display()
        )?;
    }
    print_commands(
        &mut out,
        &uninstalled.commands,
        "if it still runs, stop it with",
    )?;
    out.flush()?;
    Ok(())
}

/// Prints the commands that ran and, where they stopped, why and what is
/// left to run by hand. True when everything ran.
fn print_commands(out: &mut dyn Write, commands: &Commands, what_left_does: &str) -> Result<bool> {
    for command in &commands.done {
        writeln!(out, "ran: {command}")?;
    }
    let Some(stopped) = &commands.stopped else {
        return Ok(true);
    };
    writeln!(
        out,
        "could not run `{}` here: {}",
        stopped.left[0], stopped.reason
    )?;
    writeln!(out, "{what_left_does}, run:")?;
    for command in &stopped.left {
        writeln!(out, "  {command}")?;
    }
    Ok(false)
}

#[derive(Serialize)]
struct Status {
    manager: &'static str,
    file: String,
    installed: bool,
    /// Starts at login; null when the manager cannot be asked.
    enabled: Option<bool>,
    /// Running now; null when the manager cannot be asked.
    active: Option<bool>,
    /// The manager's word for the state, or why it could not be asked.
    detail: String,
}

fn status(args: &ServiceStatusArgs) -> Result<()> {
    let service = Service::of_this_platform()?;
    let state = service::state(&service);
    let status = Status {
        manager: service.manager.name(),
        file: service.file.display().to_string(),
        installed: state.installed,
        enabled: state.enabled,
        active: state.active,
        detail: state.detail,
    };
    let mut out = output::stdout();
    if args.json {
        return out.json(&status);
    }
    let yes_no = |value: Option<bool>| match value {
        Some(true) => "yes",
        Some(false) => "no",
        None => "unknown",
    };
    writeln!(
        out,
        "service:   {} {}",
        describe(service.manager),
        status.file
    )?;
    writeln!(out, "installed: {}", yes_no(Some(status.installed)))?;
    writeln!(
        out,
        "enabled:   {} (starts at login)",
        yes_no(status.enabled)
    )?;
    writeln!(
        out,
        "active:    {} ({})",
        yes_no(status.active),
        status.detail
    )?;
    if !status.installed {
        writeln!(out, "`caro sync service install` installs it")?;
    }
    out.flush()?;
    Ok(())
}
