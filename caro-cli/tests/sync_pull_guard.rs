//! Records from other devices are checked like local input, even when they
//! never went through a caro: a "forger" holding the account's keys pushes
//! records with the package's own `SyncClient` (valid envelopes, sealed under
//! the right command key). B stores `rm -rf /` labelled safe as critical,
//! refuses what its own checks refuse (exclude pattern, secrets filter,
//! empty, too long, far-future or pre-1990 time), reports each refusal, and applies the rest
//! of the same pull.

use std::process::Command;

use caro::safety::{self, RiskLevel};
use serde_json::{json, Value};

use crate::util::{repo_root, run_node_script, stderr_of, Device, Relay};

/// Seals `records` as a chained log of entry records with the package's
/// `sealRecord` (the keys of `key_file`) and pushes them as device `forger`
/// through `SyncClient`, in a daemon of its own. A
/// record may force its `prev` (a broken link) or be `tamper`ed after
/// sealing (the next record still follows its bytes). The keys never reach
/// argv: the script reads the key file; the records come on stdin.
const FORGER: &str = r#"
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
const pkg = await import(pathToFileURL(process.env.PKG_INDEX).href);
const input = JSON.parse(readFileSync(0, "utf8"));
const file = JSON.parse(readFileSync(input.keyFile, "utf8"));
const keys = Object.fromEntries(
  ["commandKey", "preferenceKey", "jazzAuthKey", "deviceKey"].map((k) => [k, Buffer.from(file[k], "base64")]),
);
const client = pkg.SyncClient.spawn({ dataDir: input.dataDir, stderr: "inherit" });
try {
  await client.init({ relay: input.relay, jazzAuthKey: file.jazzAuthKey, deviceId: "forger" });
  let prev = pkg.GENESIS_PREV;
  const items = input.records.map(({ id, createdAt, body, prev: forcedPrev, tamper }, seq) => {
    const record = { kind: "entry", id, deviceId: "forger", seq, epoch: 1, prev: forcedPrev ?? prev, createdAt, body };
    const { item, hash } = pkg.sealRecord(keys, record);
    prev = hash;
    if (tamper) {
      const bytes = Buffer.from(item.envelope, "base64");
      bytes[bytes.length - 1] ^= 1;
      item.envelope = bytes.toString("base64");
      prev = pkg.recordHash(bytes);
    }
    return item;
  });
  const r = await client.push(items);
  if (!r.acknowledged || r.accepted !== items.length) throw new Error(JSON.stringify(r));
} finally {
  await client.close();
}
"#;

fn forge(a: &Device, relay: &Relay, records: &[(String, i64, Value)]) {
    let records: Vec<Value> = records
        .iter()
        .map(|(id, created_at, body)| json!({"id": id, "createdAt": created_at, "body": body}))
        .collect();
    forge_log(a, relay, &records);
}

/// [`FORGER`] on records given as its JSON input (`id`, `createdAt`, `body`,
/// and optionally `prev` or `tamper`).
pub fn forge_log(a: &Device, relay: &Relay, records: &[Value]) {
    let data_dir = tempfile::tempdir().unwrap();
    let input = json!({
        "keyFile": a.key_file(),
        "dataDir": data_dir.path(),
        "relay": relay.url,
        "records": records,
    });
    let mut node = Command::new("node");
    node.args(["--input-type=module", "-e", FORGER])
        .env("PKG_INDEX", repo_root().join("sync-daemon/dist/index.js"))
        .env(
            "PKG_WASM",
            repo_root().join("sync-daemon/wasm/crypto_core.js"),
        );
    run_node_script(node, &input, "the forger");
}

fn id(n: u32) -> String {
    format!("0190ffff-0000-7000-8000-{n:012}")
}

#[test]
fn pulled_records_are_rated_and_checked_here() {
    let relay = Relay::start();
    let a = Device::new("A", &relay);
    let b = Device::new("B", &relay);
    let phrase = a.init();
    b.join(&phrase);
    b.ok(&["config", "set", "exclude_patterns", "^vault "]);

    let now = caro::time::now_ms();
    let day = 24 * 60 * 60 * 1000;
    let record = |command: &str, created_at: i64| {
        (
            created_at,
            json!({"command": command, "safetyLevel": "safe", "safetyWarnings": []}),
        )
    };
    let with = |id: String, (created_at, body): (i64, Value)| (id, created_at, body);
    let records = vec![
        with(id(1), record("rm -rf /", now)),
        with(id(2), record("vault read secret/prod", now)),
        with(id(3), record("echo from the future", now + 30 * day)),
        with(id(4), record("echo from 1970", 1_000)),
        with(id(5), record("   ", now)),
        with(
            id(6),
            record(&format!("echo {}", "x".repeat(12 * 1024)), now),
        ),
        with(id(7), record("echo still applies", now - 1_000)),
        with(
            id(8),
            record(
                &format!("git push --token {}_{}", "ghp", "a".repeat(36)),
                now,
            ),
        ),
    ];
    forge(&a, &relay, &records);

    let out = b.run(&["sync", "--json"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["pulled"], 2, "{report}");
    let skipped: Vec<(String, String)> = report["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            assert_eq!(s["deviceId"], "forger");
            assert!(!s["message"].as_str().unwrap().is_empty());
            (
                s["id"].as_str().unwrap().to_string(),
                s["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = [
        (2, "excluded"),
        (3, "TimeOutOfRange"),
        (4, "TimeOutOfRange"),
        (5, "empty-command"),
        (6, "too-long"),
        (8, "secret"),
    ]
    .iter()
    .map(|(n, kind)| (id(*n), kind.to_string()))
    .collect();
    assert_eq!(skipped, expected);
    let stderr = stderr_of(&out);
    assert!(
        stderr.contains(&format!(
            "skipped entry {} (record 1) from device forger: excluded (the command matches this device's exclude pattern '^vault ')",
            id(2)
        )),
        "{stderr}"
    );
    assert!(stderr.contains("more than a day in the future"), "{stderr}");

    // Only the two acceptable records are stored (oldest first); `rm -rf /` as critical,
    // with the local rules' warnings instead of the sender's empty list.
    let entries = b.entries();
    let stored: Vec<&str> = entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(
        stored,
        [id(7), id(1)]
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
    );
    let rm = &entries[1];
    assert_eq!(rm.command, "rm -rf /");
    assert_eq!(rm.safety_level, RiskLevel::Critical);
    assert_eq!(rm.safety_warnings, safety::assess("rm -rf /").warnings);
    assert!(!rm.safety_warnings.is_empty());
    let listed = b.ok(&["history", "list"]);
    assert!(listed.contains("[critical] rm -rf /"), "{listed}");

    // The refused records are not retried: the cursor moved past them.
    assert_eq!(b.sync()["skipped"], json!([]));
    assert_eq!(b.entries().len(), 2);
}
