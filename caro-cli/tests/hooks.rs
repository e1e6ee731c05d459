//! End-to-end: `caro init` prints the hooks, and the hooks, run by real
//! interactive shells, record commands with exit code, duration and cwd,
//! never change what the user sees, and survive a missing or failing caro.

use crate::shells::{bin_dir, has, hook, path_with};
use crate::util::Home;
use predicates::prelude::*;

fn run_shell(home: &Home, shell: &str, rc: &str, path: &str, script: &str) -> String {
    crate::shells::run(home, shell, rc, path, script)
}

const SCRIPT: &str = "echo visible-output\nfalse\necho \"status was $?\"\ncd /tmp\nsleep 0.3\n echo not-recorded\nls /definitely/not/here\n";

fn check_recorded(home: &Home, shell: &str, out: &str) {
    assert!(out.contains("visible-output"), "{out}");
    // The hook never changes the exit status the user sees.
    assert!(out.contains("status was 1"), "{out}");
    let list = home.list();
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
    let out = run_shell(&home, "bash", rc, &path_with(&bin_dir()), SCRIPT);
    assert!(!out.contains("caro:"), "{out}");
    check_recorded(&home, "bash", &out);
}

#[test]
fn zsh_hook_records_commands() {
    if !has("zsh") {
        return;
    }
    let home = Home::new();
    let rc = "eval \"$(caro init zsh)\"\n";
    let out = run_shell(&home, "zsh", rc, &path_with(&bin_dir()), SCRIPT);
    assert!(!out.contains("caro:"), "{out}");
    check_recorded(&home, "zsh", &out);
}

/// `PATH=dirs` in `shell`'s syntax.
fn set_path(shell: &str, dirs: &str) -> String {
    match shell {
        "fish" => format!("\nset -gx PATH {}\n", dirs.replace(':', " ")),
        _ => format!("\nPATH={dirs}\n"),
    }
}

/// The hook is installed, then caro disappears or breaks: the shell goes on.
/// (What is typed is echoed: the words checked are built by printf.)
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
    rc.push_str(&set_path(shell, &path_with(&fake)));
    let out = run_shell(
        &home,
        shell,
        &rc,
        &path_with(&bin_dir()),
        &format!(
            "printf 'o%s\\n' ne\nfalse\nprintf 'tw%s %s\\n' o {}\n",
            if shell == "fish" { "$status" } else { "$?" }
        ),
    );
    assert!(out.contains("one\n") && out.contains("two 1"), "{out}");
    assert!(!out.contains("exploded"), "{out}");

    let mut rc = hook(&home, shell);
    rc.push_str(&set_path(shell, "/usr/bin:/bin"));
    let out = run_shell(
        &home,
        shell,
        &rc,
        &path_with(&bin_dir()),
        "printf 'thr%s\\n' ee\n",
    );
    assert!(out.contains("three"), "{out}");
    assert!(!out.contains("not found"), "{out}");
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
fn fish_survives_a_missing_or_failing_caro() {
    shell_survives("fish");
}

#[test]
fn hook_is_inert_without_caro_on_path() {
    if !has("bash") {
        return;
    }
    let home = Home::new();
    let rc = hook(&home, "bash");
    let out = run_shell(&home, "bash", &rc, "/usr/bin:/bin", "printf 'fi%s\\n' ne\n");
    assert!(out.contains("fine"), "{out}");
    assert!(!out.contains("caro"), "{out}");
}

#[test]
fn fish_hook_records_commands() {
    if !has("fish") {
        return;
    }
    let home = Home::new();
    let rc = hook(&home, "fish");
    let out = run_shell(
        &home,
        "fish",
        &rc,
        &path_with(&bin_dir()),
        "echo fishy\nfalse\ncd /tmp\nsleep 0.3\n",
    );
    assert!(out.contains("fishy"), "{out}");
    // `exit` itself may or may not be recorded before fish is gone.
    let list = home.list();
    let find = |c: &str| list.iter().find(|e| e["command"] == c).cloned();
    let sleep = find("sleep 0.3").unwrap_or_else(|| panic!("{list:#?}"));
    assert_eq!(sleep["cwd"], "/tmp");
    assert_eq!(sleep["shell"], "fish");
    assert!(sleep["durationMs"].as_i64().unwrap() >= 250);
    assert_eq!(find("false").unwrap()["exitCode"], 1);
    assert_eq!(find("echo fishy").unwrap()["exitCode"], 0);
}
