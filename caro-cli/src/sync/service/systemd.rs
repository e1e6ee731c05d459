//! The systemd user unit (`~/.config/systemd/user/caro-sync.service`, under
//! `XDG_CONFIG_HOME` when set) and the `systemctl --user` commands that
//! enable, start, stop and inspect it. The unit restarts the agent when it
//! fails, not when it is stopped, and starts it at login (`default.target`).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::{output, run_all, Agent, Commands, State, Written, MARKER};

/// The unit's name.
pub const UNIT: &str = "caro-sync.service";
/// Seconds between a failure and the restart (systemd's default, 100 ms,
/// would spin on a lasting fault such as a full disk).
const RESTART_SEC: u32 = 5;

/// `$XDG_CONFIG_HOME/systemd/user/caro-sync.service` (`~/.config` without it).
pub fn unit_file() -> Result<PathBuf> {
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|dir| dir.is_absolute())
        .or_else(|| directories::BaseDirs::new().map(|dirs| dirs.home_dir().join(".config")))
        .context(
            "cannot find your home directory (HOME is not set); set HOME or XDG_CONFIG_HOME",
        )?;
    Ok(config.join("systemd/user").join(UNIT))
}

/// The link `systemctl --user enable` makes: the unit starts at login while it is there.
fn wants_link(unit_file: &Path) -> PathBuf {
    unit_file.with_file_name("default.target.wants").join(UNIT)
}

/// The unit's text.
pub fn render(agent: &Agent) -> String {
    let mut exec = quote(&agent.program.to_string_lossy(), true);
    for arg in agent.args {
        exec.push(' ');
        exec.push_str(arg);
    }
    let mut unit = format!(
        "# {MARKER}; `caro sync service uninstall` removes it.\n\
         [Unit]\n\
         Description=caro sync: keeps this device's shell history in sync\n\
         \n\
         [Service]\n\
         Type=simple\n\
         ExecStart={exec}\n"
    );
    for (name, value) in &agent.env {
        unit.push_str(&format!(
            "Environment={}\n",
            quote(&format!("{name}={value}"), false)
        ));
    }
    unit.push_str(&format!(
        "Restart=on-failure\n\
         RestartSec={RESTART_SEC}\n\
         \n\
         [Install]\n\
         WantedBy=default.target\n"
    ));
    unit
}

/// One double-quoted word of a unit file: backslash and quote escaped, `%`
/// (a specifier) doubled, and in a command line `$` (a variable) doubled.
fn quote(word: &str, command: bool) -> String {
    let mut out = String::with_capacity(word.len() + 2);
    out.push('"');
    for c in word.chars() {
        match c {
            '\\' | '"' => {
                out.push('\\');
                out.push(c);
            }
            '%' => out.push_str("%%"),
            '$' if command => out.push_str("$$"),
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

const USER: &str = "--user";

/// After the unit was written: reload, restart it if it runs (a changed
/// unit), enable it and start it.
pub fn activate(written: Written) -> Commands {
    let mut calls: Vec<&[&str]> = vec![&[USER, "daemon-reload"]];
    if written == Written::Updated {
        calls.push(&[USER, "try-restart", UNIT]);
    }
    calls.push(&[USER, "enable", "--now", UNIT]);
    run_all("systemctl", &calls)
}

/// Before the unit is removed: stop it and disable it.
pub fn deactivate(unit_file: &Path) -> Commands {
    if !unit_file.exists() {
        return Commands::default();
    }
    run_all("systemctl", &[&[USER, "disable", "--now", UNIT]])
}

/// After the unit was removed: drop the login link `disable` could not
/// remove (systemctl unreachable), and reload if systemctl works.
pub fn after_removal(unit_file: &Path, mut commands: Commands) -> Result<Commands> {
    let link = wants_link(unit_file);
    if link.symlink_metadata().is_ok() {
        std::fs::remove_file(&link).with_context(|| format!("cannot remove {}", link.display()))?;
    }
    if commands.stopped.is_none() && !commands.done.is_empty() {
        let reload = run_all("systemctl", &[&[USER, "daemon-reload"]]);
        commands.done.extend(reload.done);
        commands.stopped = reload.stopped;
    }
    Ok(commands)
}

/// Installed: the file. Enabled: the login link (what `enable` makes, so
/// known without systemctl). Active: what `systemctl --user is-active` says.
pub fn state(unit_file: &Path, installed: bool) -> State {
    let enabled = Some(installed && wants_link(unit_file).exists());
    // is-active prints the unit's state, and fails for every state but
    // "active"; without a user manager it prints nothing and says why.
    let (active, detail) = match output("systemctl", &[USER, "is-active", UNIT]) {
        Ok(out) if !out.stdout.is_empty() => (Some(out.stdout == "active"), out.stdout),
        Ok(out) => (
            None,
            format!("systemctl --user cannot be asked: {}", out.reason),
        ),
        Err(reason) => (None, format!("systemctl --user cannot be asked: {reason}")),
    };
    State {
        installed,
        enabled,
        active,
        detail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent() -> Agent {
        Agent {
            program: PathBuf::from("/opt/my caro/bin/caro"),
            args: ["sync", "watch", "--quiet"],
            env: vec![
                ("CARO_HOME", "/home/me/100% \"caro\"".to_string()),
                ("PATH", "/usr/bin:/bin".to_string()),
            ],
        }
    }

    #[test]
    fn the_unit_runs_the_agent_with_its_environment_and_restarts_on_failure() {
        let unit = render(&agent());
        assert!(unit.starts_with(&format!("# {MARKER}")), "{unit}");
        assert!(
            unit.contains("ExecStart=\"/opt/my caro/bin/caro\" sync watch --quiet\n"),
            "{unit}"
        );
        assert!(
            unit.contains("Environment=\"CARO_HOME=/home/me/100%% \\\"caro\\\"\"\n"),
            "{unit}"
        );
        assert!(
            unit.contains("Environment=\"PATH=/usr/bin:/bin\"\n"),
            "{unit}"
        );
        assert!(unit.contains("Restart=on-failure\n"), "{unit}");
        assert!(unit.contains("WantedBy=default.target\n"), "{unit}");
    }

    #[test]
    fn a_dollar_in_the_program_path_is_not_a_variable() {
        assert_eq!(quote("/a$b%c", true), "\"/a$$b%%c\"");
        assert_eq!(quote("/a$b", false), "\"/a$b\"");
    }

    #[test]
    fn the_login_link_is_in_default_target_wants() {
        assert_eq!(
            wants_link(Path::new("/c/systemd/user/caro-sync.service")),
            Path::new("/c/systemd/user/default.target.wants/caro-sync.service")
        );
    }
}
