//! The two-device flow of `make demo`, with assertions: init, join, both
//! ways, watch, deletes and preferences, export, status and devices, and no
//! plaintext on the relay.

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::process::Stdio;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde_json::Value;

use crate::util::{occurrences, stderr_of, stdout_of, terminate, Device, Relay};

#[test]
fn two_devices_share_one_history_and_the_relay_sees_no_plaintext() {
    let relay = Relay::start();
    let a = Device::new("A", &relay);
    let b = Device::new("B", &relay);
    let marker = "PLAINTEXT-MARKER-7c1e";

    // A records before sync exists: init pushes it.
    a.add(&format!("echo {marker} one"));
    a.add("git status");
    let phrase = a.init();
    assert_eq!(phrase.split_whitespace().count(), 24);
    let key_mode = std::fs::metadata(a.key_file())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(key_mode & 0o777, 0o600);
    let key_text = std::fs::read_to_string(a.key_file()).unwrap();
    assert!(!key_text.contains(&phrase));
    assert_holds_only_derived_keys(&key_text);
    assert_eq!(a.pending(), 0, "init pushed the existing history");
    a.add(&format!("cargo build --release # {marker} two"));
    assert_eq!(a.sync()["pushed"], 1);

    // Joining pulls everything the relay has, in one go, and says which
    // account and device it joined as, and what the first sync did.
    let joined = b.join_output(&phrase);
    assert!(joined.status.success(), "{}", stderr_of(&joined));
    let identity = a.store().sync_identity().unwrap().unwrap();
    let account = identity.account_id.expect("init stored the account id");
    let b_device = b.store().current_device_id().unwrap();
    let stdout = stdout_of(&joined);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    let joined_as = format!("Joined account {account} (key id {}) as ", identity.key_id);
    assert!(lines[0].starts_with(&joined_as), "{stdout}");
    assert!(lines[0].ends_with(&format!(" ({b_device}).")), "{stdout}");
    // B pushed one record: its device record (name and platform, sealed).
    let took = lines[1]
        .strip_prefix("pushed 1, pulled 3, skipped 0 in ")
        .and_then(|t| t.strip_suffix('s'))
        .unwrap_or_else(|| panic!("no summary in {stdout}"));
    let (whole, hundredths) = took.split_once('.').unwrap_or_else(|| panic!("{took}"));
    assert!(
        whole.parse::<u64>().is_ok() && hundredths.len() == 2 && hundredths.parse::<u8>().is_ok(),
        "the time is in seconds with two decimals: {stdout}"
    );
    assert_eq!(b.entries().len(), 3);
    assert_eq!(
        b.store()
            .sync_identity()
            .unwrap()
            .unwrap()
            .account_id
            .as_deref(),
        Some(account.as_str())
    );
    assert_eq!(b.commands(), a.commands());
    assert!(b
        .ok(&["history", "search", "release"])
        .contains("cargo build --release"));
    let b_entries = b.entries();
    let a_entries = a.entries();
    for (x, y) in a_entries.iter().zip(&b_entries) {
        assert_eq!(x.id, y.id);
        assert_eq!(
            x.device_id, y.device_id,
            "entries keep their recording device"
        );
        assert_eq!(x.created_at, y.created_at);
        assert_eq!(x.exit_code, y.exit_code);
    }

    // B to A through `caro sync watch`.
    let mut watch = a
        .caro()
        .args(["sync", "watch"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(watch.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    assert!(first.starts_with("watching "), "{first}");
    b.add("echo from B via watch");
    b.sync();
    assert_eq!(a.wait_for(4, Duration::from_secs(30)), 4);
    assert!(a.commands().contains(&"echo from B via watch".to_string()));
    // Preferences are records too: watch applies them as they arrive.
    b.ok(&["config", "set", "retention_days", "45"]);
    b.sync();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while a.ok(&["config", "get", "retention_days"]).trim() != "45" {
        assert!(
            std::time::Instant::now() < deadline,
            "watch did not apply B's preference"
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    // And A to B: `history add` on A while A watches reaches the relay by itself.
    a.add("echo from A while watching");
    assert_eq!(b.sync_until(5, 10), 5);
    terminate(&mut watch);
    let status = watch.wait().unwrap();
    assert!(status.success(), "watch stops cleanly on SIGTERM: {status}");

    // A delete on B hides the entry on A; a preference set on A reaches B.
    let victim = b
        .entries()
        .into_iter()
        .find(|e| e.command == "git status")
        .unwrap();
    b.ok(&["history", "delete", &victim.id]);
    b.sync();
    a.ok(&["config", "set", "retention_days", "30"]);
    let deleted_on_a = || !a.commands().contains(&"git status".to_string());
    for _ in 0..5 {
        a.sync();
        if deleted_on_a() {
            break;
        }
    }
    assert!(deleted_on_a());
    assert_eq!(a.commands(), b.commands());
    for _ in 0..5 {
        b.sync();
        if b.ok(&["config", "get", "retention_days"]).trim() == "30" {
            break;
        }
    }
    assert_eq!(b.ok(&["config", "get", "retention_days"]).trim(), "30");

    // Export: decrypted, private file.
    let file = b.home.path().join("export.json");
    b.ok(&["sync", "export", "--output", file.to_str().unwrap()]);
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let export: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(export["exportVersion"], 1);
    assert_eq!(export["commands"].as_array().unwrap().len(), 4);
    assert!(export["devices"].as_array().unwrap().len() >= 2);

    // Devices and status.
    let devices: Value = serde_json::from_str(&a.ok(&["sync", "devices", "--json"])).unwrap();
    assert_eq!(devices.as_array().unwrap().len(), 2);
    let status: Value = serde_json::from_str(&a.ok(&["sync", "status", "--json"])).unwrap();
    assert_eq!(status["configured"], true);
    assert_eq!(status["relay"]["reachable"], true);
    assert_eq!(status["relay"]["url"], relay.url.as_str());
    assert_eq!(status["queue"]["pending"], 0);
    assert_eq!(status["daemon"]["health"]["healthy"], true);

    // The relay never saw a command in clear.
    let storage = relay.storage_bytes();
    assert!(!storage.is_empty(), "the relay stored something");
    assert_eq!(occurrences(&storage, marker.as_bytes()), 0);
    assert_eq!(occurrences(&storage, b"from B via watch"), 0);

    // Nothing under either home is readable by others: history, keys, the
    // daemon's store and their logs alike.
    for home in [a.home.path(), b.home.path()] {
        for (path, mode) in file_modes(home) {
            assert_eq!(mode & 0o077, 0, "{} has mode {mode:o}", path.display());
        }
    }
}

/// The key file is the key id and four 32-byte keys, nothing else: no
/// phrase, no master key, in any encoding.
fn assert_holds_only_derived_keys(key_text: &str) {
    let file: Value = serde_json::from_str(key_text).unwrap();
    let fields = file.as_object().unwrap();
    let mut names: Vec<&str> = fields.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "commandKey",
            "deviceKey",
            "jazzAuthKey",
            "keyId",
            "preferenceKey",
            "version"
        ]
    );
    assert_eq!(file["version"], 1);
    for name in ["commandKey", "deviceKey", "jazzAuthKey", "preferenceKey"] {
        let key = BASE64.decode(file[name].as_str().unwrap()).unwrap();
        assert_eq!(key.len(), 32, "{name}");
    }
}

/// Every regular file under `dir`, with its permission bits.
fn file_modes(dir: &std::path::Path) -> Vec<(std::path::PathBuf, u32)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let meta = entry.metadata().unwrap();
        if meta.is_dir() {
            found.extend(file_modes(&entry.path()));
        } else if meta.is_file() {
            found.push((entry.path(), meta.permissions().mode() & 0o777));
        }
    }
    found
}

#[test]
fn init_refuses_twice_and_reset_starts_over() {
    let relay = Relay::start();
    let a = Device::new("A", &relay);
    a.add("ls -la");
    a.init();
    let again = a
        .caro()
        .args(["sync", "init", "--phrase-file"])
        .arg(a.home.path().join("phrase"))
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr_of(&again).contains("caro sync reset"));

    let refused = a.run(&["sync", "reset"]);
    assert_eq!(refused.status.code(), Some(2), "no --yes and no terminal");
    assert!(a.key_file().exists());

    a.ok(&["sync", "reset", "--yes"]);
    assert!(!a.key_file().exists());
    assert!(!a.daemon_dir().exists());
    assert_eq!(a.entries().len(), 1, "history stays");
    let not_set_up = a.run(&["sync"]);
    assert_eq!(not_set_up.status.code(), Some(1));
    assert!(stderr_of(&not_set_up).contains("caro sync init"));

    // A new account after the reset gets the old history again.
    let phrase = a.init();
    let b = Device::new("B", &relay);
    b.join(&phrase);
    assert_eq!(b.entries().len(), 1);

    a.ok(&["sync", "reset", "--yes", "--purge"]);
    assert!(a.entries().is_empty());
}

#[test]
fn history_add_starts_a_background_sync_when_one_is_due() {
    let relay = Relay::start();
    let a = Device::new("A", &relay);
    let b = Device::new("B", &relay);
    let phrase = a.init();
    b.join(&phrase);
    // Off by default: an add only records.
    a.add("echo no auto-sync yet");
    std::thread::sleep(Duration::from_millis(300));
    assert!(!a.daemon_dir().join("auto-sync.started").exists());
    assert_eq!(a.pending(), 1);

    a.ok(&["config", "set", "auto_sync", "on"]);
    a.ok(&["config", "set", "sync_frequency", "1h"]);
    // The last sync is recent: still nothing.
    a.add("echo too soon");
    std::thread::sleep(Duration::from_millis(300));
    assert!(!a.daemon_dir().join("auto-sync.started").exists());

    // Make the last sync old: the next add starts `caro sync now --quiet`.
    a.store().set_last_sync(0).unwrap();
    a.add("echo synced in the background");
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let last_sync = || a.store().sync_identity().unwrap().unwrap().last_sync_at;
    while last_sync() == Some(0) && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(last_sync().unwrap() > 0, "a background sync ran");
    assert_eq!(a.pending(), 0, "the background sync pushed the queue");
    // Let the background sync's daemon exit before the home goes away.
    while caro::daemon::lock::daemon_pid(&a.daemon_dir()).is_some()
        && std::time::Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(50));
    }
    // What the relay acknowledged arrives with B's next sync, not a later one.
    b.sync();
    assert_eq!(b.entries().len(), 3);
    assert_eq!(b.ok(&["config", "get", "auto_sync"]).trim(), "on");
}
