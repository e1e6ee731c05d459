//! End-to-end: importing bash, zsh and fish history, and importing again.

use crate::util::Home;
use predicates::prelude::*;

const ZSH: &[u8] = b": 1700000000:0;ls -la\n: 1700000005:3;cargo build\n: 1700000009:0;for f in *\\\ndo echo $f\\\ndone\n: 1700000010:0;git push --force\n: 1700000011:0;ls -la\n";

#[test]
fn zsh_extended_history() {
    let home = Home::new();
    let file = home.file("zsh_history", ZSH);
    home.caro()
        .args(["history", "import", "zsh", "--file"])
        .arg(&file)
        .assert()
        .success()
        .stdout(predicate::str::contains("imported 5 commands"))
        .stdout(predicate::str::contains("(0 already present)"));
    let list = home.list();
    let commands: Vec<_> = list
        .iter()
        .map(|e| e["command"].as_str().unwrap())
        .collect();
    assert_eq!(
        commands,
        [
            "ls -la",
            "git push --force",
            "for f in *\ndo echo $f\ndone",
            "cargo build",
            "ls -la"
        ]
    );
    assert_eq!(list[0]["createdAt"], 1_700_000_011_000_i64);
    assert_eq!(list[3]["durationMs"], 3000);
    assert_eq!(list[1]["safetyLevel"], "moderate");
    assert_eq!(list[0]["shell"], "zsh");
}

#[test]
fn reimport_adds_nothing_and_then_only_what_is_new() {
    let home = Home::new();
    let file = home.file("zsh_history", ZSH);
    let import = || {
        home.caro()
            .args(["history", "import", "zsh", "--file"])
            .arg(&file)
            .assert()
            .success()
    };
    import();
    import()
        .stdout(predicate::str::contains("imported 0 commands"))
        .stdout(predicate::str::contains("(5 already present)"));
    assert_eq!(home.list().len(), 5);

    let mut grown = ZSH.to_vec();
    grown.extend_from_slice(b": 1700000020:0;make test\n");
    std::fs::write(&file, grown).unwrap();
    import().stdout(predicate::str::contains("imported 1 command from"));
    assert_eq!(home.list().len(), 6);
}

#[test]
fn a_deleted_import_stays_deleted_on_reimport() {
    let home = Home::new();
    let file = home.file("zsh_history", ZSH);
    home.caro()
        .args(["history", "import", "zsh", "--file"])
        .arg(&file)
        .assert()
        .success();
    let id = home.list()[1]["id"].as_str().unwrap().to_string();
    home.caro()
        .args(["history", "delete", &id])
        .assert()
        .success();
    home.caro()
        .args(["history", "import", "zsh", "--file"])
        .arg(&file)
        .assert()
        .success();
    assert_eq!(home.list().len(), 4);
    assert!(!home.commands().contains(&"git push --force".to_string()));
}

#[test]
fn bash_with_and_without_timestamps() {
    let home = Home::new();
    let plain = home.file("plain", b"ls\ngit status\nls\n");
    home.caro()
        .args(["history", "import", "bash", "--file"])
        .arg(&plain)
        .assert()
        .success()
        .stdout(predicate::str::contains("imported 3 commands"));
    assert_eq!(home.commands(), ["ls", "git status", "ls"]);
    home.caro()
        .args(["history", "import", "bash", "--file"])
        .arg(&plain)
        .assert()
        .success()
        .stdout(predicate::str::contains("imported 0 commands"));

    let stamped = home.file("stamped", b"#1600000000\nmake\n#1600000060\ncargo test\n");
    home.caro()
        .args(["history", "import", "bash", "--file"])
        .arg(&stamped)
        .assert()
        .success()
        .stdout(predicate::str::contains("imported 2 commands"));
    let list = home.list();
    let last = &list[list.len() - 1];
    assert_eq!(last["command"], "make");
    assert_eq!(last["createdAt"], 1_600_000_000_000_i64);
}

#[test]
fn fish_history() {
    let home = Home::new();
    let file = home.file(
        "fish_history",
        b"- cmd: ls -la\n  when: 1700000000\n- cmd: cd /tmp\n  when: 1700000001\n  paths:\n    - /tmp\n- cmd: echo a\\nb\n  when: 1700000002\n",
    );
    home.caro()
        .args(["history", "import", "fish", "--file"])
        .arg(&file)
        .assert()
        .success()
        .stdout(predicate::str::contains("imported 3 commands"));
    assert_eq!(home.commands(), ["echo a\nb", "cd /tmp", "ls -la"]);
}

#[test]
fn garbage_lines_are_skipped_and_counted() {
    let home = Home::new();
    let file = home.file(
        "fish_history",
        b"- cmd: ls\n  when: 1700000000\nthis is not fish\n  when: later\n- cmd: pwd\n",
    );
    home.caro()
        .args(["history", "import", "fish", "--file"])
        .arg(&file)
        .assert()
        .success()
        .stdout(predicate::str::contains("imported 2 commands"))
        .stderr(predicate::str::contains("skipped 2 unreadable lines"))
        .stderr(predicate::str::contains(
            "first at line 3: not a fish history line",
        ));
}

#[test]
fn secrets_in_imported_history_are_left_out() {
    let home = Home::new();
    let file = home.file("h", b"ls\nexport DB_PASSWORD=hunter2\ngit status\n");
    home.caro()
        .args(["history", "import", "bash", "--file"])
        .arg(&file)
        .assert()
        .success()
        .stdout(predicate::str::contains("imported 2 commands"))
        .stdout(predicate::str::contains(
            "not imported: 1 command held a secret",
        ))
        .stdout(predicate::str::contains("hunter2").not());
    assert_eq!(home.commands(), ["git status", "ls"]);
}

#[test]
fn default_file_comes_from_histfile() {
    let home = Home::new();
    let file = home.file("my_history", b"echo from-histfile\n");
    home.caro()
        .env("HISTFILE", &file)
        .args(["history", "import", "bash"])
        .assert()
        .success();
    assert_eq!(home.commands(), ["echo from-histfile"]);
}

#[test]
fn imported_entries_are_enqueued_for_sync() {
    let home = Home::new();
    let file = home.file("zsh_history", ZSH);
    home.caro()
        .args(["history", "import", "zsh", "--file"])
        .arg(&file)
        .assert()
        .success();
    let store = home.store();
    assert_eq!(store.sync_queue_after(0, 100).unwrap().len(), 5);
}
