//! End-to-end: the filters and output shapes of `history list` and `history
//! search` (`--cwd`, `--exit`, `--before/--after`, `--device`, `--session`,
//! `--host`, `--format`, `--cmd-only`, the search modes), run with the real
//! binary on a real database; and the session and host each entry records.

use crate::util::{stderr_of, Home};
use serde_json::Value;

const HOUR_MS: i64 = 3_600_000;

/// Records `command` `hours_ago` hours ago with this cwd, exit and session.
fn add(home: &Home, command: &str, cwd: &str, exit: i64, hours_ago: i64, session: &str) {
    let created = caro::time::now_ms() - hours_ago * HOUR_MS;
    let out = home
        .caro()
        .env("CARO_SESSION", session)
        .args(["history", "add", "--command", command, "--cwd", cwd])
        .arg(format!("--exit-code={exit}"))
        .arg(format!("--created-at={created}"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
}

fn sample() -> Home {
    let home = Home::new();
    add(&home, "git status", "/src/app", 0, 50, "s1");
    add(&home, "make test", "/src/app", 2, 30, "s1");
    add(&home, "cargo build", "/src/lib", 0, 5, "s2");
    add(&home, "git status", "/src/lib", 0, 1, "s2");
    home
}

/// Runs caro with `args`, expects success, returns stdout.
fn out(home: &Home, args: &[&str]) -> String {
    let out = home.caro().args(args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", stderr_of(&out));
    String::from_utf8(out.stdout).unwrap()
}

fn lines(home: &Home, args: &[&str]) -> Vec<String> {
    out(home, args).lines().map(str::to_string).collect()
}

#[test]
fn list_filters_by_directory_exit_session_and_time() {
    let home = sample();
    let list = |extra: &[&str]| {
        let mut args = vec!["history", "list", "--cmd-only"];
        args.extend(extra);
        lines(&home, &args)
    };
    assert_eq!(
        list(&[]),
        ["git status", "cargo build", "make test", "git status"]
    );
    assert_eq!(list(&["--cwd", "/src/app"]), ["make test", "git status"]);
    assert_eq!(list(&["--exit", "2"]), ["make test"]);
    assert_eq!(list(&["--cwd", "/src/app", "--exit", "0"]), ["git status"]);
    assert_eq!(list(&["--session", "s2"]), ["git status", "cargo build"]);
    assert_eq!(list(&["--after", "10h"]), ["git status", "cargo build"]);
    assert_eq!(list(&["--since", "10h"]), ["git status", "cargo build"]);
    assert_eq!(list(&["--before", "10h"]), ["make test", "git status"]);
    assert_eq!(
        list(&["--after", "40h", "--before", "2h"]),
        ["cargo build", "make test"]
    );
    assert!(list(&["--cwd", "/nowhere"]).is_empty());
}

#[test]
fn cwd_is_resolved_against_the_current_directory() {
    let home = Home::new();
    let dir = home.path().join("proj");
    std::fs::create_dir_all(&dir).unwrap();
    let cwd = dir.display().to_string();
    add(&home, "ls here", &cwd, 0, 0, "s");
    add(&home, "ls there", "/elsewhere", 0, 0, "s");
    let found = home
        .caro()
        .current_dir(&dir)
        .args(["history", "list", "--cwd", ".", "--cmd-only"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(found.stdout).unwrap(), "ls here\n");
    let found = home
        .caro()
        .current_dir(home.path())
        .args(["history", "list", "--cwd", "proj/../proj/", "--cmd-only"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(found.stdout).unwrap(), "ls here\n");
}

#[test]
fn dates_are_local_and_bad_times_are_explained() {
    let home = sample();
    // Everything is after 2000 and before 2999, in any time zone.
    assert_eq!(
        lines(
            &home,
            &["history", "list", "--after", "2000-01-01", "--cmd-only"]
        )
        .len(),
        4
    );
    assert!(lines(
        &home,
        &[
            "history",
            "list",
            "--before",
            "2000-01-01 12:00",
            "--cmd-only"
        ]
    )
    .is_empty());
    assert_eq!(
        lines(
            &home,
            &[
                "history",
                "list",
                "--before",
                "2999-01-01T00:00:00Z",
                "--cmd-only"
            ]
        )
        .len(),
        4
    );
    let bad = home
        .caro()
        .args(["history", "list", "--after", "last tuesday"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let err = stderr_of(&bad);
    assert!(
        err.contains("cannot read 'last tuesday' as a time") && err.contains("2h"),
        "{err}"
    );
}

#[test]
fn device_filter_takes_a_name_or_an_id() {
    let home = sample();
    let device_id = home.list()[0]["deviceId"].as_str().unwrap().to_string();
    let store = caro::store::Store::open(&home.db()).unwrap();
    let name = store.device_names().unwrap()[&device_id].clone();
    drop(store);
    for device in [&name, &device_id] {
        assert_eq!(
            lines(
                &home,
                &["history", "list", "--device", device, "--cmd-only"]
            )
            .len(),
            4
        );
    }
    assert!(lines(
        &home,
        &[
            "history",
            "list",
            "--device",
            "no-such-device",
            "--cmd-only"
        ]
    )
    .is_empty());
}

#[test]
fn format_templates_print_the_fields_asked_for() {
    let home = Home::new();
    add(&home, "rm -rf build", "/src", 1, 0, "sess-9");
    let device_id = home.list()[0]["deviceId"].as_str().unwrap().to_string();
    let text = out(
        &home,
        &[
            "history",
            "list",
            "--format",
            "{command}\\t{exit}|{cwd}|{session}|{risk}|{device}|{host}",
        ],
    );
    let host = nix::unistd::gethostname().unwrap().into_string().unwrap();
    let store = caro::store::Store::open(&home.db()).unwrap();
    let device = store.device_names().unwrap()[&device_id].clone();
    assert_eq!(
        text,
        format!("rm -rf build\t1|/src|sess-9|moderate|{device}|{host}\n")
    );
    // {time} is a local date and time.
    let time = out(&home, &["history", "list", "--format", "{time}"]);
    assert!(
        time.trim().len() == 19 && time.as_bytes()[4] == b'-' && time.as_bytes()[13] == b':',
        "{time}"
    );
    let bad = home
        .caro()
        .args(["history", "list", "--format", "{cmd}"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    let err = stderr_of(&bad);
    assert!(
        err.contains("unknown field {cmd}") && err.contains("{command}"),
        "{err}"
    );
    assert!(bad.stdout.is_empty());
}

#[test]
fn json_list_carries_session_and_host() {
    let home = Home::new();
    add(&home, "echo with-session", "/w", 0, 0, "abc-123");
    let entry = &home.list()[0];
    assert_eq!(entry["sessionId"], "abc-123");
    let host = nix::unistd::gethostname().unwrap().into_string().unwrap();
    assert_eq!(entry["hostname"], Value::String(host.clone()));
    // No CARO_SESSION: no session.
    home.caro()
        .env_remove("CARO_SESSION")
        .args(["history", "add", "--command", "echo no-session"])
        .assert()
        .success();
    assert_eq!(home.list()[0]["sessionId"], Value::Null);
    assert_eq!(
        lines(&home, &["history", "list", "--host", &host, "--cmd-only"]).len(),
        2
    );
    // The export carries them too (sync does not: its record has no field).
    let export: Value = serde_json::from_str(&out(&home, &["sync", "export"])).unwrap();
    let exported = &export["commands"][0];
    assert_eq!(exported["command"], "echo with-session");
    assert_eq!(exported["sessionId"], "abc-123");
    assert_eq!(exported["hostname"], Value::String(host));
}

#[test]
fn search_finds_substrings_and_honours_filters() {
    let home = sample();
    let search = |extra: &[&str]| {
        let mut args = vec!["history", "search", "--cmd-only"];
        args.extend(extra);
        lines(&home, &args)
    };
    // A substring inside a word, which the word index alone misses.
    assert_eq!(search(&["tatus"]), ["git status"]);
    assert_eq!(search(&["uil"]), ["cargo build"]);
    // Each command once; filters narrow.
    assert_eq!(search(&["git"]), ["git status"]);
    assert!(search(&["--cwd", "/src/app", "--exit", "0", "build"]).is_empty());
    assert_eq!(
        search(&["--cwd", "/src/lib", "--exit", "0", "build"]),
        ["cargo build"]
    );
    assert_eq!(search(&["--session", "s1", "--", "test"]), ["make test"]);
    // The newest entry of a command is the one shown.
    let json = home.json(&["history", "search", "--cwd", "/src/app", "--json", "status"]);
    assert_eq!(json.len(), 1);
    assert_eq!(json[0]["cwd"], "/src/app");
}

#[test]
fn search_modes_prefix_and_fuzzy() {
    let home = sample();
    let search = |extra: &[&str]| {
        let mut args = vec!["history", "search", "--cmd-only"];
        args.extend(extra);
        lines(&home, &args)
    };
    assert_eq!(search(&["--search-mode", "prefix", "ma"]), ["make test"]);
    assert!(search(&["--search-mode", "prefix", "test"]).is_empty());
    assert_eq!(search(&["--search-mode", "fuzzy", "gst"]), ["git status"]);
    assert_eq!(search(&["--search-mode", "fuzzy", "cbld"]), ["cargo build"]);
    assert!(search(&["--search-mode", "fuzzy", "zzz"]).is_empty());
    // LIKE wildcards in a query are literal characters.
    assert!(search(&["--search-mode", "prefix", "%"]).is_empty());
    assert!(search(&["_"]).is_empty());
}

#[test]
fn search_needs_words_unless_interactive() {
    let home = sample();
    let bare = home.caro().args(["history", "search"]).output().unwrap();
    assert_eq!(bare.status.code(), Some(2));
    let blank = home
        .caro()
        .args(["history", "search", " "])
        .output()
        .unwrap();
    assert!(!blank.status.success());
    assert!(
        stderr_of(&blank).contains("--interactive"),
        "{}",
        stderr_of(&blank)
    );
    let conflict = home
        .caro()
        .args(["history", "list", "--json", "--cmd-only"])
        .output()
        .unwrap();
    assert_eq!(conflict.status.code(), Some(2));
}

#[test]
fn the_interactive_search_without_a_terminal_fails_clearly() {
    let home = sample();
    // setsid: a new session has no controlling terminal, so no /dev/tty.
    let out = std::process::Command::new("setsid")
        .arg(assert_cmd::cargo::cargo_bin("caro"))
        .args(["history", "search", "--interactive"])
        .env("CARO_HOME", home.path())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert!(err.contains("needs a terminal (/dev/tty)"), "{err}");
    assert!(out.stdout.is_empty());
}
