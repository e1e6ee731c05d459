//! Issue 10's attacks, each tried for real against the v2 protocol: real
//! `caro` binaries, real daemons, a real relay on loopback, real SQLite.
//!
//! The attacker (`fixtures/attacker.mjs`) holds only the jazz-auth key, as
//! the daemon, its npm dependencies and any JS tool do: it pushes through the
//! package's public `SyncClient`, or writes raw cojson transactions into a
//! device's log below the daemon and its checks. What it sends is replayed
//! from the account or sealed by the test under keys of its own. The relay's
//! operator is played by editing the relay's SQLite store while it is down.
//! A copied home, one bash file imported twice, a pulled `rm -rf /` labelled
//! safe and a `caro sync` killed mid-push are the unlucky users' side.
//! (1,000 commands of ~9 KB in one sync: tests/sync_batches.rs.)

use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use caro::safety::{self, RiskLevel};
use crypto_core::GENESIS_PREV;
use crypto_core::{key_for, record_hash, seal_record, KeySet, Phrase, Record, RecordKind};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use serde_json::{json, Value};

use crate::util::{repo_root, run_node_script, stderr_of, stdout_of, Device, Relay};

/// A device id the attacker claims for a log of its own.
const FORGER: &str = "0190ffff-0000-7000-8000-0000000000f0";
/// The phrase of the attacker's own keys: valid, but not the account's.
const OTHER_PHRASE: &str = "abandon abandon abandon abandon abandon abandon abandon abandon \
    abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon \
    abandon abandon abandon abandon art";
/// The far-future stamp that pinned a v1 preference forever.
const FAR_FUTURE: i64 = (1 << 53) - 1;

fn keys_of(phrase: &str) -> KeySet {
    KeySet::derive(&Phrase::parse(phrase).unwrap()).unwrap()
}

/// `fixtures/attacker.mjs` with the account's jazz-auth key and nothing else.
struct Attacker {
    relay: String,
    jazz_auth_key: String,
}

impl Attacker {
    fn new(relay: &Relay, phrase: &str) -> Attacker {
        let keys = keys_of(phrase);
        Attacker {
            relay: relay.url.clone(),
            jazz_auth_key: BASE64.encode(keys.jazz_auth_key.expose_secret()),
        }
    }

    /// Runs one operation in a daemon data directory of its own.
    fn run(&self, op: &str, request: Value) -> Value {
        let data_dir = tempfile::tempdir().unwrap();
        let mut request = request;
        request["op"] = json!(op);
        request["pkg"] = json!(repo_root().join("sync-daemon"));
        request["relay"] = json!(self.relay);
        request["jazzAuthKey"] = json!(self.jazz_auth_key);
        request["dataDir"] = json!(data_dir.path());
        let script = repo_root().join("caro-cli/tests/fixtures/attacker.mjs");
        let mut node = Command::new("node");
        node.arg(script);
        let out = run_node_script(node, &request, &format!("the attacker's {op}"));
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// Every record of the account, as the daemon delivers them.
    fn pull(&self) -> Vec<Value> {
        let out = self.run("pull", json!({"deviceId": FORGER}));
        out["items"].as_array().unwrap().clone()
    }

    /// `sync.push` through `SyncClient`, as device `device_id`.
    fn push(&self, device_id: &str, items: Vec<Value>, head: Option<Value>) -> Value {
        let mut request = json!({"deviceId": device_id, "items": items});
        if let Some(head) = head {
            request["head"] = head;
        }
        self.run("push", request)
    }
}

/// A record of `kind` with the fields a test cares about.
fn record(kind: RecordKind, id: &str, device: &str, seq: u64, prev: &str, body: Value) -> Record {
    Record {
        kind,
        id: id.to_string(),
        device_id: device.to_string(),
        seq,
        epoch: 1,
        prev: prev.to_string(),
        created_at: caro::time::now_ms(),
        body,
    }
}

fn seal(keys: &KeySet, record: &Record) -> Vec<u8> {
    seal_record(key_for(record.kind, keys), record).unwrap()
}

/// The wire item of a record: its hints and `envelope`.
fn wire(record: &Record, envelope: &[u8]) -> Value {
    json!({
        "deviceId": record.device_id,
        "seq": record.seq,
        "kind": record.kind.as_str(),
        "id": record.id,
        "epoch": record.epoch,
        "envelope": BASE64.encode(envelope),
    })
}

/// A wire item that claims to be a `kind` record of `device` at `seq` and
/// carries another record's `envelope`, replayed as it was pulled.
fn replay(envelope: &Value, kind: &str, id: &str, device: &str, seq: u64) -> Value {
    json!({"deviceId": device, "seq": seq, "kind": kind, "id": id, "epoch": 1, "envelope": envelope})
}

/// The `sync.push` head of a log whose last record is `last`.
fn head(keys: &KeySet, last: &Record, last_envelope: &[u8]) -> Value {
    let head = Record {
        kind: RecordKind::Head,
        id: "head".to_string(),
        body: json!({}),
        prev: record_hash(last_envelope),
        ..last.clone()
    };
    json!({"seq": head.seq, "epoch": head.epoch, "envelope": BASE64.encode(seal(keys, &head))})
}

/// The pulled item of `kind` and `id`.
fn item<'a>(items: &'a [Value], kind: &str, id: &str) -> &'a Value {
    items
        .iter()
        .find(|i| i["kind"] == kind && i["id"] == id)
        .unwrap_or_else(|| panic!("no {kind} {id} in {items:?}"))
}

/// The seq after the last record of `device` in `items`.
fn next_seq(items: &[Value], device: &str) -> u64 {
    items
        .iter()
        .filter(|i| i["deviceId"] == device)
        .map(|i| i["seq"].as_u64().unwrap() + 1)
        .max()
        .unwrap_or(0)
}

/// How many records a sync report or status counts as rejected.
fn rejected(report: &Value) -> u64 {
    report["integrity"]["rejected"]
        .as_object()
        .unwrap_or_else(|| panic!("no integrity.rejected in {report}"))
        .values()
        .map(|n| n.as_u64().unwrap())
        .sum()
}

/// The records a sync report names as refused: (author, kind, seq).
fn refused(report: &Value) -> BTreeSet<(String, String, u64)> {
    report["skipped"]
        .as_array()
        .unwrap_or_else(|| panic!("no skipped in {report}"))
        .iter()
        .map(|s| {
            (
                s["deviceId"].as_str().unwrap().to_string(),
                s["recordKind"].as_str().unwrap().to_string(),
                s["seq"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn named(records: &[(&str, &str, u64)]) -> BTreeSet<(String, String, u64)> {
    records
        .iter()
        .map(|(device, kind, seq)| (device.to_string(), kind.to_string(), *seq))
        .collect()
}

/// The integrity findings of a report or status: gaps, withheld tails,
/// forks and broken chains.
fn chain_findings(report: &Value) -> Vec<Value> {
    ["gaps", "withheld", "forks", "broken"]
        .iter()
        .flat_map(|what| {
            report["integrity"][what]
                .as_array()
                .unwrap_or_else(|| panic!("no integrity.{what} in {report}"))
                .clone()
        })
        .collect()
}

fn status(device: &Device) -> Value {
    serde_json::from_str(&device.ok(&["sync", "status", "--json"])).unwrap()
}

fn config(device: &Device, key: &str) -> String {
    device.ok(&["config", "get", key]).trim().to_string()
}

fn has(device: &Device, command: &str) -> bool {
    device.commands().iter().any(|c| c == command)
}

/// Syncs `device` until `done` holds, at most five times.
fn sync_until(device: &Device, done: impl Fn() -> bool) -> bool {
    for _ in 0..5 {
        device.sync();
        if done() {
            return true;
        }
    }
    false
}

/// A and B share an account; A wrote `echo keep me` (returned) and
/// `retention_days` 30, and B has both.
fn two_devices(relay: &Relay) -> (Device, Device, String, String) {
    let a = Device::new("A", relay);
    let b = Device::new("B", relay);
    let keep = a.add("echo keep me");
    a.ok(&["config", "set", "retention_days", "30"]);
    let phrase = a.init();
    b.join(&phrase);
    assert!(has(&b, "echo keep me"));
    assert_eq!(config(&b, "retention_days"), "30");
    (a, b, phrase, keep)
}

/// After a forgery: the entry and the preference are intact on both
/// devices, and sync goes on both ways, preferences included.
fn still_whole_and_syncing(a: &Device, b: &Device, keep: &str) {
    for device in [a, b] {
        let entries = device.entries();
        assert!(
            entries.iter().any(|e| e.id == keep),
            "{}: the entry was deleted",
            device.name
        );
        assert_eq!(config(device, "retention_days"), "30", "{}", device.name);
    }
    a.add("echo from A after the forgery");
    a.sync();
    assert!(sync_until(b, || has(b, "echo from A after the forgery")));
    b.add("echo from B after the forgery");
    b.ok(&["config", "set", "retention_days", "45"]);
    b.sync();
    assert!(sync_until(a, || has(a, "echo from B after the forgery")));
    assert!(sync_until(a, || config(a, "retention_days") == "45"));
    a.ok(&["config", "set", "retention_days", "60"]);
    a.sync();
    assert!(sync_until(b, || config(b, "retention_days") == "60"));
    assert_eq!(a.pending(), 0);
    assert_eq!(b.pending(), 0);
}

#[test]
fn a_delete_and_a_far_future_preference_forged_through_the_api_are_rejected() {
    let relay = Relay::start();
    let (a, b, phrase, keep) = two_devices(&relay);
    let a_device = a.store().current_device_id().unwrap();
    let attacker = Attacker::new(&relay, &phrase);
    let pulled = attacker.pull();
    let keep_envelope = item(&pulled, "entry", &keep)["envelope"].clone();
    let mine = keys_of(OTHER_PHRASE);

    // A log of its own: a delete that replays the entry's own envelope, and
    // a far-future preference sealed under keys that are not the account's.
    let delete = replay(&keep_envelope, "delete", &keep, FORGER, 0);
    let keep_bytes = BASE64.decode(keep_envelope.as_str().unwrap()).unwrap();
    let mut pref = record(
        RecordKind::Pref,
        "retention_days",
        FORGER,
        1,
        &record_hash(&keep_bytes),
        json!({"value": 1}),
    );
    pref.created_at = FAR_FUTURE;
    let pref_envelope = seal(&mine, &pref);
    let answer = attacker.push(
        FORGER,
        vec![delete, wire(&pref, &pref_envelope)],
        Some(head(&mine, &pref, &pref_envelope)),
    );
    assert_eq!(answer["accepted"], 2, "{answer}");

    // And A's own log, from a daemon that claims to be A.
    let seq = next_seq(&pulled, &a_device);
    let as_a = replay(&keep_envelope, "delete", &keep, &a_device, seq);
    let answer = attacker.push(&a_device, vec![as_a], None);
    assert_eq!(answer["accepted"], 1, "{answer}");

    // Each forgery is refused alone and named, on both devices.
    let forged = named(&[
        (FORGER, "delete", 0),
        (FORGER, "pref", 1),
        (FORGER, "head", 1),
        (&a_device, "delete", seq),
    ]);
    let report = b.sync();
    assert_eq!(refused(&report), forged, "{report}");
    assert_eq!(rejected(&report), 4, "{report}");
    // Its status keeps the three refused records (heads are checked anew by every pull).
    assert!(rejected(&status(&b)) >= 3, "B's status counts them");
    let report = a.sync();
    assert_eq!(refused(&report), forged, "{report}");
    // A's own log holds a record A did not write: A goes on as a new device.
    assert_eq!(
        report["rehomed"]["oldDeviceId"],
        a_device.as_str(),
        "{report}"
    );
    still_whole_and_syncing(&a, &b, &keep);
}

#[test]
fn records_forged_below_the_daemon_in_a_device_log_are_rejected() {
    let relay = Relay::start();
    let (a, b, phrase, keep) = two_devices(&relay);
    let a_device = a.store().current_device_id().unwrap();
    let attacker = Attacker::new(&relay, &phrase);
    let pulled = attacker.pull();
    let keep_envelope = item(&pulled, "entry", &keep)["envelope"].clone();
    let mine = keys_of(OTHER_PHRASE);
    let seq = next_seq(&pulled, &a_device);

    // Appended to A's own chunk with raw cojson: a delete replaying the
    // entry's envelope, then a far-future preference under other keys; and
    // A's head overwritten to cover them.
    let delete = replay(&keep_envelope, "delete", &keep, &a_device, seq);
    let keep_bytes = BASE64.decode(keep_envelope.as_str().unwrap()).unwrap();
    let mut pref = record(
        RecordKind::Pref,
        "retention_days",
        &a_device,
        seq + 1,
        &record_hash(&keep_bytes),
        json!({"value": 1}),
    );
    pref.created_at = FAR_FUTURE;
    let pref_envelope = seal(&mine, &pref);
    attacker.run(
        "raw-append",
        json!({"deviceId": a_device, "items": [delete, wire(&pref, &pref_envelope)]}),
    );
    attacker.run(
        "raw-head",
        json!({"deviceId": a_device, "head": head(&mine, &pref, &pref_envelope)}),
    );

    let forged = named(&[
        (&a_device, "delete", seq),
        (&a_device, "pref", seq + 1),
        (&a_device, "head", seq + 1),
    ]);
    let report = b.sync();
    assert_eq!(refused(&report), forged, "{report}");
    assert_eq!(rejected(&report), 3, "{report}");
    let report = a.sync();
    assert_eq!(
        refused(&report),
        forged,
        "A finds them in its own log: {report}"
    );
    assert_eq!(
        report["rehomed"]["oldDeviceId"],
        a_device.as_str(),
        "{report}"
    );
    still_whole_and_syncing(&a, &b, &keep);
}

#[test]
fn a_device_log_pointed_at_a_forged_chunk_deletes_nothing() {
    let relay = Relay::start();
    let (a, b, phrase, keep) = two_devices(&relay);
    a.add("echo after keep");
    a.sync();
    assert!(sync_until(&b, || has(&b, "echo after keep")));
    let a_device = a.store().current_device_id().unwrap();
    let attacker = Attacker::new(&relay, &phrase);
    let pulled = attacker.pull();
    let original = item(&pulled, "entry", &keep).clone();
    let seq = original["seq"].as_u64().unwrap();

    // A's log key of its chunk, overwritten with raw cojson: it names a copy
    // of the chunk where the entry's record, same envelope, claims to delete it.
    let mut delete = original.clone();
    delete["kind"] = json!("delete");
    attacker.run("raw-rechunk", json!({"deviceId": a_device, "item": delete}));

    // A device that joins now refuses the record and says so, and applies
    // the rest of A's log; nothing already applied changes.
    let c = Device::new("C", &relay);
    let joined = c.join_output(&phrase);
    assert!(joined.status.success(), "{}", stderr_of(&joined));
    let said = stderr_of(&joined);
    assert!(
        said.contains(&format!(
            "skipped delete {keep} (record {seq}) from device {a_device}: AuthenticationFailed"
        )),
        "{said}"
    );
    assert!(has(&c, "echo after keep"));
    assert_eq!(rejected(&status(&c)), 1, "C's status counts it");
    let shown = c.ok(&["sync", "status"]);
    assert!(shown.contains("records rejected so far"), "{shown}");
    for device in [&a, &b] {
        device.sync();
        let kept = device.entries().into_iter().any(|e| e.id == keep);
        assert!(kept, "{}: the entry was deleted", device.name);
    }
    a.add("echo from A after the forged chunk");
    a.sync();
    for device in [&b, &c] {
        let arrived = || has(device, "echo from A after the forged chunk");
        assert!(sync_until(device, arrived), "{}", device.name);
    }
}

/// The session ids (`…_session_z…`) in the relay's store.
fn relay_sessions(relay: &Relay) -> BTreeSet<String> {
    let db = rusqlite::Connection::open(relay.db_path()).unwrap();
    let mut query = db
        .prepare("SELECT DISTINCT sessionID FROM sessions")
        .unwrap();
    let ids = query
        .query_map([], |row| row.get::<_, String>(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    ids
}

#[test]
fn a_relay_that_drops_one_session_is_caught_on_join() {
    let mut relay = Relay::start();
    let a = Device::new("A", &relay);
    let victim = a.add("echo deleted later");
    let phrase = a.init();
    a.add("echo before the dropped sync");
    a.sync();

    // The sync the relay will drop: a delete, a preference and an entry.
    let before = relay_sessions(&relay);
    a.ok(&["history", "delete", &victim]);
    a.ok(&["config", "set", "secrets_filter", "false"]);
    a.add("echo in the dropped sync");
    a.sync();
    let dropped: Vec<String> = relay_sessions(&relay)
        .difference(&before)
        .cloned()
        .collect();
    assert!(!dropped.is_empty(), "the sync wrote a session of its own");
    a.add("echo after the dropped sync");
    a.sync();

    relay.stop();
    let db = rusqlite::Connection::open(relay.db_path()).unwrap();
    for session in &dropped {
        let rows = "SELECT rowID FROM sessions WHERE sessionID = ?1";
        db.execute(
            &format!("DELETE FROM transactions WHERE ses IN ({rows})"),
            [session],
        )
        .unwrap();
        db.execute(
            &format!("DELETE FROM signatureAfter WHERE ses IN ({rows})"),
            [session],
        )
        .unwrap();
        db.execute("DELETE FROM sessions WHERE sessionID = ?1", [session])
            .unwrap();
    }
    drop(db);
    relay.restart();

    let c = Device::new("C", &relay);
    let joined = c.join_output(&phrase);
    assert!(joined.status.success(), "{}", stderr_of(&joined));
    let a_device = a.store().current_device_id().unwrap();
    let said = format!("{}{}", stdout_of(&joined), stderr_of(&joined));
    assert!(
        said.contains(&format!("integrity: device {a_device} ")),
        "the join says A's log is incomplete: {said}"
    );
    let findings = chain_findings(&status(&c));
    assert!(
        findings.iter().any(|f| f["deviceId"] == a_device.as_str()),
        "C's status reports A's log as incomplete: {findings:?}"
    );
    // Nothing past the hole is applied as if the view were whole.
    assert!(!has(&c, "echo after the dropped sync"));
}

#[test]
fn a_copied_home_keeps_both_copies_entries() {
    let relay = Relay::start();
    let a = Device::new("A", &relay);
    a.add("echo before the copy");
    let phrase = a.init();
    let copy = Device::copy_of("A-copy", &a);
    a.add("echo only on the original");
    copy.add("echo only on the copy");
    a.sync();
    let out = copy.run(&["sync"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let said = format!("{}{}", stdout_of(&out), stderr_of(&out));
    let old_id = a.store().current_device_id().unwrap();
    let new_id = copy.store().current_device_id().unwrap();
    assert_ne!(new_id, old_id, "the copy re-registered under a new id");
    assert!(
        said.contains(&format!(
            "this home was a copy of device {old_id}; it now syncs as device {new_id}"
        )),
        "the copy says so: {said}"
    );
    a.sync();
    copy.sync();

    let expected = [
        "echo before the copy",
        "echo only on the copy",
        "echo only on the original",
    ];
    let fresh = Device::new("C", &relay);
    fresh.join(&phrase);
    assert!(sync_until(&fresh, || fresh.commands() == expected));
    for device in [&a, &copy] {
        assert!(
            sync_until(device, || device.commands() == expected),
            "{}",
            device.name
        );
    }
}

#[test]
fn one_bash_file_imported_on_two_devices_stays_two_entries_per_line() {
    let relay = Relay::start();
    let a = Device::new("A", &relay);
    let b = Device::new("B", &relay);
    let phrase = a.init();
    b.join(&phrase);
    let lines = ["cd /tmp", "git status", "ls -la"];
    for device in [&a, &b] {
        let file = device
            .home
            .file("bash_history", format!("{}\n", lines.join("\n")).as_bytes());
        device.ok(&[
            "history",
            "import",
            "bash",
            "--file",
            file.to_str().unwrap(),
        ]);
        device.sync();
    }
    let c = Device::new("C", &relay);
    c.join(&phrase);
    let twice: Vec<String> = lines
        .iter()
        .flat_map(|l| [l.to_string(), l.to_string()])
        .collect();
    assert_eq!(c.commands(), twice);

    // A deletes its own `cd /tmp`: B's stays, everywhere.
    let a_device = a.store().current_device_id().unwrap();
    let b_device = b.store().current_device_id().unwrap();
    a.sync();
    let mine = a
        .entries()
        .into_iter()
        .find(|e| e.command == "cd /tmp" && e.device_id == a_device)
        .expect("A's own cd /tmp");
    a.ok(&["history", "delete", &mine.id]);
    a.sync();
    for device in [&b, &c, &a] {
        assert!(
            sync_until(device, || device.commands().len() == 5),
            "{}: {:?}",
            device.name,
            device.commands()
        );
        let left: Vec<String> = device
            .entries()
            .into_iter()
            .filter(|e| e.command == "cd /tmp")
            .map(|e| e.device_id)
            .collect();
        assert_eq!(left, std::slice::from_ref(&b_device), "{}", device.name);
    }
}

#[test]
fn a_pulled_rm_rf_labelled_safe_is_stored_as_critical() {
    let relay = Relay::start();
    let a = Device::new("A", &relay);
    let b = Device::new("B", &relay);
    let phrase = a.init();
    b.join(&phrase);
    let keys = keys_of(&phrase);
    let id = "0190ffff-0000-7000-8000-000000000001";
    let rm = record(
        RecordKind::Entry,
        id,
        FORGER,
        0,
        GENESIS_PREV,
        json!({"command": "rm -rf /", "safetyLevel": "safe", "safetyWarnings": []}),
    );
    let envelope = seal(&keys, &rm);
    let answer = Attacker::new(&relay, &phrase).push(
        FORGER,
        vec![wire(&rm, &envelope)],
        Some(head(&keys, &rm, &envelope)),
    );
    assert_eq!(answer["accepted"], 1, "{answer}");

    b.sync();
    let entries = b.entries();
    let stored = entries.iter().find(|e| e.id == id).expect("B stored it");
    assert_eq!(stored.command, "rm -rf /");
    assert_eq!(stored.safety_level, RiskLevel::Critical);
    assert_eq!(stored.safety_warnings, safety::assess("rm -rf /").warnings);
    assert!(b.ok(&["history", "list"]).contains("[critical] rm -rf /"));
}

/// Transactions in the relay's store: it grows as a push arrives.
fn relay_transactions(relay: &Relay) -> i64 {
    let db = rusqlite::Connection::open(relay.db_path()).unwrap();
    db.query_row("SELECT COUNT(*) FROM transactions", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn caro_sync_killed_mid_push_then_synced_delivers_exactly_n() {
    const N: usize = 10_000;
    let relay = Relay::start();
    let a = Device::new("A", &relay);
    let phrase = a.init();
    a.import((0..N).map(|i| format!("echo queued {i}")));
    let idle = relay_transactions(&relay);

    let mut sync = a
        .caro()
        .args(["sync"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut killed = false;
    while Instant::now() < deadline {
        if matches!(sync.try_wait(), Ok(Some(_))) {
            break;
        }
        if relay_transactions(&relay) > idle {
            kill(Pid::from_raw(sync.id() as i32), Signal::SIGKILL).unwrap();
            killed = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    sync.wait().unwrap();
    assert!(killed, "the sync ended before it could be killed");
    // Its daemon goes with it; the next sync finds the lock free.
    let deadline = Instant::now() + Duration::from_secs(30);
    while caro::daemon::lock::daemon_pid(&a.daemon_dir()).is_some() {
        assert!(Instant::now() < deadline, "the daemon outlived its caro");
        std::thread::sleep(Duration::from_millis(50));
    }

    a.sync();
    assert_eq!(a.pending(), 0);
    let b = Device::new("B", &relay);
    b.join(&phrase);
    let entries = b.entries();
    let ids: BTreeSet<&str> = entries.iter().map(|e| e.id.as_str()).collect();
    let commands: BTreeSet<&str> = entries.iter().map(|e| e.command.as_str()).collect();
    assert_eq!(entries.len(), N);
    assert_eq!(ids.len(), N, "no id twice");
    assert_eq!(commands.len(), N, "no command twice");
    let expected: BTreeSet<String> = (0..N).map(|i| format!("echo queued {i}")).collect();
    assert!(commands.iter().all(|c| expected.contains(*c)));
}
