//! `caro sync service`: the login service that keeps the sync agent (`caro
//! sync watch --quiet`) running for this home without a terminal (issue 14).
//! A systemd user unit on Linux ([`systemd`]), a launchd agent on macOS
//! ([`launchd`]); both are the user's own files, so no root is needed.
//!
//! This module owns what both share: which manager this platform has, what
//! the service runs ([`Agent`]), and writing or removing its file, whole or
//! not at all, never over a file caro did not write. The managers' own
//! commands (`systemctl --user`, `launchctl`) run where they work; where they
//! do not, the outcome says so and names the command to run by hand.

pub mod launchd;
pub mod systemd;

use std::ffi::OsStr;
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};

use crate::paths::{Paths, CARO_HOME};

/// Every file caro writes holds this: a file without it is someone else's.
pub const MARKER: &str = "Written by `caro sync service install`";

/// The daemon's command line: the service must find the daemon as this shell does.
const DAEMON_ENV: &str = "CARO_SYNC_DAEMON";

/// The service manager of this platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Manager {
    Systemd,
    Launchd,
}

impl Manager {
    /// launchd on macOS, systemd everywhere else caro builds.
    pub fn of_this_platform() -> Manager {
        if cfg!(target_os = "macos") {
            Manager::Launchd
        } else {
            Manager::Systemd
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Manager::Systemd => "systemd",
            Manager::Launchd => "launchd",
        }
    }
}

/// What the service runs: this very `caro` binary as `sync watch --quiet`,
/// with the environment that makes it use this home and find this daemon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agent {
    pub program: PathBuf,
    pub args: [&'static str; 3],
    pub env: Vec<(&'static str, String)>,
}

impl Agent {
    /// The agent of the running binary for `paths`. `CARO_HOME` goes in
    /// only when it is set (absolute, as the service has no working
    /// directory of ours), `CARO_SYNC_DAEMON` likewise, and `PATH` always:
    /// a login service starts with the manager's bare `PATH`, where `node`
    /// or `caro-sync-daemon` installed under the home would not be found.
    pub fn current(paths: &Paths) -> Result<Agent> {
        let exe = std::env::current_exe()
            .and_then(fs::canonicalize)
            .context("cannot find the path of the running caro binary")?;
        let program = exe.to_str().context(
            "the path of the caro binary is not UTF-8; install caro in another directory",
        )?;
        no_control_chars("the path of the caro binary", program)?;
        let mut env = Vec::new();
        if std::env::var_os(CARO_HOME).is_some_and(|home| !home.is_empty()) {
            let home = std::path::absolute(&paths.data_dir)
                .with_context(|| format!("cannot make {CARO_HOME} absolute"))?;
            env.push((CARO_HOME, utf8(CARO_HOME, home.as_os_str())?));
        }
        for name in [DAEMON_ENV, "PATH"] {
            if let Some(value) = std::env::var_os(name).filter(|v| !v.is_empty()) {
                env.push((name, utf8(name, &value)?));
            }
        }
        Ok(Agent {
            program: exe,
            args: ["sync", "watch", "--quiet"],
            env,
        })
    }
}

fn utf8(name: &str, value: &OsStr) -> Result<String> {
    let text = value
        .to_str()
        .with_context(|| format!("{name} is not UTF-8, so a service file cannot hold it"))?;
    no_control_chars(name, text)?;
    Ok(text.to_string())
}

/// A newline in a value would end the line of a unit file: refused, not escaped.
fn no_control_chars(what: &str, text: &str) -> Result<()> {
    if text.chars().any(char::is_control) {
        bail!("{what} holds a control character (a newline or tab), which a service file cannot hold: {text:?}");
    }
    Ok(())
}

/// The login service of this platform for this user.
#[derive(Debug, Clone)]
pub struct Service {
    pub manager: Manager,
    /// The unit or plist file.
    pub file: PathBuf,
}

impl Service {
    /// The service of this platform, its file under the user's home (or
    /// `XDG_CONFIG_HOME` for systemd).
    pub fn of_this_platform() -> Result<Service> {
        let manager = Manager::of_this_platform();
        let file = match manager {
            Manager::Systemd => systemd::unit_file()?,
            Manager::Launchd => launchd::plist_file()?,
        };
        Ok(Service { manager, file })
    }

    /// The file's text for `agent`.
    pub fn render(&self, agent: &Agent) -> String {
        match self.manager {
            Manager::Systemd => systemd::render(agent),
            Manager::Launchd => launchd::render(agent, &self.file),
        }
    }
}

/// What install did to the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    Created,
    Updated,
    Unchanged,
}

/// The service manager's commands that install or uninstall ran: those
/// that succeeded, and where it stopped, if it did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Commands {
    /// Each command line, as a person would type it.
    pub done: Vec<String>,
    pub stopped: Option<Stopped>,
}

/// A command that failed, why, and it with the ones after it (still to run).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stopped {
    pub reason: String,
    pub left: Vec<String>,
}

/// Runs `program` with each argument list in turn, stopping at the first failure.
pub fn run_all(program: &str, calls: &[&[&str]]) -> Commands {
    let mut commands = Commands::default();
    for (i, args) in calls.iter().enumerate() {
        match run(program, args) {
            Ok(_) => commands.done.push(command_line(program, args)),
            Err(reason) => {
                let left = calls[i..]
                    .iter()
                    .map(|a| command_line(program, a))
                    .collect();
                commands.stopped = Some(Stopped { reason, left });
                break;
            }
        }
    }
    commands
}

fn command_line(program: &str, args: &[&str]) -> String {
    std::iter::once(program)
        .chain(args.iter().copied())
        .map(|word| shell_words::quote(word).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// What `install` did: the file, and the manager's commands that enable and start it.
#[derive(Debug, Clone)]
pub struct Installed {
    pub written: Written,
    pub commands: Commands,
}

/// Writes the service for `agent` and asks the manager to start it now and at login.
pub fn install(service: &Service, agent: &Agent) -> Result<Installed> {
    let written = write_file(&service.file, &service.render(agent))?;
    let commands = match service.manager {
        Manager::Systemd => systemd::activate(written),
        Manager::Launchd => launchd::activate(&service.file),
    };
    Ok(Installed { written, commands })
}

/// What `uninstall` did.
#[derive(Debug, Clone)]
pub struct Uninstalled {
    /// The file was there (and is gone now).
    pub removed: bool,
    pub commands: Commands,
}

/// Stops and disables the service, then removes its file. A file caro did
/// not write is refused before anything is stopped.
pub fn uninstall(service: &Service) -> Result<Uninstalled> {
    if service.file.exists() {
        // Refuses someone else's file before the manager is told anything.
        check_ours(&service.file)?;
    }
    let commands = match service.manager {
        Manager::Systemd => systemd::deactivate(&service.file),
        Manager::Launchd => launchd::deactivate(),
    };
    let removed = remove_file(&service.file)?;
    let commands = match service.manager {
        Manager::Systemd => systemd::after_removal(&service.file, commands)?,
        Manager::Launchd => commands,
    };
    Ok(Uninstalled { removed, commands })
}

fn check_ours(file: &Path) -> Result<()> {
    let text =
        fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    if !text.contains(MARKER) {
        bail!(
            "{} was not written by caro, so it is left as it is; remove it yourself if it should go",
            file.display()
        );
    }
    Ok(())
}

/// Writes `text` as the service file: refuses a file caro did not write,
/// leaves an identical one alone, and replaces the file in one rename so a
/// failure leaves the old file or none, never half of one.
pub fn write_file(file: &Path, text: &str) -> Result<Written> {
    let written = match fs::read_to_string(file) {
        Ok(existing) if existing == text => return Ok(Written::Unchanged),
        Ok(existing) if existing.contains(MARKER) => Written::Updated,
        Ok(_) => bail!(
            "{} exists and was not written by caro, so it is left as it is: move it aside, then run `caro sync service install` again",
            file.display()
        ),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Written::Created,
        Err(e) => {
            return Err(e).with_context(|| {
                format!(
                    "cannot read {}; if it is not a file, move it aside and run `caro sync service install` again",
                    file.display()
                )
            })
        }
    };
    let dir = file.parent().context("the service file has no directory")?;
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let temp = dir.join(format!(
        ".{}.{}.tmp",
        file.file_name()
            .and_then(OsStr::to_str)
            .unwrap_or("service"),
        std::process::id()
    ));
    let result = write_new(&temp, text).and_then(|()| fs::rename(&temp, file));
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result.with_context(|| format!("cannot write {}", file.display()))?;
    Ok(written)
}

fn write_new(path: &Path, text: &str) -> io::Result<()> {
    let mut out = OpenOptions::new().write(true).create_new(true).open(path)?;
    out.write_all(text.as_bytes())?;
    out.sync_all()
}

/// Removes the service file if it is there and caro's; `Ok(false)` if it
/// was not there.
pub fn remove_file(file: &Path) -> Result<bool> {
    if !file.exists() {
        return Ok(false);
    }
    check_ours(file)?;
    fs::remove_file(file).with_context(|| format!("cannot remove {}", file.display()))?;
    Ok(true)
}

/// What a manager's command printed, and whether it succeeded.
pub struct Output {
    pub success: bool,
    /// Trimmed stdout.
    pub stdout: String,
    /// Its first non-empty line of stderr, or the exit status; escaped for a terminal.
    pub reason: String,
}

/// Runs a service manager's command (`program args…`) with nothing on its stdin.
pub fn output(program: &str, args: &[&str]) -> Result<Output, String> {
    let path = which::which(program).map_err(|_| format!("{program} is not installed"))?;
    let out = Command::new(path)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let reason = stderr
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .map_or_else(
            || format!("{program} failed ({})", out.status),
            str::to_string,
        );
    Ok(Output {
        success: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).trim().to_string(),
        reason: crate::escape::for_terminal(&reason).into_owned(),
    })
}

/// [`output`] of a command that must succeed: its stdout, or why it failed.
pub fn run(program: &str, args: &[&str]) -> Result<String, String> {
    let out = output(program, args)?;
    if out.success {
        Ok(out.stdout)
    } else {
        Err(out.reason)
    }
}

/// What `status` finds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    pub installed: bool,
    /// Starts at login; `None` when the manager cannot be asked.
    pub enabled: Option<bool>,
    /// Running now (the manager's word for it in `detail`); `None` when the
    /// manager cannot be asked.
    pub active: Option<bool>,
    /// The manager's state word, or why it could not be asked.
    pub detail: String,
}

/// The state of `service`.
pub fn state(service: &Service) -> State {
    let installed = service.file.is_file();
    match service.manager {
        Manager::Systemd => systemd::state(&service.file, installed),
        Manager::Launchd => launchd::state(installed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_caro_did_not_write_is_never_replaced_or_removed() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("x.service");
        fs::write(&file, "[Unit]\nDescription=mine\n").unwrap();
        let err = write_file(&file, &format!("# {MARKER}\n")).unwrap_err();
        assert!(err.to_string().contains("not written by caro"), "{err}");
        let err = remove_file(&file).unwrap_err();
        assert!(err.to_string().contains("not written by caro"), "{err}");
        assert_eq!(
            fs::read_to_string(&file).unwrap(),
            "[Unit]\nDescription=mine\n"
        );
    }

    #[test]
    fn writing_creates_then_updates_then_leaves_alone() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a/b/x.service");
        let one = format!("# {MARKER}\none\n");
        let two = format!("# {MARKER}\ntwo\n");
        assert_eq!(write_file(&file, &one).unwrap(), Written::Created);
        assert_eq!(write_file(&file, &one).unwrap(), Written::Unchanged);
        assert_eq!(write_file(&file, &two).unwrap(), Written::Updated);
        assert_eq!(fs::read_to_string(&file).unwrap(), two);
        let leftovers: Vec<_> = fs::read_dir(file.parent().unwrap()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file stays behind");
        assert!(remove_file(&file).unwrap());
        assert!(!remove_file(&file).unwrap());
    }

    #[test]
    fn a_directory_in_the_files_place_is_refused_with_the_fix() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("x.service");
        fs::create_dir(&file).unwrap();
        let err = format!("{:#}", write_file(&file, "text").unwrap_err());
        assert!(err.contains("move it aside"), "{err}");
    }

    #[test]
    fn a_failed_command_says_why() {
        let failure = run("sh", &["-c", "echo 'no bus here' >&2; exit 3"]).unwrap_err();
        assert_eq!(failure, "no bus here");
        assert_eq!(run("sh", &["-c", "echo ok"]).unwrap(), "ok");
        let missing = run("caro-no-such-program", &[]).unwrap_err();
        assert!(missing.contains("not installed"), "{missing}");
    }
}
