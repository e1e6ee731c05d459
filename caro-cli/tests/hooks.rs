//! End-to-end: `caro init` prints the hooks, and the hooks, run by real
//! interactive shells, record commands with exit code, duration and cwd,
//! never change what the user sees, and survive a missing or failing caro.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{caro_bin, stderr_of, Home};
use predicates::prelude::*;
use serde_json::Value;

/// Whether `shell` can run here.
fn has(shell: &str) -> bool {
    installed(shell, &["-c", "exit 0"])
}

/// Whether `program` answers `probe` successfully. A missing program skips
/// its tests, loudly, unless `CARO_REQUIRE_SHELLS` is set (CI installs zsh and
/// fish and sets it), where it fails them.
fn installed(program: &str, probe: &[&str]) -> bool {
    let found = Command::new(program)
        .args(probe)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        assert!(
            std::env::var_os("CARO_REQUIRE_SHELLS").is_none(),
            "{program} is not installed but CARO_REQUIRE_SHELLS is set"
        );
        eprintln!("SKIPPED: {program} is not installed");
    }
    found
}

/// A directory holding only `caro`, to put first on PATH.
fn bin_dir() -> PathBuf {
    caro_bin().parent().unwrap().to_path_buf()
}

fn path_with(dir: &Path) -> String {
    format!("{}:/usr/local/bin:/usr/bin:/bin", dir.display())
}

/// Runs `script` line by line in an interactive `shell` whose rc file is
/// `rc`, and returns (stdout, stderr).
fn run_shell(home: &Home, shell: &str, rc: &str, path: &str, script: &str) -> (String, String) {
    let rc_dir = home.path().join(format!("{shell}-rc"));
    std::fs::create_dir_all(&rc_dir).unwrap();
    let mut cmd = Command::new(shell);
    match shell {
        "bash" => {
            std::fs::write(rc_dir.join("bashrc"), rc).unwrap();
            cmd.args(["--noprofile", "--rcfile"])
                .arg(rc_dir.join("bashrc"))
                .arg("-i");
        }
        "zsh" => {
            std::fs::write(rc_dir.join(".zshrc"), rc).unwrap();
            cmd.env("ZDOTDIR", &rc_dir).arg("-i");
        }
        _ => unreachable!(),
    }
    let out = cmd
        .env_clear()
        .env("PATH", path)
        .env("HOME", home.path())
        .env("ZDOTDIR", &rc_dir)
        .env("CARO_HOME", home.path())
        .env("TERM", "dumb")
        .current_dir(home.path())
        .stdin(
            std::fs::File::open(home.file(&format!("{shell}-script"), script.as_bytes())).unwrap(),
        )
        .output()
        .unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr_of(&out),
    )
}

/// The background recorders finish after the shell: wait for `n` entries.
fn wait_for_entries(home: &Home, n: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let list = home.list();
        if list.len() >= n || Instant::now() > deadline {
            return list;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn hook(home: &Home, shell: &str) -> String {
    let out = home.caro().args(["init", shell]).output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

const SCRIPT: &str = "echo visible-output\nfalse\necho \"status was $?\"\ncd /tmp\nsleep 0.3\n echo not-recorded\nls /definitely/not/here\n";

fn check_recorded(home: &Home, shell: &str, out: &str) {
    assert!(out.contains("visible-output"), "{out}");
    // The hook never changes the exit status the user sees.
    assert!(out.contains("status was 1"), "{out}");
    let list = wait_for_entries(home, 6);
    let by_command = |c: &str| {
        list.iter()
            .find(|e| e["command"] == c)
            .unwrap_or_else(|| panic!("{c:?} not recorded in {list:#?}"))
            .clone()
    };
    assert_eq!(list.len(), 6, "{list:#?}");
    assert_eq!(by_command("false")["exitCode"], 1);
    assert_eq!(by_command("echo visible-output")["exitCode"], 0);
    assert_eq!(by_command("echo visible-output")["shell"], shell);
    assert_ne!(by_command("ls /definitely/not/here")["exitCode"], 0);
    assert_eq!(by_command("sleep 0.3")["cwd"], "/tmp");
    assert!(by_command("sleep 0.3")["durationMs"].as_i64().unwrap() >= 250);
    assert!(!list
        .iter()
        .any(|e| e["command"].as_str().unwrap().contains("not-recorded")));
    // Dated when each command started, so in the order they ran.
    let started: Vec<i64> = [
        "echo visible-output",
        "false",
        "cd /tmp",
        "sleep 0.3",
        "ls /definitely/not/here",
    ]
    .iter()
    .map(|c| by_command(c)["createdAt"].as_i64().unwrap())
    .collect();
    assert!(started.windows(2).all(|w| w[0] <= w[1]), "{started:?}");
    assert!(started[4] - started[3] >= 250, "{started:?}");
}

#[test]
fn init_prints_each_hook() {
    let home = Home::new();
    for (shell, marker) in [
        ("bash", "PROMPT_COMMAND"),
        ("zsh", "add-zsh-hook"),
        ("fish", "fish_postexec"),
    ] {
        home.caro()
            .args(["init", shell])
            .assert()
            .success()
            .stdout(predicate::str::contains(marker))
            .stdout(
                predicate::str::contains("command -v caro")
                    .or(predicate::str::contains("commands[caro]"))
                    .or(predicate::str::contains("command -q caro")),
            )
            .stdout(predicate::str::contains("history add"))
            .stdout(predicate::str::contains("/dev/null"));
    }
}

#[test]
fn bash_hook_records_commands() {
    if !has("bash") {
        return;
    }
    let home = Home::new();
    let rc = "eval \"$(caro init bash)\"\n";
    let (out, err) = run_shell(&home, "bash", rc, &path_with(&bin_dir()), SCRIPT);
    assert!(!err.contains("caro:"), "{err}");
    check_recorded(&home, "bash", &out);
}

#[test]
fn zsh_hook_records_commands() {
    if !has("zsh") {
        return;
    }
    let home = Home::new();
    let rc = "eval \"$(caro init zsh)\"\n";
    let (out, err) = run_shell(&home, "zsh", rc, &path_with(&bin_dir()), SCRIPT);
    assert!(!err.contains("caro:"), "{err}");
    check_recorded(&home, "zsh", &out);
}

/// The hook is installed, then caro disappears or breaks: the shell goes on.
fn shell_survives(shell: &str) {
    if !has(shell) {
        return;
    }
    let home = Home::new();
    let fake = home.path().join("fake-bin");
    std::fs::create_dir(&fake).unwrap();
    let failing = fake.join("caro");
    std::fs::write(&failing, "#!/bin/sh\necho 'caro exploded' >&2\nexit 1\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&failing, std::fs::Permissions::from_mode(0o755)).unwrap();

    let mut rc = hook(&home, shell);
    rc.push_str(&format!("\nPATH={}\n", path_with(&fake)));
    let (out, err) = run_shell(
        &home,
        shell,
        &rc,
        &path_with(&bin_dir()),
        "echo one\nfalse\necho \"two $?\"\n",
    );
    assert!(out.contains("one") && out.contains("two 1"), "{out}");
    assert!(!err.contains("exploded"), "{err}");

    let mut rc = hook(&home, shell);
    rc.push_str("\nPATH=/usr/bin:/bin\n");
    let (out, err) = run_shell(&home, shell, &rc, &path_with(&bin_dir()), "echo three\n");
    assert!(out.contains("three"), "{out}");
    assert!(!err.contains("not found"), "{err}");
}

#[test]
fn bash_survives_a_missing_or_failing_caro() {
    shell_survives("bash");
}

#[test]
fn zsh_survives_a_missing_or_failing_caro() {
    shell_survives("zsh");
}

#[test]
fn hook_is_inert_without_caro_on_path() {
    if !has("bash") {
        return;
    }
    let home = Home::new();
    let rc = hook(&home, "bash");
    let (out, err) = run_shell(&home, "bash", &rc, "/usr/bin:/bin", "echo fine\n");
    assert!(out.contains("fine"));
    assert!(!err.contains("caro"), "{err}");
}

/// fish runs its event handlers only with a terminal: `script` gives it one.
#[test]
fn fish_hook_records_commands() {
    // `script --version`, not `script -c`, which would leave a ./typescript file.
    if !has("fish") || !installed("script", &["--version"]) {
        return;
    }
    let home = Home::new();
    let rc = home.file("rc.fish", hook(&home, "fish").as_bytes());
    let input = home.file(
        "fish-script",
        b"echo fishy\nfalse\ncd /tmp\nsleep 0.3\nexit\n",
    );
    let fish = format!("fish -i -C 'source {}'", rc.display());
    let out = Command::new("script")
        .args(["-qec", &fish, "/dev/null"])
        .env("PATH", path_with(&bin_dir()))
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path())
        .env("XDG_DATA_HOME", home.path())
        .env("CARO_HOME", home.path())
        .stdin(std::fs::File::open(input).unwrap())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    // `exit` itself may or may not be recorded before fish is gone.
    let list = wait_for_entries(&home, 4);
    let find = |c: &str| list.iter().find(|e| e["command"] == c).cloned();
    let sleep = find("sleep 0.3").unwrap_or_else(|| panic!("{list:#?}"));
    assert_eq!(sleep["cwd"], "/tmp");
    assert_eq!(sleep["shell"], "fish");
    assert!(sleep["durationMs"].as_i64().unwrap() >= 250);
    assert_eq!(find("false").unwrap()["exitCode"], 1);
    assert_eq!(find("echo fishy").unwrap()["exitCode"], 0);
}
