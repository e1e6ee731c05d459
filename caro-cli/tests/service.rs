//! `caro sync service`: the systemd user unit, written into a temporary
//! HOME and XDG_CONFIG_HOME (never the user's own), checked by systemd's own
//! `systemd-analyze verify --user` where it is installed, and its command
//! line run as systemd would run it: it is the agent of that home, and it
//! pushes what is recorded there. `systemctl --user` is pointed at an empty
//! runtime directory, so it cannot reach (or change) a real user manager:
//! the install must say so and print the commands to run.
#![cfg(target_os = "linux")]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use tempfile::TempDir;

use crate::util::{caro_bin, stderr_of, stdout_of, terminate, Device, Relay};

/// A user's home for the service files, and its private runtime directory.
struct UserDirs {
    dir: TempDir,
}

impl UserDirs {
    fn new() -> UserDirs {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("run")).unwrap();
        std::fs::set_permissions(
            dir.path().join("run"),
            std::fs::Permissions::from_mode(0o700),
        )
        .unwrap();
        UserDirs { dir }
    }

    fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("xdg-config")
    }

    fn unit(&self) -> PathBuf {
        self.config().join("systemd/user/caro-sync.service")
    }

    /// The login link `systemctl --user enable` makes.
    fn wants_link(&self) -> PathBuf {
        self.config()
            .join("systemd/user/default.target.wants/caro-sync.service")
    }

    /// Points `cmd` at these directories, and away from any real user manager.
    fn apply(&self, cmd: &mut Command) {
        cmd.env("HOME", self.home())
            .env("XDG_CONFIG_HOME", self.config())
            .env("XDG_RUNTIME_DIR", self.dir.path().join("run"))
            .env_remove("DBUS_SESSION_BUS_ADDRESS");
    }
}

fn service(device: &Device, dirs: &UserDirs, args: &[&str]) -> std::process::Output {
    let mut cmd = device.caro();
    dirs.apply(&mut cmd);
    cmd.args(["sync", "service"]).args(args).output().unwrap()
}

fn service_ok(device: &Device, dirs: &UserDirs, args: &[&str]) -> String {
    let out = service(device, dirs, args);
    assert!(
        out.status.success(),
        "caro sync service {args:?} failed: {}",
        stderr_of(&out)
    );
    stdout_of(&out)
}

fn status(device: &Device, dirs: &UserDirs) -> Value {
    serde_json::from_str(&service_ok(device, dirs, &["status", "--json"])).unwrap()
}

/// One value of a unit file line, as systemd reads it: quotes and escapes
/// removed, `%%` back to `%` (and in a command line, `$$` back to `$`).
fn unit_words(line: &str) -> Vec<String> {
    shell_words::split(&line.replace("%%", "%").replace("$$", "$")).unwrap()
}

#[test]
fn install_writes_a_unit_systemd_accepts_that_runs_the_agent_and_uninstall_removes_it() {
    let relay = Relay::start();
    let a = Device::new("A", &relay);
    a.init();
    let dirs = UserDirs::new();

    let out = service_ok(&a, &dirs, &["install"]);
    let unit = dirs.unit();
    assert!(
        out.starts_with(&format!("wrote {} (systemd user unit", unit.display())),
        "{out}"
    );
    // No user manager here: the install says so and leaves the commands.
    assert!(
        out.contains("could not run `systemctl --user daemon-reload` here: "),
        "{out}"
    );
    assert!(
        out.contains("\n  systemctl --user enable --now caro-sync.service\n"),
        "{out}"
    );
    let text = std::fs::read_to_string(&unit).unwrap();
    let exe = std::fs::canonicalize(caro_bin()).unwrap();
    let exec = text
        .lines()
        .find_map(|line| line.strip_prefix("ExecStart="))
        .expect("an ExecStart line");
    let exec = unit_words(exec);
    assert_eq!(exec[0], exe.to_str().unwrap(), "{text}");
    assert_eq!(exec[1..], ["sync", "watch", "--quiet"], "{text}");
    let env: Vec<(String, String)> = text
        .lines()
        .filter_map(|line| line.strip_prefix("Environment="))
        .map(|value| {
            let word = unit_words(value).remove(0);
            let (name, value) = word.split_once('=').unwrap();
            (name.to_string(), value.to_string())
        })
        .collect();
    let home = a.home.path().to_str().unwrap().to_string();
    assert!(env.contains(&("CARO_HOME".to_string(), home)), "{text}");
    assert!(text.contains("\nRestart=on-failure\n"), "{text}");
    assert!(text.contains("\nWantedBy=default.target\n"), "{text}");
    verify_with_systemd(&unit, &dirs);

    // Installing again changes nothing and leaves nothing beside the unit.
    let again = service_ok(&a, &dirs, &["install"]);
    assert!(
        again.starts_with(&format!("unchanged: {}", unit.display())),
        "{again}"
    );
    assert_eq!(std::fs::read_to_string(&unit).unwrap(), text);
    let beside: Vec<_> = std::fs::read_dir(unit.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(beside, ["caro-sync.service"]);

    let state = status(&a, &dirs);
    assert_eq!(state["manager"], "systemd");
    assert_eq!(state["file"], unit.to_str().unwrap());
    assert_eq!(state["installed"], true);
    assert_eq!(state["enabled"], false);
    assert_eq!(state["active"], Value::Null, "no manager to ask: {state}");
    assert!(
        state["detail"]
            .as_str()
            .unwrap()
            .starts_with("systemctl --user cannot be asked: "),
        "{state}"
    );
    // What `systemctl --user enable` does, done by hand: status sees it.
    std::fs::create_dir_all(dirs.wants_link().parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(&unit, dirs.wants_link()).unwrap();
    assert_eq!(status(&a, &dirs)["enabled"], true);

    run_as_systemd_would(&a, &exec, &env);

    let removed = service_ok(&a, &dirs, &["uninstall"]);
    assert!(
        removed.starts_with(&format!("removed {}", unit.display())),
        "{removed}"
    );
    assert!(!unit.exists());
    assert!(
        dirs.wants_link().symlink_metadata().is_err(),
        "the login link goes too"
    );
    let state = status(&a, &dirs);
    assert_eq!(
        (&state["installed"], &state["enabled"]),
        (&Value::Bool(false), &Value::Bool(false))
    );
    let twice = service_ok(&a, &dirs, &["uninstall"]);
    assert!(twice.contains("nothing to remove"), "{twice}");

    // A unit of the same name that caro did not write is never touched.
    std::fs::write(&unit, "[Service]\nExecStart=/bin/true\n").unwrap();
    for args in [["install"], ["uninstall"]] {
        let out = service(&a, &dirs, &args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = stderr_of(&out);
        assert!(err.contains("was not written by caro"), "{err}");
        assert!(err.contains(unit.to_str().unwrap()), "{err}");
    }
    assert_eq!(
        std::fs::read_to_string(&unit).unwrap(),
        "[Service]\nExecStart=/bin/true\n"
    );
    // Nor a directory in its place.
    std::fs::remove_file(&unit).unwrap();
    std::fs::create_dir(&unit).unwrap();
    let out = service(&a, &dirs, &["install"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr_of(&out).contains("move it aside"),
        "{}",
        stderr_of(&out)
    );
}

/// `systemd-analyze verify --user`: the unit parses without a warning and
/// its ExecStart is an executable.
fn verify_with_systemd(unit: &Path, dirs: &UserDirs) {
    if which::which("systemd-analyze").is_err() {
        eprintln!(
            "SKIPPED: systemd-analyze is not installed; the unit was not verified by systemd"
        );
        return;
    }
    let mut verify = Command::new("systemd-analyze");
    dirs.apply(&mut verify);
    let out = verify
        .args(["verify", "--user"])
        .arg(unit)
        .output()
        .unwrap();
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "systemd-analyze verify --user: {}{}",
        stdout_of(&out),
        stderr_of(&out)
    );
}

/// Runs the unit's command line with only the unit's environment (and the
/// HOME systemd gives every user service): it is the watch loop of that
/// home, so an entry recorded there is pushed by it. SIGTERM, as `systemctl
/// stop` sends, ends it with success, so `Restart=on-failure` leaves it stopped.
fn run_as_systemd_would(device: &Device, exec: &[String], env: &[(String, String)]) {
    let mut agent = Command::new(&exec[0]);
    agent
        .args(&exec[1..])
        .env_clear()
        .env("HOME", device.home.path())
        .envs(env.iter().map(|(k, v)| (k, v)))
        .env("CARO_SYNC_LOG_LEVEL", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = agent.spawn().unwrap();
    device.add("echo recorded while the service runs");
    let deadline = Instant::now() + Duration::from_secs(30);
    while device.pending() > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let pushed = device.pending() == 0;
    terminate(&mut child);
    let out = child.wait_with_output().unwrap();
    assert!(
        pushed,
        "the service's agent did not push: {}",
        stderr_of(&out)
    );
    assert!(
        out.status.success(),
        "stopped by SIGTERM: {}",
        stderr_of(&out)
    );
    assert_eq!(stdout_of(&out), "", "--quiet prints nothing");
}

#[test]
fn without_xdg_config_home_the_unit_goes_under_home() {
    let dirs = UserDirs::new();
    let a = Device::offline("A");
    let mut cmd = a.caro();
    dirs.apply(&mut cmd);
    let out = cmd
        .env_remove("XDG_CONFIG_HOME")
        .args(["sync", "service", "status", "--json"])
        .output()
        .unwrap();
    let state: Value = serde_json::from_slice(&out.stdout).unwrap();
    let expected = dirs.home().join(".config/systemd/user/caro-sync.service");
    assert_eq!(state["file"], expected.to_str().unwrap());
    assert_eq!(state["installed"], false);
}

#[test]
fn install_before_sync_is_set_up_is_refused_and_writes_nothing() {
    let dirs = UserDirs::new();
    let a = Device::offline("A");
    let out = service(&a, &dirs, &["install"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr_of(&out).contains("sync is not set up on this machine: run `caro sync init`"),
        "{}",
        stderr_of(&out)
    );
    assert!(!dirs.config().exists(), "nothing written");
}
