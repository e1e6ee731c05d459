//! End-to-end: importing from Atuin, nushell and `caro sync export` files;
//! imported ids (random UUID v7, never from the text); re-imports.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::Home;
use predicates::prelude::*;
use rusqlite::Connection;
use serde_json::Value;

fn import(home: &Home, source: &str, file: &Path) -> assert_cmd::assert::Assert {
    home.caro()
        .args(["history", "import", source, "--file"])
        .arg(file)
        .assert()
}

fn by_command<'a>(list: &'a [Value], command: &str) -> &'a Value {
    list.iter()
        .find(|e| e["command"] == command)
        .unwrap_or_else(|| panic!("{command:?} not in {list:#?}"))
}

fn ids(home: &Home) -> Vec<String> {
    let mut ids: Vec<String> = home
        .list()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

#[test]
fn ids_are_random_uuid_v7_dated_by_the_command_and_never_shared_across_devices() {
    let (laptop, desktop) = (Home::new(), Home::new());
    let history = b"ls\ngit status\nls\n";
    let (a, b) = (laptop.file("h", history), desktop.file("h", history));
    import(&laptop, "bash", &a).success();
    import(&desktop, "bash", &b).success();
    let (laptop_ids, desktop_ids) = (ids(&laptop), ids(&desktop));
    assert_eq!(laptop_ids.len(), 3);
    assert!(laptop_ids.iter().all(|id| !desktop_ids.contains(id)));
    for e in laptop.list() {
        let id = uuid::Uuid::parse_str(e["id"].as_str().unwrap()).unwrap();
        assert_eq!(id.get_version_num(), 7);
        let (secs, nanos) = id.get_timestamp().unwrap().to_unix();
        let ms = secs as i64 * 1000 + i64::from(nanos / 1_000_000);
        assert_eq!(ms, e["createdAt"].as_i64().unwrap());
    }
    // Importing again, even from a copy elsewhere, adds nothing.
    let copy = laptop.file("copy-of-h", history);
    import(&laptop, "bash", &copy)
        .success()
        .stdout(predicate::str::contains("imported 0 commands"))
        .stdout(predicate::str::contains("(3 already present)"));
    assert_eq!(ids(&laptop), laptop_ids);
}

/// An Atuin history.db with Atuin's schema: its first migration, then the
/// columns later migrations added.
fn atuin_fixture(path: &Path) {
    let db = Connection::open(path).unwrap();
    db.execute_batch(
        "create table history (
            id text primary key, timestamp integer not null, duration integer not null,
            exit integer not null, command text not null, cwd text not null,
            session text not null, hostname text not null,
            unique(timestamp, cwd, command));
         alter table history add column deleted_at integer;
         alter table history add column author text;
         alter table history add column intent text;
         alter table history add column shell text;
         alter table history add column author_kind integer;
         insert into history (id, timestamp, duration, exit, command, cwd, session, hostname) values
            ('018bcfe5a0007000800000000000000a', 1700000000000000000, 2500000000, 1,
             'cargo build', '/home/me/src', 's1', 'laptop:me'),
            ('018bcfe5a0007000800000000000000b', 1700000005123456789, -1, -1,
             'ls -la', 'unknown', 's1', 'laptop:me'),
            ('018bcfe5a0007000800000000000000c', 1700000009000000000, 1000000, 0,
             'for f in *
do echo $f
done', '/tmp', 's2', 'laptop:me');
         insert into history (id, timestamp, duration, exit, command, cwd, session, hostname, deleted_at) values
            ('018bcfe5a0007000800000000000000d', 1700000010000000000, 1000000, 0,
             'echo deleted-in-atuin', '/tmp', 's2', 'laptop:me', 1700000011000000000);",
    )
    .unwrap();
}

#[test]
fn atuin_history_keeps_time_duration_exit_and_directory() {
    let home = Home::new();
    let db = home.path().join("history.db");
    atuin_fixture(&db);
    import(&home, "atuin", &db)
        .success()
        .stdout(predicate::str::contains("imported 3 commands"));
    let list = home.list();
    assert_eq!(list.len(), 3, "the entry deleted in Atuin is left out");
    let build = by_command(&list, "cargo build");
    assert_eq!(build["createdAt"], 1_700_000_000_000_i64);
    assert_eq!(build["durationMs"], 2500);
    assert_eq!(build["exitCode"], 1);
    assert_eq!(build["cwd"], "/home/me/src");
    assert_eq!(
        build["hostname"], "laptop",
        "Atuin's `host:user` keeps the host"
    );
    // Atuin writes -1 and "unknown" for what it does not know.
    let ls = by_command(&list, "ls -la");
    assert_eq!(ls["createdAt"], 1_700_000_005_123_i64);
    assert_eq!(ls["exitCode"], Value::Null);
    assert_eq!(ls["durationMs"], Value::Null);
    assert_eq!(ls["cwd"], Value::Null);
    assert_eq!(
        by_command(&list, "for f in *\ndo echo $f\ndone")["cwd"],
        "/tmp"
    );
    import(&home, "atuin", &db)
        .success()
        .stdout(predicate::str::contains("imported 0 commands"));
    assert_eq!(home.list().len(), 3);
}

#[test]
fn atuin_default_file_and_clear_errors() {
    let home = Home::new();
    let data = home.path().join("data");
    std::fs::create_dir_all(data.join("atuin")).unwrap();
    atuin_fixture(&data.join("atuin/history.db"));
    home.caro()
        .env("XDG_DATA_HOME", &data)
        .args(["history", "import", "atuin"])
        .assert()
        .success()
        .stdout(predicate::str::contains("imported 3 commands"));

    let other = home.path().join("other.db");
    Connection::open(&other)
        .unwrap()
        .execute_batch("create table notes (body text)")
        .unwrap();
    import(&home, "atuin", &other)
        .failure()
        .stderr(predicate::str::contains("is not an Atuin history database"));
    import(&home, "atuin", &home.path().join("missing.db"))
        .failure()
        .stderr(predicate::str::contains("no such file"));
    let text = home.file("not-sqlite", b"ls\n");
    import(&home, "atuin", &text).failure();
    assert_eq!(home.list().len(), 3);
}

/// The history Atuin itself writes, when Atuin is installed.
#[test]
fn atuin_database_made_by_atuin() {
    let atuin = PathBuf::from("/opt/atuin/bin/atuin");
    if !atuin.exists() {
        eprintln!("SKIPPED: /opt/atuin/bin/atuin is not installed (the fixture test covers Atuin's schema)");
        return;
    }
    let home = Home::new();
    let db = home.path().join("atuin.db");
    let run = |args: &[&str]| {
        let out = Command::new(&atuin)
            .args(args)
            .env("ATUIN_DB_PATH", &db)
            .env("ATUIN_RECORD_STORE_PATH", home.path().join("records.db"))
            .env("ATUIN_CONFIG_DIR", home.path().join("atuin-config"))
            .env("ATUIN_SESSION", "0190000000007000800000000000abcd")
            .env("XDG_DATA_HOME", home.path().join("atuin-data"))
            .env("PWD", "/tmp")
            .current_dir("/tmp")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "atuin {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    let id = run(&["history", "start", "--", "make test"]);
    run(&[
        "history",
        "end",
        "--exit",
        "2",
        "--duration",
        "1500000000",
        &id,
    ]);
    import(&home, "atuin", &db)
        .success()
        .stdout(predicate::str::contains("imported 1 command from"));
    let list = home.list();
    let make = by_command(&list, "make test");
    assert_eq!(make["exitCode"], 2);
    assert_eq!(make["durationMs"], 1500);
    assert_eq!(make["cwd"], "/tmp");
}

#[test]
fn nushell_text_and_sqlite() {
    let home = Home::new();
    let text = home.file(
        "history.txt",
        b"ls | where size > 1kb\nfor x in [1 2] {<\\n>  print $x<\\n>}\n",
    );
    import(&home, "nushell", &text)
        .success()
        .stdout(predicate::str::contains("imported 2 commands"));
    assert_eq!(
        home.commands(),
        ["for x in [1 2] {\n  print $x\n}", "ls | where size > 1kb"]
    );
    assert_eq!(home.list()[0]["shell"], "nu");

    let db = home.path().join("history.sqlite3");
    Connection::open(&db)
        .unwrap()
        .execute_batch(
            "create table history (
                id integer primary key autoincrement, command_line text not null,
                start_timestamp integer, session_id integer, hostname text, cwd text,
                duration_ms integer, exit_status integer, more_info text) strict;
             insert into history (command_line, start_timestamp, session_id, hostname, cwd,
                                  duration_ms, exit_status)
             values ('cargo test', 1700000000000, 1, 'laptop', '/src', 4200, 101),
                    ('http get example.org', 1700000001000, 1, 'laptop', '/tmp', null, null);",
        )
        .unwrap();
    import(&home, "nushell", &db)
        .success()
        .stdout(predicate::str::contains("imported 2 commands"));
    let list = home.list();
    let test = by_command(&list, "cargo test");
    assert_eq!(test["createdAt"], 1_700_000_000_000_i64);
    assert_eq!(test["durationMs"], 4200);
    assert_eq!(test["exitCode"], 101);
    assert_eq!(test["cwd"], "/src");
    assert_eq!(test["hostname"], "laptop");
    import(&home, "nushell", &db)
        .success()
        .stdout(predicate::str::contains("imported 0 commands"));
}

#[test]
fn caro_export_reimports_without_duplicates() {
    let laptop = Home::new();
    laptop.add("git status");
    laptop
        .caro()
        .args([
            "history",
            "add",
            "--command",
            "make",
            "--exit-code",
            "2",
            "--cwd",
            "/src",
            "--duration-ms",
            "1200",
        ])
        .assert()
        .success();
    let export = laptop.path().join("export.json");
    laptop
        .caro()
        .args(["sync", "export", "--output"])
        .arg(&export)
        .assert()
        .success();

    // Into the same home: nothing new.
    import(&laptop, "caro-export", &export)
        .success()
        .stdout(predicate::str::contains("imported 0 commands"))
        .stdout(predicate::str::contains("(2 already present)"));
    assert_eq!(laptop.list().len(), 2);

    // Into a fresh home: the same entries, ids included; then nothing new.
    let restored = Home::new();
    import(&restored, "caro-export", &export)
        .success()
        .stdout(predicate::str::contains("imported 2 commands"));
    assert_eq!(ids(&restored), ids(&laptop));
    let make = by_command(&restored.list(), "make").clone();
    assert_eq!(make["exitCode"], 2);
    assert_eq!(make["cwd"], "/src");
    assert_eq!(make["durationMs"], 1200);
    // The export writes RFC 3339; the entry comes back at the same millisecond.
    assert_eq!(
        make["createdAt"],
        by_command(&laptop.list(), "make")["createdAt"]
    );
    import(&restored, "caro-export", &export)
        .success()
        .stdout(predicate::str::contains("imported 0 commands"));

    let bad = restored.file("bad.json", b"{\"exportVersion\": 9, \"commands\": []}");
    import(&restored, "caro-export", &bad)
        .failure()
        .stderr(predicate::str::contains("exportVersion 9"));
    restored
        .caro()
        .args(["history", "import", "caro-export"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("pass --file PATH"));
}
