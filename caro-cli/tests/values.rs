//! Values that used to break things (issue 12): an empty exclude pattern, a
//! synced regex this caro cannot compile, implausible times and durations,
//! bad device names, a delete with unknown ids, and counts that disagree
//! with their nouns.

use serde_json::json;

use caro::store::StoredPreference;

use crate::util::{stderr_of, stdout_of, Device, Home};

#[test]
fn an_empty_exclude_pattern_clears_the_list_instead_of_matching_everything() {
    let home = Home::new();
    home.caro()
        .args(["config", "set", "exclude_patterns", "vault"])
        .assert()
        .success();
    home.caro()
        .args(["config", "set", "exclude_patterns", ""])
        .assert()
        .success();
    let out = home
        .caro()
        .args(["config", "get", "exclude_patterns"])
        .output()
        .unwrap();
    assert_eq!(stdout_of(&out).trim(), "(none)");
    home.add("vault read secret/x");
    home.add("ls");
    assert_eq!(home.commands(), ["ls", "vault read secret/x"]);
}

#[test]
fn a_synced_pattern_that_does_not_compile_is_skipped_and_reported() {
    let home = Home::new();
    // As a pull applies a preference from another device.
    home.store()
        .apply_remote_preference(&StoredPreference {
            key: "exclude_patterns".into(),
            value: json!(["(unclosed", "^vault "]),
            updated_at: 1,
            updated_by: "another-device".into(),
            updated_seq: 0,
            synced_at: None,
        })
        .unwrap();
    // Recording goes on, and the valid pattern still applies.
    home.add("ls");
    let excluded = home
        .caro()
        .args(["history", "add", "--command", "vault read x"])
        .output()
        .unwrap();
    assert!(excluded.status.success(), "{}", stderr_of(&excluded));
    assert_eq!(home.commands(), ["ls"]);

    let status = home.caro().args(["sync", "status"]).output().unwrap();
    assert!(status.status.success(), "{}", stderr_of(&status));
    let text = stdout_of(&status);
    assert!(
        text.contains("warning:    exclude pattern '(unclosed' is not a valid regex"),
        "{text}"
    );
    assert!(text.contains("it is skipped"), "{text}");
    let json: serde_json::Value = serde_json::from_slice(
        &home
            .caro()
            .args(["sync", "status", "--json"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert_eq!(json["warnings"].as_array().unwrap().len(), 1, "{json}");
}

fn add_with(home: &Home, args: &[&str]) -> std::process::Output {
    home.caro()
        .args(["history", "add", "--command", "ls"])
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn implausible_start_times_are_refused_with_a_hint() {
    let home = Home::new();
    let seconds = add_with(&home, &["--created-at", "1700000000"]);
    assert_eq!(seconds.status.code(), Some(2));
    let message = stderr_of(&seconds);
    assert!(
        message.contains("--created-at 1700000000 is before 1990"),
        "{message}"
    );
    assert!(
        message.contains("It looks like seconds: in milliseconds that is 1700000000000."),
        "{message}"
    );

    let year_9999 = add_with(&home, &["--created-at", "253402214400000"]);
    assert_eq!(year_9999.status.code(), Some(2));
    assert!(stderr_of(&year_9999).contains("more than a day from now"));

    let mut json = crate::util::caro_command(home.path());
    json.args(["history", "add", "--json-stdin"]);
    let out = crate::util::with_stdin(json, r#"{"command": "ls", "createdAt": 1700000000}"#);
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));

    assert!(home.list().is_empty(), "nothing was recorded");
    add_with(&home, &["--created-at", "1700000000000"])
        .status
        .success()
        .then_some(())
        .expect("a time in milliseconds is recorded");
}

#[test]
fn durations_beyond_30_days_are_refused() {
    let home = Home::new();
    let out = add_with(&home, &["--duration-ms", "99999999999999"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).contains("--duration-ms 99999999999999 is out of range"),
        "{}",
        stderr_of(&out)
    );
    assert!(stderr_of(&out).contains("(30 days)"));
    assert!(home.list().is_empty());
    assert!(add_with(&home, &["--duration-ms", "2592000000"])
        .status
        .success());
}

#[test]
fn a_bad_device_name_is_refused_before_the_phrase_is_asked() {
    let device = Device::offline("A");
    let long = "x".repeat(65);
    for (name, why) in [
        ("", "cannot be empty"),
        ("   ", "cannot be empty"),
        (long.as_str(), "at most 64 characters, this one has 65"),
        ("lap\x1b]0;owned\x07top", "control characters"),
    ] {
        // stdin is empty: a join that got as far as the phrase would fail otherwise.
        let out = device
            .caro()
            .args(["sync", "join", "--device-name", name])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{name:?}: {}", stderr_of(&out));
        assert!(
            stderr_of(&out).contains(why),
            "{name:?}: {}",
            stderr_of(&out)
        );
    }
    let init = device
        .caro()
        .args(["sync", "init", "--device-name", ""])
        .output()
        .unwrap();
    assert_eq!(init.status.code(), Some(2));
    assert!(!device.key_file().exists());
}

#[test]
fn a_delete_with_unknown_ids_names_them_and_deletes_nothing() {
    let home = Home::new();
    let a = home.add("echo a");
    let b = home.add("echo b");
    let unknown = "0190aaaa-0000-7000-8000-000000000000";
    let out = home
        .caro()
        .args(["history", "delete", &a, unknown, &b])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let message = stderr_of(&out);
    assert!(
        message.contains(&format!(
            "deleted nothing: 1 of the 3 ids given is no history entry (or one already deleted): {unknown}"
        )),
        "{message}"
    );
    assert_eq!(home.commands().len(), 2);

    let out = home
        .caro()
        .args(["history", "delete", &a])
        .output()
        .unwrap();
    assert_eq!(stdout_of(&out), "deleted 1 entry\n");
}

#[test]
fn one_imported_command_is_one_command() {
    let home = Home::new();
    let file = home.file("h", b": 1700000000:0;ls\n");
    let out = home
        .caro()
        .args(["history", "import", "zsh", "--file"])
        .arg(file)
        .output()
        .unwrap();
    assert!(stdout_of(&out).starts_with("imported 1 command from "));
    let pruned = home
        .caro()
        .args([
            "history",
            "prune",
            "--max-commands",
            "0",
            "--retention-days",
            "1",
        ])
        .output()
        .unwrap();
    assert!(
        stdout_of(&pruned).starts_with("pruned 1 entry:"),
        "{}{}",
        stdout_of(&pruned),
        stderr_of(&pruned)
    );
}
