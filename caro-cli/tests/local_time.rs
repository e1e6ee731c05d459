//! End-to-end: people read local dates (the `TZ` zone), files carry RFC 3339
//! UTC. Runs the real `caro` with real SQLite homes.

use std::path::Path;

use assert_cmd::Command;

use crate::util::caro_in;
use serde_json::Value;

/// 2023-11-14T20:00:00Z: 05:00 on the 15th in Tokyo, 15:00 on the 14th in New York.
const EVENING_UTC_MS: i64 = 1_699_992_000_000;

fn caro(home: &Path, tz: &str) -> Command {
    let mut cmd = caro_in(home);
    cmd.env("TZ", tz);
    cmd
}

fn stdout(cmd: &mut Command) -> String {
    let out = cmd.output().expect("run caro");
    assert!(
        out.status.success(),
        "caro failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

fn add_at(home: &Path, command: &str, created_at: i64) {
    stdout(caro(home, "UTC").args([
        "history",
        "add",
        "--command",
        command,
        "--created-at",
        &created_at.to_string(),
    ]));
}

#[test]
fn list_search_and_stats_print_the_local_date() {
    let home = tempfile::tempdir().unwrap();
    add_at(home.path(), "cargo build --release", EVENING_UTC_MS);
    for (tz, date) in [
        ("Asia/Tokyo", "2023-11-15"),
        ("America/New_York", "2023-11-14"),
        ("UTC", "2023-11-14"),
    ] {
        let list = stdout(caro(home.path(), tz).args(["history", "list"]));
        assert!(
            list.contains(&format!("  {date}  ")),
            "TZ={tz}: list shows {list:?}"
        );
        let search = stdout(caro(home.path(), tz).args(["history", "search", "cargo"]));
        assert!(
            search.contains(&format!("  {date}  ")),
            "TZ={tz}: {search:?}"
        );
        let stats = stdout(caro(home.path(), tz).args(["history", "stats"]));
        assert!(
            stats.starts_with(&format!("entries       1 since {date}\n")),
            "TZ={tz}: {stats:?}"
        );
    }
    // JSON keeps the instant itself, whatever the zone.
    let json = stdout(caro(home.path(), "Asia/Tokyo").args(["history", "list", "--json"]));
    let entries: Vec<Value> = serde_json::from_str(&json).unwrap();
    assert_eq!(entries[0]["createdAt"], EVENING_UTC_MS);
}

#[test]
fn recent_entries_keep_relative_ages() {
    let home = tempfile::tempdir().unwrap();
    stdout(caro(home.path(), "UTC").args(["history", "add", "--command", "ls"]));
    let list = stdout(caro(home.path(), "Asia/Tokyo").args(["history", "list"]));
    assert!(list.contains("just now"), "{list:?}");
}

#[test]
fn export_times_are_rfc3339_utc_in_any_zone() {
    let home = tempfile::tempdir().unwrap();
    add_at(home.path(), "git status", EVENING_UTC_MS + 123);
    stdout(caro(home.path(), "UTC").args(["config", "set", "retention_days", "0"]));
    let text = stdout(caro(home.path(), "Asia/Tokyo").args(["sync", "export"]));
    let export: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(export["exportVersion"], 1);
    assert_eq!(
        export["commands"][0]["createdAt"],
        "2023-11-14T20:00:00.123Z"
    );
    let rfc3339 = |v: &Value| {
        let text = v.as_str().unwrap_or_else(|| panic!("not a string: {v}"));
        assert!(
            text.len() == 24 && text.ends_with('Z') && text.as_bytes()[10] == b'T',
            "{text}"
        );
    };
    rfc3339(&export["exportedAt"]);
    rfc3339(&export["preferences"][0]["updatedAt"]);
    rfc3339(&export["devices"][0]["createdAt"]);
    rfc3339(&export["devices"][0]["updatedAt"]);
}
