//! End-to-end: what `safety_level` does (the lowest risk level caro points
//! out), that `default_shell` is gone, and that a stored risk level this caro
//! does not know is an error rather than "safe". Runs the real `caro`.

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

use crate::util::caro_in;

/// Rated moderate ("discards uncommitted changes").
const MODERATE: &str = "git reset --hard";
/// Rated critical ("recursively deletes everything from the root directory").
const CRITICAL: &str = "rm -rf /";

fn caro(home: &Path) -> Command {
    caro_in(home)
}

fn add(home: &Path, command: &str) -> (String, String) {
    let out = caro(home)
        .args(["history", "add", "--command", command])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    (
        String::from_utf8(out.stdout).unwrap().trim().to_string(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// The `list` line of the entry whose command is `command`.
fn list_line(home: &Path, command: &str) -> String {
    let out = caro(home).args(["history", "list"]).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .find(|l| l.ends_with(command))
        .unwrap_or_else(|| panic!("{command} not listed"))
        .to_string()
}

#[test]
fn safety_level_sets_the_lowest_level_flagged() {
    let home = tempfile::tempdir().unwrap();
    let home = home.path();

    // Default (moderate): both flagged, in the listing and when recorded.
    let (_, warned) = add(home, MODERATE);
    assert_eq!(
        warned,
        "caro: moderate risk: discards uncommitted changes\n"
    );
    let (_, warned) = add(home, CRITICAL);
    assert_eq!(
        warned,
        "caro: critical risk: recursively deletes everything from the root directory\n"
    );
    assert!(list_line(home, MODERATE).ends_with(&format!("[moderate] {MODERATE}")));
    assert!(list_line(home, CRITICAL).ends_with(&format!("[critical] {CRITICAL}")));
    let (_, warned) = add(home, "ls -la");
    assert_eq!(warned, "", "a safe command is never flagged");

    caro(home)
        .args(["config", "set", "safety_level", "critical"])
        .assert()
        .success()
        .stdout("safety_level = critical\n");
    let line = list_line(home, MODERATE);
    assert!(!line.contains('['), "moderate is below the level: {line}");
    assert!(list_line(home, CRITICAL).ends_with(&format!("[critical] {CRITICAL}")));
    let search = caro(home)
        .args(["history", "search", "git", "reset"])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&search.stdout).contains("[moderate]"));
    let (_, warned) = add(home, "git checkout -- .");
    assert_eq!(warned, "");
    let (_, warned) = add(home, "sudo rm -rf /");
    assert!(warned.starts_with("caro: critical risk: "), "{warned}");

    // The entry keeps its rating: JSON is not filtered.
    let out = caro(home)
        .args(["history", "list", "--json"])
        .output()
        .unwrap();
    let entries: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let moderate = entries.iter().find(|e| e["command"] == MODERATE).unwrap();
    assert_eq!(moderate["safetyLevel"], "moderate");
}

#[test]
fn safety_level_takes_risk_levels_only() {
    let home = tempfile::tempdir().unwrap();
    for bad in ["safe", "strict", "loud"] {
        caro(home.path())
            .args(["config", "set", "safety_level", bad])
            .assert()
            .code(2)
            .stderr(format!(
                "caro: invalid value '{bad}' for safety_level: use moderate, high or critical \
                 (the lowest risk level caro points out)\n"
            ));
    }
}

#[test]
fn default_shell_is_not_a_preference() {
    let home = tempfile::tempdir().unwrap();
    caro(home.path())
        .args(["config", "set", "default_shell", "fish"])
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with(
            "caro: unknown preference 'default_shell'; known: safety_level, retention_days",
        ));
    caro(home.path())
        .args(["config", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("default_shell").not());
}

#[test]
fn an_unknown_stored_risk_level_is_an_error() {
    let home = tempfile::tempdir().unwrap();
    let (id, _) = add(home.path(), "make deploy");
    // A newer caro's level: the schema's CHECK would refuse it, so bypass it
    // the way a hand edit or a future schema would.
    let db = rusqlite::Connection::open(home.path().join("history.db")).unwrap();
    db.execute_batch("PRAGMA ignore_check_constraints = ON")
        .unwrap();
    let changed = db
        .execute(
            "UPDATE command_history SET safety_level = 'extreme' WHERE id = ?1",
            [&id],
        )
        .unwrap();
    assert_eq!(changed, 1);
    drop(db);

    let path = home.path().join("history.db");
    let message = format!(
        "{} holds the risk level 'extreme', which this caro does not know",
        path.display()
    );
    for args in [
        &["history", "list"][..],
        &["history", "search", "deploy"],
        &["history", "stats"],
    ] {
        caro(home.path())
            .args(args)
            .assert()
            .code(1)
            .stdout("")
            .stderr(predicate::str::contains(message.as_str()))
            .stderr(predicate::str::contains("caro history delete ID"));
    }
    // What the message says to do works, and nothing else was lost.
    add(home.path(), "ls");
    caro(home.path())
        .args(["history", "delete", &id])
        .assert()
        .success();
    caro(home.path())
        .args(["history", "list"])
        .assert()
        .success()
        .stdout(predicate::str::ends_with("  ls\n"));
}
