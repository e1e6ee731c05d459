//! End-to-end: each way a shell hook could record something other than what
//! ran, tried in real interactive bash, zsh and fish on a terminal: phantom
//! entries from the last session, repeats lost to HISTCONTROL, time at the
//! prompt counted, other tools' traps and hooks displaced, the directory
//! taken after the command, the line exposed in /proc/*/cmdline, commands
//! over 10 KB vanishing without a word.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

use crate::shells::{bin_dir, commands, has, hook, only, path_with, recorded};
use crate::util::Home;
use predicates::prelude::*;
use serde_json::Value;

/// An rc file: `before`, the hook, then `after`.
fn rc(home: &Home, shell: &str, before: &str, after: &str) -> String {
    format!("{before}\n{}\n{after}\n", hook(home, shell))
}

fn run(home: &Home, shell: &str, rc: &str, script: &str) -> String {
    crate::shells::run(home, shell, rc, &path_with(&bin_dir()), script)
}

/// Everything `shell` recorded, oldest first. fish may record the closing
/// `exit` before it is gone (bash and zsh never run their prompt hook after
/// it): that entry is left out.
fn recorded_by(home: &Home, shell: &str) -> Vec<Value> {
    let mut list = recorded(home);
    if shell == "fish" {
        list.retain(|e| e["command"] != "exit");
    }
    list
}

/// Asserts the recorded commands are `expected`, in that order. fish has no
/// clock a hook can read without starting a process, so its entries are dated
/// when their recorder runs: commands typed ahead, run within a few ms of each
/// other, may be dated out of order. For fish only the set is compared.
/// Commands that started in the same millisecond (typed ahead) have no order
/// to check either, in any shell.
fn assert_commands(shell: &str, list: &[Value], expected: &[&str]) {
    let mut got = commands(list);
    let mut expected = expected.to_vec();
    let same_millisecond = list
        .windows(2)
        .any(|pair| pair[0]["createdAt"] == pair[1]["createdAt"]);
    if shell == "fish" || same_millisecond {
        got.sort_unstable();
        expected.sort_unstable();
    }
    assert_eq!(got, expected, "{shell}");
}

/// The word after `label` where the shell printed it. The terminal echoes
/// what is typed, so tests print labels built by printf, absent from the input.
fn printed<'a>(out: &'a str, label: &str) -> Option<&'a str> {
    out.split(label).nth(1)?.split_whitespace().next()
}

fn cwd_of(home: &Home) -> String {
    home.path().to_str().unwrap().to_string()
}

#[test]
fn no_phantom_entry_from_the_last_session() {
    for shell in ["bash", "zsh", "fish"] {
        if !has(shell) {
            continue;
        }
        let home = Home::new();
        // Each shell's own history file, holding the last session's lines.
        let (before, file, old): (&str, &str, &[u8]) = match shell {
            "bash" => (
                "HISTFILE=~/.bash_history",
                ".bash_history",
                b"exit\necho from-last-session\n",
            ),
            "zsh" => (
                "HISTFILE=~/.zsh_history; SAVEHIST=100; HISTSIZE=100",
                ".zsh_history",
                b": 1700000000:0;exit\n: 1700000001:0;echo from-last-session\n",
            ),
            _ => (
                "",
                "fish/fish_history",
                b"- cmd: exit\n  when: 1700000000\n- cmd: echo from-last-session\n  when: 1700000001\n",
            ),
        };
        std::fs::create_dir_all(home.path().join("fish")).unwrap();
        std::fs::write(home.path().join(file), old).unwrap();
        let out = run(&home, shell, &rc(&home, shell, before, ""), "echo one\n");
        assert!(out.contains("one"), "{shell}: {out}");
        let list = recorded_by(&home, shell);
        assert_commands(shell, &list, &["echo one"]);
        assert_eq!(list[0]["exitCode"], 0, "{shell}");
        assert_eq!(list[0]["cwd"], cwd_of(&home).as_str(), "{shell}");
    }
}

/// A `make` that fails with 1, then 2, then 3, taking at least 100 ms each.
fn counting_make(shell: &str) -> &'static str {
    match shell {
        "fish" => "set -g n 0\nfunction make; set -g n (math $n + 1); sleep 0.1; return $n; end",
        _ => "n=0\nmake() { n=$((n+1)); sleep 0.1; return $n; }",
    }
}

#[test]
fn repeats_are_recorded_each_with_its_exit_code_and_duration() {
    for shell in ["bash", "zsh", "fish"] {
        if !has(shell) {
            continue;
        }
        let home = Home::new();
        let history_settings = match shell {
            "bash" => "HISTCONTROL=ignoreboth",
            "zsh" => "setopt HIST_IGNORE_DUPS HIST_IGNORE_SPACE",
            _ => "",
        };
        let before = format!("{history_settings}\n{}", counting_make(shell));
        let out = run(
            &home,
            shell,
            &rc(&home, shell, &before, ""),
            "make\nmake\n echo hidden-line\nmake\n",
        );
        let list = recorded_by(&home, shell);
        assert_eq!(commands(&list), ["make", "make", "make"], "{shell}: {out}");
        let mut codes: Vec<i64> = list
            .iter()
            .map(|e| e["exitCode"].as_i64().unwrap())
            .collect();
        if shell == "fish" {
            codes.sort_unstable(); // see assert_commands
        }
        assert_eq!(codes, [1, 2, 3], "{shell}");
        for e in &list {
            assert!(e["durationMs"].as_i64().unwrap() >= 90, "{shell}: {e:#}");
        }
    }
}

#[test]
fn bash_keeps_its_own_history_as_histcontrol_asks() {
    if !has("bash") {
        return;
    }
    let home = Home::new();
    let before = format!("HISTCONTROL=ignoreboth\n{}", counting_make("bash"));
    let out = run(
        &home,
        "bash",
        &rc(&home, "bash", &before, ""),
        "make\nmake\n echo secret-space-line\nprintf 'make-lines %s space-lines %s\\n' \"$(history | grep -c ' make$')\" \"$(history | grep -c 'secret[-]space')\"\n",
    );
    // ignoredups and ignorespace still apply to bash's history, though the
    // hook does them itself.
    assert!(out.contains("make-lines 1 space-lines 0"), "{out}");
}

#[test]
fn bash_prompt_command_time_is_not_counted_string_or_array() {
    if !has("bash") {
        return;
    }
    for (before, after) in [
        (
            "PROMPT_COMMAND='sleep 0.5'",
            "PROMPT_COMMAND+='; sleep 0.5'",
        ),
        (
            "PROMPT_COMMAND=('sleep 0.5')",
            "PROMPT_COMMAND+=('sleep 0.5')",
        ),
    ] {
        let home = Home::new();
        let out = run(
            &home,
            "bash",
            &rc(&home, "bash", before, after),
            "true\nsleep 0.1\nfalse\n",
        );
        let list = recorded(&home);
        assert_eq!(commands(&list), ["true", "sleep 0.1", "false"], "{out}");
        // Each prompt spends a second in PROMPT_COMMAND; none of it is the
        // command's.
        assert!(list[0]["durationMs"].as_i64().unwrap() < 500, "{list:#?}");
        let slept = list[1]["durationMs"].as_i64().unwrap();
        assert!((100..500).contains(&slept), "{list:#?}");
        assert_eq!(list[2]["exitCode"], 1);
    }
}

#[test]
fn bash_prompt_command_after_the_hook_sees_the_command_status_and_last_argument() {
    if !has("bash") {
        return;
    }
    let home = Home::new();
    let before = "PROMPT_COMMAND='echo \"pc-saw-$? last-$_\"'";
    let out = run(
        &home,
        "bash",
        &rc(&home, "bash", before, ""),
        "echo a b-arg\nfalse\n",
    );
    assert!(out.contains("pc-saw-0 last-b-arg"), "{out}");
    assert!(out.contains("pc-saw-1 last-false"), "{out}");
    assert_eq!(commands(&recorded(&home)), ["echo a b-arg", "false"]);
}

#[test]
fn bash_existing_debug_trap_still_runs() {
    if !has("bash") {
        return;
    }
    let home = Home::new();
    let before = "debug_hits=0\ntrap 'debug_hits=$((debug_hits+1))' DEBUG";
    let out = run(
        &home,
        "bash",
        &rc(&home, "bash", before, ""),
        "echo x\necho y\nprintf 'hi%s-%s\\n' ts \"$debug_hits\"\ntrap -p DEBUG\n",
    );
    let hits: i64 = printed(&out, "hits-")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{out}"));
    assert!(hits >= 2, "{out}");
    assert!(out.contains("debug_hits=$((debug_hits+1))' DEBUG"), "{out}");
    let list = recorded(&home);
    assert_eq!(&commands(&list)[..2], ["echo x", "echo y"]);
}

#[test]
fn zsh_existing_hooks_still_run() {
    if !has("zsh") {
        return;
    }
    let home = Home::new();
    let before = "mine_pre() { print -r -- \"mine-pre:$1\" }\nmine_cmd() { print -r -- \"mine-precmd:$?\" }\npreexec_functions=(mine_pre)\nprecmd_functions=(mine_cmd)";
    let out = run(&home, "zsh", &rc(&home, "zsh", before, ""), "false\n");
    assert!(out.contains("mine-pre:false"), "{out}");
    assert!(out.contains("mine-precmd:1"), "{out}");
    assert_eq!(only(&recorded(&home), "false")["exitCode"], 1);
}

#[test]
fn the_directory_is_where_the_command_started() {
    for shell in ["bash", "zsh", "fish"] {
        if !has(shell) {
            continue;
        }
        let home = Home::new();
        run(
            &home,
            shell,
            &rc(&home, shell, "", ""),
            "cd /tmp\npwd\ncd /\n",
        );
        let list = recorded_by(&home, shell);
        assert_commands(shell, &list, &["cd /tmp", "pwd", "cd /"]);
        let home_dir = cwd_of(&home);
        assert_eq!(only(&list, "cd /tmp")["cwd"], home_dir.as_str(), "{shell}");
        assert_eq!(only(&list, "pwd")["cwd"], "/tmp", "{shell}");
        assert_eq!(only(&list, "cd /")["cwd"], "/tmp", "{shell}");
    }
}

/// Reads every process's command line, as fast as it can, until stopped, and
/// returns those that held `canary`.
fn watch_cmdlines(canary: &str) -> (Arc<AtomicBool>, JoinHandle<Vec<String>>) {
    let stop = Arc::new(AtomicBool::new(false));
    let canary = canary.as_bytes().to_vec();
    let stopped = stop.clone();
    let poller = std::thread::spawn(move || {
        let mut seen = Vec::new();
        while !stopped.load(Ordering::Relaxed) {
            for p in std::fs::read_dir("/proc").unwrap().flatten() {
                if let Ok(cmdline) = std::fs::read(p.path().join("cmdline")) {
                    if cmdline.windows(canary.len()).any(|w| w == canary) {
                        seen.push(String::from_utf8_lossy(&cmdline).replace('\0', " "));
                    }
                }
            }
        }
        seen
    });
    (stop, poller)
}

#[test]
fn the_poller_catches_a_command_line_in_argv() {
    // The check below is only worth something if this poller sees a command
    // line passed as an argument, as the old hooks did.
    let home = Home::new();
    let (stop, poller) = watch_cmdlines("canary-in-argv");
    for i in 0..30 {
        home.caro()
            .args(["history", "add", "--exit-code", "0", "--command"])
            .arg(format!("true canary-in-argv-{i}"))
            .assert()
            .success();
    }
    stop.store(true, Ordering::Relaxed);
    let seen = poller.join().unwrap();
    assert!(!seen.is_empty(), "the poller saw none of 30 caro processes");
}

#[test]
fn the_command_line_never_reaches_argv() {
    for shell in ["bash", "zsh", "fish"] {
        if !has(shell) {
            continue;
        }
        let home = Home::new();
        let canary = format!("canary-{shell}-7f3a");
        let script: String = (0..20).map(|i| format!("true {canary}-{i}\n")).collect();
        let (stop, poller) = watch_cmdlines(&canary);
        run(&home, shell, &rc(&home, shell, "", ""), &script);
        stop.store(true, Ordering::Relaxed);
        let seen = poller.join().unwrap();
        assert!(seen.is_empty(), "{shell}: seen in argv: {seen:#?}");
        let list = recorded_by(&home, shell);
        assert_eq!(list.len(), 20, "{shell}: {list:#?}");
        assert!(commands(&list).iter().all(|c| c.contains(&canary)));
    }
}

#[test]
fn commands_over_10_kb_are_refused_with_one_note_per_shell() {
    for shell in ["bash", "zsh", "fish"] {
        if !has(shell) {
            continue;
        }
        let home = Home::new();
        // Over several lines: a terminal takes at most 4 KB in one line
        // before the shell has it in raw mode.
        let body = vec!["x".repeat(3000); 4].join("\n");
        let big = match shell {
            "fish" => format!("true '{body}'"),
            _ => format!("true <<'END'\n{body}\nEND"),
        };
        let script = format!("{big}\necho small\n{big}\necho done\n");
        let out = run(&home, shell, &rc(&home, shell, "", ""), &script);
        assert_eq!(
            out.matches("caro: not recorded: that command is").count(),
            1,
            "{shell}: {}",
            out.replace(&"x".repeat(100), "")
        );
        assert!(out.contains("over the 10 KB limit"), "{shell}");
        let list = recorded_by(&home, shell);
        assert_commands(shell, &list, &["echo small", "echo done"]);
    }
}

#[test]
fn each_shell_gets_its_own_session_id() {
    for shell in ["bash", "zsh", "fish"] {
        if !has(shell) {
            continue;
        }
        let ids: Vec<String> = (0..2)
            .map(|_| {
                let home = Home::new();
                let out = run(
                    &home,
                    shell,
                    &rc(&home, shell, "", ""),
                    "printf 'sess%s=%s\\n' ion \"$CARO_SESSION\"\n",
                );
                let id = printed(&out, "session=").unwrap_or_else(|| panic!("{shell}: {out}"));
                uuid::Uuid::parse_str(id).unwrap_or_else(|e| panic!("{shell}: {id}: {e}"));
                id.to_string()
            })
            .collect();
        assert_ne!(ids[0], ids[1], "{shell}");
    }
}

#[test]
fn add_reads_the_command_raw_from_stdin() {
    let home = Home::new();
    home.caro()
        .args(["history", "add", "--command-stdin", "--exit-code", "3"])
        .write_stdin("printf '%s\\n' \"a  b\" | wc -l\n")
        .assert()
        .success();
    let list = home.list();
    assert_eq!(list[0]["command"], "printf '%s\\n' \"a  b\" | wc -l");
    assert_eq!(list[0]["exitCode"], 3);

    home.caro()
        .args(["history", "add", "--command-stdin"])
        .write_stdin(format!("true {}\n", "x".repeat(10_240)))
        .assert()
        .failure()
        .stderr(predicate::str::contains("over 10240 bytes"));
    home.caro()
        .args(["history", "add", "--command-stdin"])
        .write_stdin(b"echo \xff\n".to_vec())
        .assert()
        .failure()
        .stderr(predicate::str::contains("not valid UTF-8"));
    home.caro()
        .args(["history", "add", "--command-stdin", "--command", "ls"])
        .assert()
        .failure();
    assert_eq!(home.list().len(), 1);
}
