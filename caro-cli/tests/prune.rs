//! End-to-end: `caro history prune --dry-run` removes nothing and says what a
//! real run would; retention never runs on its own, so an imported history of
//! years keeps every entry, beyond the default 90 days and 10,000 entries.

use crate::util::Home;
use predicates::prelude::*;
use serde_json::json;

fn add_aged(home: &Home, command: &str, age_days: i64) {
    let created = caro::time::now_ms() - age_days * 86_400_000;
    home.caro()
        .args(["history", "add", "--json-stdin"])
        .write_stdin(json!({ "command": command, "createdAt": created }).to_string())
        .assert()
        .success();
}

#[test]
fn dry_run_says_what_would_go_and_removes_nothing() {
    let home = Home::new();
    add_aged(&home, "ancient", 400);
    add_aged(&home, "old", 100);
    add_aged(&home, "recent", 2);
    home.add("today");
    let before = home.list();
    home.caro()
        .args(["history", "prune", "--dry-run"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "would prune 2 entries: 2 older than 90 days (before ",
        ))
        .stdout(predicate::str::contains("nothing was removed"));
    assert_eq!(home.list(), before);
    home.caro()
        .args(["history", "prune", "--dry-run", "--max-commands", "1"])
        .assert()
        .success()
        .stdout(predicate::str::contains("would prune 3 entries"))
        .stdout(predicate::str::contains("1 beyond the newest 1"));
    assert_eq!(home.list(), before);

    // A real run removes exactly what the dry run named.
    home.caro()
        .args(["history", "prune"])
        .assert()
        .success()
        .stdout(predicate::str::contains("pruned 2 entries"));
    assert_eq!(home.commands(), ["today", "recent"]);
}

#[test]
fn an_import_of_years_is_never_cut_to_the_default_limits() {
    let home = Home::new();
    // 12,000 commands from 2015 on: older than 90 days, more than 10,000.
    let history: String = (0..12_000)
        .map(|i| format!(": {}:0;echo entry-{i}\n", 1_420_000_000 + i * 3600))
        .collect();
    let file = home.file("zsh_history", history.as_bytes());
    home.caro()
        .args(["history", "import", "zsh", "--file"])
        .arg(&file)
        .assert()
        .success()
        .stdout(predicate::str::contains("imported 12000 commands"));
    // Recording, listing, searching, importing again: nothing prunes.
    home.add("echo after-import");
    home.caro()
        .args(["history", "search", "entry-42"])
        .assert()
        .success();
    home.caro()
        .args(["history", "import", "zsh", "--file"])
        .arg(&file)
        .assert()
        .success();
    assert_eq!(home.list().len(), 12_001);
    home.caro()
        .args(["history", "prune", "--dry-run"])
        .assert()
        .success()
        .stdout(predicate::str::contains("would prune 12000 entries"));
    assert_eq!(home.list().len(), 12_001);
}
