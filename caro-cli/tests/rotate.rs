//! Key rotation and device removal (issue 11), with the real `caro`, real
//! daemons and a real relay on loopback: A, B and C share an account and A
//! removes C. B is told the account was rotated, joins with the new phrase
//! and has everything, its unpushed entries included; C is told it was
//! removed and never receives what was recorded afterwards, not even by
//! joining again with the old phrase; no local history shrinks. A rotation
//! killed with SIGKILL at each of its steps resumes into one account with every
//! entry once.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use serde_json::{json, Value};

use crate::util::{stderr_of, Device, Relay};

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn commands(device: &Device) -> BTreeSet<String> {
    device.commands().into_iter().collect()
}

/// The JSON `{phrase, keyId, accountId}` of a finished rotation.
fn rotated(out: &Output) -> Value {
    assert!(out.status.success(), "rotation failed: {}", stderr_of(out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The key file's epoch (written only after a rotation: absent is 1).
fn key_epoch(device: &Device) -> u64 {
    let key: Value = serde_json::from_slice(&std::fs::read(device.key_file()).unwrap()).unwrap();
    key.get("epoch").map_or(1, |e| e.as_u64().unwrap())
}

fn rotation_file(device: &Device) -> std::path::PathBuf {
    device.home.path().join("sync").join("rotation.json")
}

#[test]
fn removing_a_device_rotates_the_account_and_cuts_it_off() {
    let relay = Relay::start();
    let (a, b, c) = (
        Device::new("A", &relay),
        Device::new("B", &relay),
        Device::new("C", &relay),
    );
    let a1 = a.add("echo a1");
    let old_phrase = a.init();
    b.add("echo b1");
    b.join(&old_phrase);
    c.add("echo c1");
    c.join(&old_phrase);
    a.sync();
    b.sync();
    let before = set(&["echo a1", "echo b1", "echo c1"]);
    assert_eq!(commands(&a), before);
    assert_eq!(commands(&c), before);
    // B records one more and has not synced it when the rotation happens.
    b.add("echo b2 unpushed");

    // What A cannot remove, with nothing changed.
    let own = a.store().current_device_id().unwrap();
    let out = a.run(&["sync", "devices", "remove", &own, "--json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr_of(&out).contains("is this device"),
        "{}",
        stderr_of(&out)
    );
    let out = a.run(&["sync", "devices", "remove", "no-such-device", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr_of(&out).contains("no device of this account is called no-such-device"));
    let devices: Value = serde_json::from_str(&a.ok(&["sync", "devices", "--json"])).unwrap();
    let name = devices[0]["name"].as_str().unwrap();
    // The three share the machine's host name: a name is ambiguous.
    assert!(devices
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["name"] == name));
    let out = a.run(&["sync", "devices", "remove", name, "--json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr_of(&out).contains("3 devices are called"),
        "{}",
        stderr_of(&out)
    );
    assert!(!rotation_file(&a).exists());
    assert_eq!(key_epoch(&a), 1);

    let c_id = c.store().current_device_id().unwrap();
    let new = rotated(&a.run(&["sync", "devices", "remove", &c_id, "--json"]));
    let new_phrase = new["phrase"].as_str().unwrap();
    assert_ne!(new_phrase, old_phrase);
    assert_eq!(new_phrase.split(' ').count(), 24);
    assert!(
        !rotation_file(&a).exists(),
        "the phrase is not kept after the rotation"
    );
    assert_eq!(key_epoch(&a), 2);
    assert_eq!(commands(&a), before, "A's history is whole");
    a.add("echo a2 after rotation");
    a.sync();

    // B is told, keeps everything, and joins the new account directly. What
    // it records meanwhile is not pushed into the retired account.
    b.add("echo b3 after rotation");
    let queued = b.pending();
    let out = b.run(&["sync"]);
    assert_eq!(out.status.code(), Some(1));
    let message = stderr_of(&out);
    assert!(
        message.contains("this account was rotated (by "),
        "{message}"
    );
    assert!(
        message.contains("run `caro sync join` with the new recovery phrase"),
        "{message}"
    );
    assert!(message.contains("your local history is kept"), "{message}");
    assert_eq!(
        b.pending(),
        queued,
        "nothing left B's queue for the old account"
    );
    let b_before = set(&[
        "echo a1",
        "echo b1",
        "echo c1",
        "echo b2 unpushed",
        "echo b3 after rotation",
    ]);
    assert_eq!(commands(&b), b_before);
    let status: Value = serde_json::from_str(&b.ok(&["sync", "status", "--json"])).unwrap();
    let note = status["rotation"].as_str().unwrap_or_default();
    assert!(
        note.starts_with("this account was rotated (by "),
        "{status}"
    );
    b.join(new_phrase);
    assert_eq!(key_epoch(&b), 2, "B learnt the account's epoch");
    let status: Value = serde_json::from_str(&b.ok(&["sync", "status", "--json"])).unwrap();
    assert_eq!(
        (&status["epoch"], &status["rotation"]),
        (&json!(2), &Value::Null)
    );
    let everything = set(&[
        "echo a1",
        "echo b1",
        "echo c1",
        "echo b2 unpushed",
        "echo b3 after rotation",
        "echo a2 after rotation",
    ]);
    assert_eq!(commands(&b), everything);
    // B's entry that never reached the old account reaches the new one.
    a.sync();
    assert_eq!(commands(&a), everything);

    // C is told it was removed, and learns nothing recorded since.
    let out = c.run(&["sync"]);
    assert_eq!(out.status.code(), Some(1));
    let message = stderr_of(&out);
    assert!(
        message.contains("this device was removed from the sync account"),
        "{message}"
    );
    assert_eq!(commands(&c), before, "C's local history is kept");
    // Joining again with the old phrase reaches only the retired account.
    c.ok(&["sync", "reset", "--yes"]);
    let out = c.join_output(&old_phrase);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr_of(&out).contains("this device was removed from the sync account"),
        "{}",
        stderr_of(&out)
    );
    assert_eq!(commands(&c), before);
    // The new phrase is not C's: it has no way in but to be given it.

    // A fresh device of the new account has every entry once, ids kept.
    let d = Device::new("D", &relay);
    d.join(new_phrase);
    let entries = d.entries();
    assert_eq!(entries.len(), everything.len(), "nothing twice");
    assert_eq!(commands(&d), everything);
    assert!(entries.iter().any(|e| e.id == a1), "entry ids are kept");
    // And each keeps the device that recorded it, though A's log carries all.
    let recorded_by = |device: &Device| {
        let mut pairs: Vec<(String, String)> = device
            .entries()
            .into_iter()
            .map(|e| (e.id, e.device_id))
            .collect();
        pairs.sort();
        pairs
    };
    assert_eq!(recorded_by(&d), recorded_by(&a), "who recorded what");
    assert!(
        recorded_by(&d)
            .iter()
            .any(|(_, by)| *by != a.store().current_device_id().unwrap()),
        "some entries were recorded by other devices"
    );
    let report = d.sync();
    assert_eq!(
        report["integrity"]["forks"],
        Value::Array(vec![]),
        "{report}"
    );
    assert_eq!(
        report["integrity"]["gaps"],
        Value::Array(vec![]),
        "{report}"
    );
}

/// Spawns `caro sync rotate --json` and kills it with SIGKILL once its
/// rotation file says `step` (or it ends first). Returns the phrase the file
/// held and the output if the rotation ended on its own.
fn rotate_killed_at(a: &Device, step: &str) -> (Option<String>, Option<Output>) {
    let mut child = a
        .caro()
        .args(["sync", "rotate", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut phrase = None;
    while Instant::now() < deadline {
        if matches!(child.try_wait(), Ok(Some(_))) {
            return (phrase, Some(child.wait_with_output().unwrap()));
        }
        if let Ok(bytes) = std::fs::read(rotation_file(a)) {
            if let Ok(state) = serde_json::from_slice::<Value>(&bytes) {
                phrase = state["phrase"].as_str().map(str::to_string);
                if state["step"] == step {
                    kill(Pid::from_raw(child.id() as i32), Signal::SIGKILL).unwrap();
                    let out = child.wait_with_output().unwrap();
                    assert_eq!(out.status.code(), None, "killed by a signal");
                    wait_for_daemons(a.home.path());
                    return (phrase, None);
                }
            }
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the rotation neither reached {step} nor ended");
}

/// A daemon whose caro was killed sees its stdin close and exits.
fn wait_for_daemons(home: &Path) {
    let deadline = Instant::now() + Duration::from_secs(20);
    for dir in ["sync-daemon", "sync-daemon.next"] {
        while caro::daemon::lock::daemon_pid(&home.join(dir)).is_some() {
            assert!(Instant::now() < deadline, "a daemon outlived its caro");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

#[test]
fn a_rotation_killed_at_each_step_resumes_into_one_account() {
    const N: usize = 300;
    let relay = Relay::start();
    let a = Device::new("A", &relay);
    a.import((0..N).map(|i| format!("echo history {i}")));
    let old_phrase = a.init();
    let b = Device::new("B", &relay);
    b.join(&old_phrase);
    assert_eq!(b.entries().len(), N);

    let mut phrases = BTreeSet::new();
    let mut finished = None;
    let mut killed = Vec::new();
    for step in ["retire", "swap", "upload"] {
        let (phrase, ended) = rotate_killed_at(&a, step);
        phrases.extend(phrase);
        if let Some(out) = ended {
            finished = Some(rotated(&out));
            break;
        }
        killed.push(step);
        assert_eq!(
            a.entries().len(),
            N,
            "killed at {step}: nothing lost locally"
        );
    }
    assert!(
        !killed.is_empty(),
        "every rotation ended before it could be killed"
    );
    eprintln!("rotation killed at {killed:?}");
    // `caro sync` finishes an interrupted rotation (and shows the phrase).
    let done = match finished {
        Some(done) => done,
        None => rotated(&a.run(&["sync", "--json"])),
    };
    let new_phrase = done["phrase"].as_str().unwrap().to_string();
    assert_eq!(
        phrases,
        set(&[new_phrase.as_str()]),
        "one phrase throughout"
    );
    assert!(!rotation_file(&a).exists());
    assert!(!a.home.path().join("sync-daemon.next").exists());
    assert_eq!(key_epoch(&a), 2);

    // Every entry once in the one new account, and B can follow.
    let expected: BTreeSet<String> = (0..N).map(|i| format!("echo history {i}")).collect();
    let d = Device::new("D", &relay);
    let out = d.join_output(&new_phrase);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(done["accountId"].as_str().unwrap()),
        "D joined the account the rotation reported"
    );
    assert_eq!(d.entries().len(), N, "nothing twice");
    assert_eq!(commands(&d), expected, "nothing lost");
    let report = d.sync();
    assert_eq!(
        report["integrity"]["forks"],
        Value::Array(vec![]),
        "{report}"
    );
    let out = b.run(&["sync"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr_of(&out).contains("this account was rotated"));
    b.join(&new_phrase);
    assert_eq!(commands(&b), expected);
}

/// The store's half: the notice is sealed once whatever the retries, after
/// what was sealed already and before what is still queued; the move to the
/// new account restarts this home's log and enqueues everything live.
#[test]
fn the_store_seals_the_notice_once_and_moves_in_one_step() {
    use caro::store::{EntityType, NewEntry, Store, SyncOperation, GENESIS_HASH};

    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("history.db")).unwrap();
    let entry = |store: &mut Store, command: &str| {
        store
            .record(&NewEntry {
                command: command.to_string(),
                created_at: 1_700_000_000_000,
                ..NewEntry::default()
            })
            .unwrap()
    };
    store
        .join_sync_account("k1", "acct-1", "ws://127.0.0.1:9", true)
        .unwrap();
    let pushed = entry(&mut store, "echo pushed");
    let gone = entry(&mut store, "echo deleted");
    store.seal_queue(|s| Ok(sealed(s.seq, s.prev))).unwrap();
    store.mark_acked(u64::MAX >> 1).unwrap();
    store.delete(std::slice::from_ref(&gone)).unwrap();
    let queued = entry(&mut store, "echo queued");
    let queue_before = store.sync_queue_after(0, 100).unwrap().len();
    let next = store.own_chain().unwrap().next_seq;

    let mut places = Vec::new();
    for _ in 0..2 {
        store
            .append_retired(|to_seal| {
                places.push((to_seal.seq, to_seal.prev.to_string()));
                Ok(sealed(to_seal.seq, to_seal.prev))
            })
            .unwrap();
    }
    assert_eq!(places.len(), 1, "sealed once");
    assert_eq!(places[0].0, next, "the notice ends the log");
    let outbox = store.unacked_outbox(None, 10).unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(
        (outbox[0].kind.as_str(), outbox[0].id.as_str()),
        ("retired", "retired")
    );
    assert_eq!(
        store.sync_queue_after(0, 100).unwrap().len(),
        queue_before,
        "the queue waits"
    );

    let enqueued = store
        .rotate_into("k2", "acct-2", "ws://127.0.0.1:9", &[])
        .unwrap();
    let identity = store.sync_identity().unwrap().unwrap();
    assert_eq!(
        (identity.key_id.as_str(), identity.account_id.as_deref()),
        ("k2", Some("acct-2"))
    );
    assert_eq!(identity.pull_cursor, None);
    let chain = store.own_chain().unwrap();
    assert_eq!(
        (chain.next_seq, chain.last_hash.as_str()),
        (0, GENESIS_HASH)
    );
    assert!(store.unacked_outbox(None, 10).unwrap().is_empty());
    let queue = store.sync_queue_after(0, 100).unwrap();
    let has = |entity, operation, id: &str| {
        queue
            .iter()
            .any(|q| q.entity_type == entity && q.operation == operation && q.entity_id == id)
    };
    assert!(
        has(EntityType::Command, SyncOperation::Upsert, &pushed),
        "{queue:?}"
    );
    assert!(
        has(EntityType::Command, SyncOperation::Upsert, &queued),
        "{queue:?}"
    );
    assert!(
        has(EntityType::Command, SyncOperation::Delete, &gone),
        "{queue:?}"
    );
    assert!(
        queue.iter().any(|q| q.entity_type == EntityType::Device),
        "{queue:?}"
    );
    assert_eq!(queue.len(), queue_before + enqueued, "nothing twice");
}

/// A stand-in for sealing: the store only keeps what it is given.
fn sealed(seq: u64, prev: &str) -> caro::store::Sealed {
    caro::store::Sealed {
        epoch: 1,
        envelope: format!("{seq}:{prev}").into_bytes(),
        hash: format!("{seq:064x}"),
    }
}
