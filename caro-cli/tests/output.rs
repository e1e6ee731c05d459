//! Everything `caro` prints goes through one writer: a closed stdout
//! (`caro … | head -c0`) ends every subcommand quietly with its usual exit
//! code (0 when it had nothing else to report), never a panic; and a
//! `--json` command that fails prints one JSON object,
//! `{"error":{"kind":…,"message":…}}`, exit code 1 (2 for usage).

use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::util::{Device, Relay};
use serde_json::Value;

/// Runs `command` with a stdout whose reader is already gone (what
/// `| head -c0` becomes once head exits), `input` on stdin. Returns the exit
/// status and stderr. A command still running after 60 s fails the test.
fn with_closed_stdout(mut command: Command, input: Option<&str>) -> (ExitStatus, String) {
    let (reader, writer) = nix::unistd::pipe().expect("a pipe");
    drop(reader);
    let mut child = command
        .stdout(Stdio::from(writer))
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stderr(Stdio::piped())
        .spawn()
        .expect("run caro");
    if let (Some(text), Some(mut stdin)) = (input, child.stdin.take()) {
        use std::io::Write;
        stdin.write_all(format!("{text}\n").as_bytes()).unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("caro {command:?} did not end with a closed stdout");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `caro ARGS` on `device` exits 0 and says nothing with a closed stdout.
fn quiet_success(device: &Device, args: &[&str], input: Option<&str>) {
    let mut command = device.caro();
    command.args(args);
    let (status, stderr) = with_closed_stdout(command, input);
    assert!(
        status.success() && stderr.is_empty(),
        "caro {} | head -c0: {status}, stderr: {stderr}",
        args.join(" ")
    );
}

/// Parses stdout as exactly one JSON value.
fn one_json_object(stdout: &[u8]) -> Value {
    let mut values = serde_json::Deserializer::from_slice(stdout).into_iter::<Value>();
    let first = values
        .next()
        .expect("stdout holds a JSON object")
        .expect("stdout is JSON");
    assert!(
        values.next().is_none(),
        "stdout holds more than one JSON value"
    );
    first
}

#[test]
fn every_local_command_ends_quietly_on_a_closed_stdout() {
    let relay = Relay::start();
    let device = Device::new("local", &relay);
    let id = device.add("git status");
    device.add("ls -la");
    let history = device.home.path().join("zsh_history");
    std::fs::write(&history, ": 1700000000:0;make build\n").unwrap();
    let history = history.to_str().unwrap();
    let json_entry = r#"{"command": "cargo test", "exitCode": 0}"#;
    let cases: &[(&[&str], Option<&str>)] = &[
        (&["history", "add", "--command", "echo hi"], None),
        (&["history", "add", "--json-stdin"], Some(json_entry)),
        (&["history", "list"], None),
        (&["history", "list", "--json"], None),
        (&["history", "search", "git"], None),
        (&["history", "search", "git", "--json"], None),
        (&["history", "import", "zsh", "--file", history], None),
        (&["history", "prune"], None),
        (&["history", "stats"], None),
        (&["history", "stats", "--json"], None),
        (&["history", "delete", &id], None),
        (&["init", "bash"], None),
        (&["init", "zsh"], None),
        (&["init", "fish"], None),
        (&["config", "get", "retention_days"], None),
        (&["config", "set", "retention_days", "90"], None),
        (&["config", "list"], None),
        (&["config", "list", "--json"], None),
        (&["sync", "status"], None),
        (&["sync", "status", "--json"], None),
        (&["sync", "export"], None),
        (&["sync", "reset", "--yes"], None),
        (&["--help"], None),
        (&["--version"], None),
        (&["history", "--help"], None),
    ];
    for (args, input) in cases {
        quiet_success(&device, args, *input);
    }
}

#[test]
fn every_sync_command_ends_quietly_on_a_closed_stdout() {
    let relay = Relay::start();
    let first = Device::new("first", &relay);
    // The phrase is printed once; with nobody reading, the account still exists.
    quiet_success(&first, &["sync", "init", "--json"], None);
    first.ok(&["sync", "reset", "--yes"]);
    let phrase = first.init();
    first.add("echo one");
    for args in [
        &["sync"][..],
        &["sync", "now"],
        &["sync", "now", "--json"],
        &["sync", "status"],
        &["sync", "status", "--json"],
        &["sync", "devices"],
        &["sync", "devices", "--json"],
        &["sync", "export"],
    ] {
        quiet_success(&first, args, None);
    }
    // `watch` stops at its first line once nobody reads it.
    quiet_success(&first, &["sync", "watch"], None);
    let second = Device::new("second", &relay);
    quiet_success(&second, &["sync", "join"], Some(&phrase));
    assert_eq!(second.commands(), vec!["echo one".to_string()]);
    quiet_success(&second, &["sync", "reset", "--yes"], None);
}

#[test]
fn a_json_failure_is_one_error_object() {
    let relay = Relay::start();
    let device = Device::new("json", &relay);

    let out = device.run(&["sync", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let error = &one_json_object(&out.stdout)["error"];
    assert_eq!(error["kind"], "not-set-up");
    assert!(error["message"]
        .as_str()
        .unwrap()
        .contains("caro sync init"));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = device.run(&["history", "list", "--json", "--no-such-flag"]);
    assert_eq!(out.status.code(), Some(2));
    let error = &one_json_object(&out.stdout)["error"];
    assert_eq!(error["kind"], "usage");
    assert!(error["message"]
        .as_str()
        .unwrap()
        .contains("--no-such-flag"));

    // Without --json the same failure is a line on stderr.
    let out = device.run(&["sync"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("caro: sync is not set up"));
}

#[test]
fn an_unreachable_relay_is_named_in_json() {
    let mut relay = Relay::start();
    let device = Device::new("offline", &relay);
    device.init();
    relay.stop();
    let out = device.run(&["sync", "now", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let error = &one_json_object(&out.stdout)["error"];
    assert_eq!(error["kind"], "relay-unreachable", "{error}");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains(&caro::relay_url::for_display(&device.relay)),
        "{message}"
    );
}
