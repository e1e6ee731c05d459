//! `caro sync relay` hands its flags to the package's relay: the token file it
//! is given is the one the printed URL carries, `--open` prints a URL without a
//! token, and the relay's own refusals reach the user with its exit status.

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};

use crate::util::{repo_root, terminate};

fn relay_command() -> Command {
    let script = repo_root().join("sync-daemon/dist/bin/relay.js");
    assert!(
        script.is_file(),
        "{} is missing: run `make build` first",
        script.display()
    );
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("caro"));
    cmd.args(["sync", "relay", "--host", "127.0.0.1", "--port", "0"])
        .env("CARO_SYNC_RELAY_BIN", format!("node {}", script.display()))
        .env("CARO_SYNC_LOG_LEVEL", "warn")
        .stdin(Stdio::null());
    cmd
}

/// Starts `caro sync relay ARGS`, returns the URL of its `listening` line, stops it.
fn first_url(args: &[&str]) -> String {
    let mut child = relay_command()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    terminate(&mut child);
    line.trim()
        .strip_prefix("listening ")
        .unwrap_or_else(|| panic!("no listening line: {line:?}"))
        .to_string()
}

#[test]
fn token_file_and_open_are_passed_through() {
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("relay.token");
    let db = dir.path().join("relay.sqlite");
    let url = first_url(&[
        "--db",
        db.to_str().unwrap(),
        "--token-file",
        token_file.to_str().unwrap(),
    ]);
    let token = std::fs::read_to_string(&token_file).unwrap();
    assert!(url.ends_with(&format!("/?token={}", token.trim())), "{url}");
    let mode = std::fs::metadata(&token_file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    assert!(
        !dir.path().join("relay.sqlite.token").exists(),
        "--token-file replaces the default beside the store"
    );

    let open = first_url(&["--open"]);
    assert!(!open.contains("token"), "{open}");
}

#[test]
fn a_relay_that_cannot_start_says_why_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing/relay.sqlite");
    let out = relay_command()
        .args(["--db", missing.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("does not exist: create it first"),
        "{stderr}"
    );
}
