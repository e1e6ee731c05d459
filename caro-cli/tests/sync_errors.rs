//! What goes wrong, and what the user is told: a phrase with no account, a
//! mistyped word, a key file others can read, a relay that is down, and an
//! envelope tampered with on its way (pushed straight to the daemon).

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use crate::util::{daemon_program, stderr_of, with_stdin, Device, Relay};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use caro::daemon::protocol::{
    self as rpc, InitParams, InitResult, PushParams, PushResult, WireRecord,
};
use caro::daemon::DaemonClient;
use caro::relay_url::for_display;
use crypto_core::{
    record_hash, seal_record, Body, EntryBody, KeySet, Phrase, Record, RecordKind, GENESIS_PREV,
};
use serde_json::Value;

#[test]
fn a_phrase_without_an_account_changes_nothing() {
    let relay = Relay::start();
    let b = Device::new("B", &relay);
    b.add("echo before");
    let phrase = Phrase::generate().unwrap();
    let out = b.join_output(phrase.expose_secret());
    assert_eq!(out.status.code(), Some(1));
    let message = stderr_of(&out);
    assert!(
        message.contains(&format!(
            "no sync account for this phrase on {}",
            for_display(&relay.url)
        )),
        "{message}"
    );
    assert!(
        !message.contains(token(&relay.url)),
        "the relay token leaked: {message}"
    );
    assert!(!b.key_file().exists());
    assert!(b.store().sync_identity().unwrap().is_none());
    assert!(!b.daemon_dir().exists());
    assert_eq!(b.pending(), 1, "the queue is untouched");
}

#[test]
fn a_mistyped_word_is_named_before_any_network_call() {
    // No relay at all: the phrase is refused first.
    let b = Device::offline("B");
    let phrase = Phrase::generate().unwrap();
    let mut words: Vec<&str> = phrase.expose_secret().split(' ').collect();
    words[6] = "zebrra";
    let out = b.join_output(&words.join(" "));
    assert_eq!(out.status.code(), Some(1));
    let message = stderr_of(&out);
    assert!(message.contains("word 7"), "{message}");
    // stderr is a pipe here, perhaps into a log: the word itself stays out.
    assert!(!message.contains("zebrra"), "{message}");
    assert!(!b.key_file().exists());

    let short = b.join_output("abandon abandon abandon");
    assert!(
        stderr_of(&short).contains("24 words"),
        "{}",
        stderr_of(&short)
    );
}

#[test]
fn a_key_file_others_can_read_is_refused() {
    let relay = Relay::start();
    let a = Device::new("A", &relay);
    a.init();
    std::fs::set_permissions(a.key_file(), std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = a.run(&["sync"]);
    assert_eq!(out.status.code(), Some(1));
    let message = stderr_of(&out);
    let path = a.key_file().display().to_string();
    assert!(message.contains(&path), "{message}");
    assert!(message.contains("0644"), "{message}");
    assert!(message.contains(&format!("chmod 600 {path}")), "{message}");
    std::fs::set_permissions(a.key_file(), std::fs::Permissions::from_mode(0o600)).unwrap();
    a.ok(&["sync"]);
}

#[test]
fn a_relay_that_is_down_is_named_and_the_queue_stays() {
    let mut relay = Relay::start();
    let a = Device::new("A", &relay);
    a.init();
    relay.stop();
    for i in 0..3 {
        a.add(&format!("echo offline {i}"));
    }
    let out = a.run(&["sync"]);
    assert_eq!(out.status.code(), Some(1));
    let message = stderr_of(&out);
    assert!(message.contains(&for_display(&relay.url)), "{message}");
    assert!(
        !message.contains(token(&relay.url)),
        "the relay token leaked: {message}"
    );
    assert!(message.contains("cannot reach the sync relay"), "{message}");
    assert_eq!(a.pending(), 3, "the queue is intact");

    // A device that has never seen the account cannot join without the relay.
    let b = Device::new("B", &relay);
    let phrase = Phrase::generate().unwrap();
    let out = b.join_output(phrase.expose_secret());
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr_of(&out).contains(&for_display(&relay.url)),
        "{}",
        stderr_of(&out)
    );
}

/// The relay's access token, as the relay URL carries it.
fn token(url: &str) -> &str {
    url.split_once("token=")
        .expect("a token in the relay URL")
        .1
}

#[test]
fn a_tampered_envelope_is_skipped_and_reported() {
    let relay = Relay::start();
    let a = Device::new("A", &relay);
    let phrase = a.init();
    let keys = KeySet::derive(&Phrase::parse(&phrase).unwrap()).unwrap();

    // A daemon of our own on the same account writes three items as
    // "device X": one sound, one with a flipped ciphertext byte, one sealed
    // for another entry id.
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = DaemonClient::spawn(&daemon_program(), dir.path(), false, false).unwrap();
        let auth = BASE64.encode(keys.jazz_auth_key.expose_secret());
        let init: InitResult = client
            .call(
                rpc::INIT,
                &InitParams {
                    relay: &relay.url,
                    jazz_auth_key: &auth,
                    device_id: "device-x",
                    device_name: "x",
                    platform: "linux",
                    create: false,
                },
                Duration::from_secs(20),
            )
            .await
            .unwrap();
        assert_eq!(init.state, "ONLINE");
        // Each record follows the bytes stored before it, so the chain holds
        // and each bad record is rejected alone.
        let record = |id: &str, seq: u64, prev: &str, command: &str| Record {
            kind: RecordKind::Entry,
            id: id.to_string(),
            device_id: "device-x".to_string(),
            seq,
            epoch: 1,
            prev: prev.to_string(),
            created_at: 1_763_790_000_001 + seq as i64,
            body: EntryBody::new(command).to_value(),
        };
        let item = |id: &str, seq: u64, envelope: &[u8]| WireRecord {
            device_id: "device-x".to_string(),
            seq,
            kind: "entry".to_string(),
            id: id.to_string(),
            epoch: 1,
            envelope: BASE64.encode(envelope),
        };
        let mut flipped = seal_record(
            &keys.command_key,
            &record("x-flipped", 0, GENESIS_PREV, "echo flipped"),
        )
        .unwrap();
        let last = flipped.len() - 1;
        flipped[last] ^= 0x01;
        let sound = seal_record(
            &keys.command_key,
            &record("x-sound", 1, &record_hash(&flipped), "echo sound"),
        )
        .unwrap();
        let moved = seal_record(
            &keys.command_key,
            &record("x-elsewhere", 2, &record_hash(&sound), "echo moved"),
        )
        .unwrap();
        let entries = [
            item("x-flipped", 0, &flipped),
            item("x-sound", 1, &sound),
            item("x-moved", 2, &moved),
        ];
        let pushed: PushResult = client
            .call(
                rpc::PUSH,
                &PushParams {
                    items: &entries,
                    head: None,
                    ack_timeout_ms: 10_000,
                },
                Duration::from_secs(30),
            )
            .await
            .unwrap();
        assert_eq!(
            pushed.accepted, 3,
            "envelopes that parse are the daemon's to keep"
        );
        assert!(pushed.acknowledged);
        client.close(Duration::from_secs(5)).await;
    });

    let mut report = Value::Null;
    for _ in 0..5 {
        report = a.sync();
        if report["pulled"] == 1 {
            break;
        }
    }
    assert_eq!(report["pulled"], 1, "{report}");
    let skipped = report["skipped"].as_array().unwrap();
    let mut ids: Vec<&str> = skipped.iter().map(|s| s["id"].as_str().unwrap()).collect();
    ids.sort_unstable();
    assert_eq!(ids, ["x-flipped", "x-moved"]);
    for s in skipped {
        assert_eq!(s["kind"], "AuthenticationFailed");
        assert_eq!(s["deviceId"], "device-x");
    }
    assert!(a.commands().contains(&"echo sound".to_string()));

    // Reported on stderr in the plain summary too... and skipped once, not forever.
    let out = a.run(&["sync"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("skipped 0"));
}

#[test]
fn a_missing_or_dying_daemon_is_explained() {
    let a = Device::offline("A");
    let missing = a
        .caro()
        .env("CARO_SYNC_DAEMON", "/nonexistent/caro-sync-daemon")
        .args(["sync", "init", "--phrase-file"])
        .arg(a.home.path().join("phrase"))
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
    let message = stderr_of(&missing);
    assert!(
        message.contains("cannot start the sync daemon"),
        "{message}"
    );
    assert!(message.contains("CARO_SYNC_DAEMON"), "{message}");
    assert!(!a.daemon_dir().exists());

    // `sh -c SCRIPT sh --data-dir DIR`: a daemon that dies at once, saying why.
    let dying = a
        .caro()
        .env(
            "CARO_SYNC_DAEMON",
            "sh -c 'echo \"boom: the store is on fire\" >&2; exit 3' sh",
        )
        .args(["sync", "init", "--phrase-file"])
        .arg(a.home.path().join("phrase"))
        .output()
        .unwrap();
    assert_eq!(dying.status.code(), Some(1));
    let message = stderr_of(&dying);
    assert!(message.contains("sync daemon stopped"), "{message}");
    assert!(message.contains("exit code 3"), "{message}");
    assert!(message.contains("boom: the store is on fire"), "{message}");
    assert!(!a.key_file().exists());
}

/// Node parses `NODE_EXTRA_CA_CERTS` as it starts (tens of ms on every sync):
/// for a plain `ws://` relay, which uses no certificate, the daemon starts
/// without it; for `wss://`, where a private CA may be why it is set, with it.
/// A bundle that does not exist makes Node say whether it read the variable.
#[test]
fn the_daemon_reads_extra_ca_certs_only_for_a_tls_relay() {
    let relay = Relay::start();
    let a = Device::new("A", &relay);
    let phrase = a.init();
    let node_read_it = "Ignoring extra certs from `/nonexistent/ca.pem`";

    let plain = a
        .caro()
        .env("NODE_EXTRA_CA_CERTS", "/nonexistent/ca.pem")
        .args(["sync", "--verbose"])
        .output()
        .unwrap();
    assert!(plain.status.success(), "{}", stderr_of(&plain));
    assert!(
        !stderr_of(&plain).contains(node_read_it),
        "{}",
        stderr_of(&plain)
    );

    let b = Device::new("B", &relay);
    let mut join = b.caro();
    join.env("NODE_EXTRA_CA_CERTS", "/nonexistent/ca.pem")
        .args(["sync", "join", "--verbose", "--relay"])
        .arg(format!("wss://127.0.0.1:{}", relay.port));
    let tls = with_stdin(join, &phrase);
    // The relay speaks no TLS: the join fails, having started a daemon that read it.
    assert_eq!(tls.status.code(), Some(1), "{}", stderr_of(&tls));
    assert!(
        stderr_of(&tls).contains(node_read_it),
        "{}",
        stderr_of(&tls)
    );
}

/// Writes the account of `seed` with a format-1 root (logs, devices, prefs)
/// into a relay's store, as the v1 daemon left it.
const V1_ACCOUNT: &str = r#"
import { readFileSync, chmodSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { LocalNode } from "cojson";
const dist = process.env.DIST;
const { accountFromSeed, jazzCrypto } = await import(pathToFileURL(`${dist}/jazz/crypto.js`).href);
const { openSqliteStorage } = await import(pathToFileURL(`${dist}/jazz/storage.js`).href);
const input = JSON.parse(readFileSync(0, "utf8"));
const crypto = await jazzCrypto();
const { agentSecret } = accountFromSeed(crypto, Buffer.from(input.seed, "base64"));
const storage = openSqliteStorage(input.db);
const { node } = await LocalNode.withNewlyCreatedAccount({
  creationProps: { name: "caro" },
  crypto,
  initialAgentSecret: agentSecret,
  storage: storage.storage,
  migration: async (acc, n) => {
    acc.set("profile", n.createGroup().createMap({ name: "caro" }).id, "trusting");
    const [logs, devices, prefs] = [acc.createMap(), acc.createMap(), acc.createMap()];
    acc.set("root", acc.createMap({ version: 1, logs: logs.id, devices: devices.id, prefs: prefs.id }).id, "trusting");
  },
});
await node.gracefulShutdown();
storage.db.close();
chmodSync(input.db, 0o600);
"#;

#[test]
fn an_account_of_the_old_format_is_explained_and_nothing_local_changes() {
    let mut relay = Relay::start();
    let phrase = Phrase::generate().unwrap();
    let keys = KeySet::derive(&phrase).unwrap();
    relay.stop();
    let input = serde_json::json!({
        "seed": BASE64.encode(keys.jazz_auth_key.expose_secret()),
        "db": relay.db_path(),
    });
    let daemon_dir = crate::util::repo_root().join("sync-daemon");
    let mut script = std::process::Command::new("node");
    script
        .args(["--input-type=module", "-e", V1_ACCOUNT])
        .current_dir(&daemon_dir)
        .env("DIST", daemon_dir.join("dist"));
    let out = with_stdin(script, &input.to_string());
    assert!(out.status.success(), "{}", stderr_of(&out));
    relay.restart();

    let b = Device::new("B", &relay);
    b.add("echo kept");
    let out = b.join_output(phrase.expose_secret());
    assert_eq!(out.status.code(), Some(1));
    let message = stderr_of(&out);
    for part in [
        "written by an older caro (sync format 1)",
        "reads format 2 only",
        "Your local history is untouched",
        "`caro sync reset`, then `caro sync init`",
        "`caro sync join` on your other devices once they run this version",
    ] {
        assert!(message.contains(part), "{part:?} missing: {message}");
    }
    assert_eq!(b.commands(), ["echo kept"]);
    assert_eq!(b.pending(), 1, "the queue is untouched");
    assert!(b.store().sync_identity().unwrap().is_none());
    assert!(!b.key_file().exists());
}
