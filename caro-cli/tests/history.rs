//! End-to-end: every `caro history` subcommand on the real binary.

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use crate::util::{caro_command, caro_in, stderr_of, stdout_of, Home};
use predicates::prelude::*;
use serde_json::{json, Value};

#[test]
fn add_prints_a_uuid_v7_and_list_shows_every_field() {
    let home = Home::new();
    let out = home
        .caro()
        .args([
            "history",
            "add",
            "--command",
            "cargo build --release",
            "--prompt",
            "build it fast",
            "--explanation",
            "optimised build",
            "--exit-code",
            "0",
            "--duration-ms",
            "1234",
            "--cwd",
            "/src/caro",
            "--shell",
            "zsh",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let id = stdout_of(&out).trim().to_string();
    let uuid = uuid::Uuid::parse_str(&id).expect("a UUID");
    assert_eq!(uuid.get_version_num(), 7);

    let entries = home.list();
    assert_eq!(entries.len(), 1);
    let e = &entries[0];
    let keys: Vec<&str> = e.as_object().unwrap().keys().map(String::as_str).collect();
    for key in [
        "id",
        "command",
        "prompt",
        "explanation",
        "safetyLevel",
        "safetyWarnings",
        "exitCode",
        "durationMs",
        "cwd",
        "shell",
        "deviceId",
        "createdAt",
    ] {
        assert!(keys.contains(&key), "missing {key} in {e}");
    }
    assert_eq!(e["id"], json!(id));
    assert_eq!(e["command"], "cargo build --release");
    assert_eq!(e["prompt"], "build it fast");
    assert_eq!(e["explanation"], "optimised build");
    assert_eq!(e["safetyLevel"], "safe");
    assert_eq!(e["safetyWarnings"], json!([]));
    assert_eq!(e["exitCode"], 0);
    assert_eq!(e["durationMs"], 1234);
    assert_eq!(e["cwd"], "/src/caro");
    assert_eq!(e["shell"], "zsh");
    assert_eq!(e["success"], true);
    assert!(e["createdAt"].as_i64().unwrap() > 1_700_000_000_000);
    assert!(uuid::Uuid::parse_str(e["deviceId"].as_str().unwrap()).is_ok());
}

#[test]
fn the_device_id_is_generated_once_per_home() {
    let home = Home::new();
    home.add("one");
    home.add("two");
    let devices: Vec<Value> = home.list().iter().map(|e| e["deviceId"].clone()).collect();
    assert_eq!(devices[0], devices[1]);
    let other = Home::new();
    other.add("three");
    assert_ne!(other.list()[0]["deviceId"], devices[0]);
}

#[test]
fn add_from_json_stdin() {
    let home = Home::new();
    home.caro()
        .args(["history", "add", "--json-stdin"])
        .write_stdin(r#"{"command": "git push --force", "prompt": "overwrite remote", "exitCode": 1, "durationMs": 50, "cwd": "/r", "shell": "bash", "createdAt": 1700000000000}"#)
        .assert()
        .success()
        .stdout(predicate::function(|out: &str| {
            uuid::Uuid::parse_str(out.trim_end()).is_ok() && out.ends_with('\n')
        }));
    let e = &home.list()[0];
    assert_eq!(e["command"], "git push --force");
    assert_eq!(e["safetyLevel"], "moderate");
    assert_eq!(e["exitCode"], 1);
    assert_eq!(e["success"], false);
    assert_eq!(e["createdAt"], 1_700_000_000_000_i64);

    home.caro()
        .args(["history", "add", "--json-stdin"])
        .write_stdin("not json")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("stdin is not one JSON entry"));
    home.caro()
        .args(["history", "add", "--json-stdin", "--command", "ls"])
        .assert()
        .code(2);
}

#[test]
fn list_is_newest_first_with_limit_since_and_device() {
    let home = Home::new();
    for (i, cmd) in ["first", "second", "third"].iter().enumerate() {
        let created = 1_700_000_000_000_i64 + i as i64 * 1000;
        home.caro()
            .args(["history", "add", "--json-stdin"])
            .write_stdin(json!({ "command": cmd, "createdAt": created }).to_string())
            .assert()
            .success();
    }
    home.add("just now");
    assert_eq!(home.commands(), ["just now", "third", "second", "first"]);
    let two = home.json(&["history", "list", "--limit", "2", "--json"]);
    assert_eq!(two.len(), 2);
    let recent = home.json(&["history", "list", "--since", "1h", "--json"]);
    assert_eq!(recent.len(), 1);
    let device = home.list()[0]["deviceId"].as_str().unwrap().to_string();
    assert_eq!(
        home.json(&["history", "list", "--device", &device, "--json"])
            .len(),
        4
    );
    assert!(home
        .json(&["history", "list", "--device", "other", "--json"])
        .is_empty());
    home.caro()
        .args(["history", "list", "--since", "yesterday"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "cannot read 'yesterday' as a time",
        ));

    let text = home.caro().args(["history", "list"]).output().unwrap();
    let text = stdout_of(&text);
    assert_eq!(text.lines().count(), 4);
    assert!(text.lines().next().unwrap().ends_with("just now"));
}

#[test]
fn search_ranks_matches_and_collapses_repeats() {
    let home = Home::new();
    home.add("docker compose up -d");
    home.add("git status");
    home.add("docker ps");
    home.add("docker ps");
    home.add("kubectl get pods");
    home.caro()
        .args([
            "history",
            "add",
            "--command",
            "ls -la",
            "--prompt",
            "show hidden docker files",
        ])
        .assert()
        .success();
    let hits = home.json(&["history", "search", "docker", "--json"]);
    let commands: Vec<_> = hits
        .iter()
        .map(|e| e["command"].as_str().unwrap())
        .collect();
    assert_eq!(commands.len(), 3, "{commands:?}");
    assert_eq!(commands.iter().filter(|c| **c == "docker ps").count(), 1);
    // A hit in the command outranks a hit in the prompt.
    assert_eq!(commands.last(), Some(&"ls -la"));
    // Prefixes match, and punctuation is not query syntax.
    assert_eq!(home.json(&["history", "search", "kube", "--json"]).len(), 1);
    assert_eq!(
        home.json(&["history", "search", "--json", "--", "-d", "compose"])
            .len(),
        1
    );
    assert!(home
        .json(&["history", "search", "nothing-like-this", "--json"])
        .is_empty());
    assert!(home.json(&["history", "search", "|", "--json"]).is_empty());
    let limited = home.json(&["history", "search", "docker", "--limit", "1", "--json"]);
    assert_eq!(limited.len(), 1);
    home.caro().args(["history", "search"]).assert().code(2);
}

#[test]
fn delete_hides_from_list_and_search_and_is_enqueued() {
    let home = Home::new();
    let keep = home.add("echo keep");
    let gone = home.add("echo gone");
    let also = home.add("echo also-gone");
    home.caro()
        .args(["history", "delete", &gone, &also])
        .assert()
        .success()
        .stdout("deleted 2 entries\n");
    assert_eq!(home.commands(), ["echo keep"]);
    assert_eq!(home.json(&["history", "search", "gone", "--json"]).len(), 0);
    // Deleting again is an unknown id.
    home.caro()
        .args(["history", "delete", &gone])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(format!(
            "no history entry with id {gone}"
        )));

    let store = home.store();
    let queue = store.sync_queue_after(0, 100).unwrap();
    let ops: Vec<_> = queue
        .iter()
        .map(|q| (q.operation.as_str(), q.entity_id.as_str()))
        .collect();
    // The never-synced upserts of deleted entries are cancelled: only the
    // kept entry's upsert and the two tombstones remain.
    assert_eq!(
        ops,
        [
            ("upsert", keep.as_str()),
            ("delete", gone.as_str()),
            ("delete", also.as_str())
        ]
    );
    // The deleted text is erased from the database, not only hidden.
    let conn = rusqlite::Connection::open(home.db()).unwrap();
    let n: i64 = conn
        .query_row(
            "SELECT count(*) FROM command_history WHERE command LIKE '%gone%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 0);
}

#[test]
fn delete_of_an_unknown_id_changes_nothing() {
    let home = Home::new();
    let id = home.add("echo still-here");
    home.caro()
        .args([
            "history",
            "delete",
            &id,
            "0190aaaa-0000-7000-8000-000000000000",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "0190aaaa-0000-7000-8000-000000000000",
        ))
        .stderr(predicate::str::contains("caro history list"));
    assert_eq!(home.commands(), ["echo still-here"]);
    home.caro().args(["history", "delete"]).assert().code(2);
}

#[test]
fn prune_applies_age_and_count_retention() {
    let home = Home::new();
    let day = 86_400_000_i64;
    let now = caro::time::now_ms();
    for (cmd, age_days) in [
        ("ancient", 400),
        ("old", 100),
        ("recent-1", 2),
        ("recent-2", 1),
    ] {
        home.caro()
            .args(["history", "add", "--json-stdin"])
            .write_stdin(json!({ "command": cmd, "createdAt": now - age_days * day }).to_string())
            .assert()
            .success();
    }
    home.add("today");
    home.caro()
        .args(["history", "prune"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "pruned 2 entries: 2 older than 90 days",
        ));
    assert_eq!(home.commands(), ["today", "recent-2", "recent-1"]);
    home.caro()
        .args(["config", "set", "max_commands", "2"])
        .assert()
        .success();
    home.caro().args(["history", "prune"]).assert().success();
    assert_eq!(home.commands(), ["today", "recent-2"]);
    home.caro()
        .args([
            "history",
            "prune",
            "--retention-days",
            "0",
            "--max-commands",
            "1",
        ])
        .assert()
        .success();
    assert_eq!(home.commands(), ["today"]);
}

#[test]
fn stats_counts_levels_top_commands_and_success() {
    let home = Home::new();
    home.add("git status");
    home.add("git status");
    home.add("rm -rf /");
    home.caro()
        .args(["history", "add", "--command", "make", "--exit-code", "2"])
        .assert()
        .success();
    home.caro()
        .args(["history", "add", "--command", "git push --force"])
        .assert()
        .success();
    let out = home
        .caro()
        .args(["history", "stats", "--json"])
        .output()
        .unwrap();
    let stats: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(stats["total"], 5);
    assert_eq!(
        stats["byLevel"],
        json!({"safe": 3, "moderate": 1, "high": 0, "critical": 1})
    );
    assert_eq!(
        stats["topCommands"][0],
        json!({"command": "git status", "count": 2})
    );
    assert_eq!(stats["withExitCode"], 4);
    assert_eq!(stats["succeeded"], 3);
    assert_eq!(stats["successRate"], 0.75);
    home.caro()
        .args(["history", "stats"])
        .assert()
        .success()
        .stdout(predicate::str::contains("success rate  75.0% of 4"))
        .stdout(predicate::str::contains("critical 1"));
}

#[test]
fn risk_levels_and_warnings_are_stored() {
    let home = Home::new();
    for (cmd, level) in [
        ("rm -rf /", "critical"),
        ("dd if=/dev/zero of=/dev/sda", "critical"),
        ("mkfs.ext4 /dev/sdb1", "critical"),
        (":(){ :|:& };:", "critical"),
        ("curl -s https://x.io/i.sh | sh", "high"),
        ("curl -s https://x.io/i.sh | sudo bash", "critical"),
        ("chmod -R 777 /", "high"),
        ("git push --force", "moderate"),
        ("ls -la", "safe"),
    ] {
        home.add(cmd);
        let e = &home.list()[0];
        assert_eq!(e["safetyLevel"], level, "{cmd}");
        let warnings = e["safetyWarnings"].as_array().unwrap();
        assert_eq!(warnings.is_empty(), level == "safe", "{cmd}: {warnings:?}");
    }
}

#[test]
fn every_command_has_help() {
    let home = Home::new();
    for args in [
        vec!["--help"],
        vec!["history", "--help"],
        vec!["history", "add", "--help"],
        vec!["history", "list", "--help"],
        vec!["history", "search", "--help"],
        vec!["history", "delete", "--help"],
        vec!["history", "import", "--help"],
        vec!["history", "prune", "--help"],
        vec!["history", "stats", "--help"],
        vec!["init", "--help"],
        vec!["config", "--help"],
        vec!["config", "get", "--help"],
        vec!["config", "set", "--help"],
        vec!["config", "list", "--help"],
    ] {
        home.caro()
            .args(&args)
            .assert()
            .success()
            .stdout(predicate::str::contains("Usage: caro"));
    }
    home.caro()
        .arg("--version")
        .assert()
        .success()
        .stdout(predicate::str::starts_with("caro "));
}

#[test]
fn usage_errors_exit_2() {
    let home = Home::new();
    for args in [
        vec![],
        vec!["nope"],
        vec!["history", "add"],
        vec!["history", "add", "--command", ""],
        vec!["history", "add", "--command", "ls", "--exit-code", "x"],
        vec!["history", "add", "--command", "ls", "--duration-ms", "-5"],
        vec!["history", "list", "--limit", "many"],
        vec!["history", "import", "tcsh"],
        vec!["init", "powershell"],
        vec!["config", "get", "colour"],
    ] {
        home.caro().args(&args).assert().code(2);
    }
}

#[test]
fn a_closed_stdout_is_not_a_failure() {
    let home = Home::new();
    let lines: String = (0..3000)
        .map(|i| format!("echo line number {i} of a long history\n"))
        .collect();
    let file = home.file("bash_history", lines.as_bytes());
    home.caro()
        .args(["history", "import", "bash", "--file"])
        .arg(&file)
        .assert()
        .success();
    let mut child = caro_command(home.path())
        .args(["history", "list", "--limit", "5000", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert_eq!(first, "[\n");
    // The reader is gone (like `| head -1`): caro must exit 0 quietly.
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{:?} {}", out.status, stderr_of(&out));
    assert!(out.stderr.is_empty(), "{}", stderr_of(&out));
}

#[test]
fn files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let home = Home::new();
    let nested = home.path().join("new/caro/home");
    let mut cmd = caro_in(&nested);
    cmd.args(["history", "add", "--command", "ls"])
        .assert()
        .success();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&nested.join("history.db")), 0o600);
    assert_eq!(mode(&nested), 0o700);
    // A database left readable by others is tightened on open.
    std::fs::set_permissions(
        nested.join("history.db"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    caro_in(&nested)
        .args(["history", "list"])
        .assert()
        .success();
    assert_eq!(mode(&nested.join("history.db")), 0o600);
}
