//! `caro sync status` tells the truth: entries are counted exactly (11,000
//! here, where the daemon's loaded chunks once said "9 items"), and a relay
//! that cannot be reached and a daemon that failed are distinct states, each
//! with its reason. Real binaries, a real daemon and relay.

use serde_json::Value;

use crate::util::{Device, Relay};

fn status(device: &Device) -> Value {
    serde_json::from_str(&device.ok(&["sync", "status", "--json"])).unwrap()
}

#[test]
fn status_counts_every_entry_and_names_what_is_wrong() {
    const N: u64 = 11_000;
    let mut relay = Relay::start();
    let a = Device::new("A", &relay);
    let phrase = a.init();
    a.import((0..N).map(|i| format!("echo counted {i}")));
    a.sync();
    let st = status(&a);
    assert_eq!(st["state"], "online", "{st}");
    assert_eq!(st["entries"], N, "{st}");
    assert_eq!(st["queue"]["pending"], 0, "{st}");
    assert_eq!(st["reason"], Value::Null, "{st}");
    assert!(st["lastPushAt"].as_i64().unwrap() > 0, "{st}");
    assert_eq!(
        st["lastPullAt"],
        Value::Null,
        "nothing came from elsewhere: {st}"
    );
    let text = a.ok(&["sync", "status"]);
    assert!(text.contains(&format!("entries:    {N} stored")), "{text}");

    // Entries pulled from another device count too.
    let b = Device::new("B", &relay);
    b.join(&phrase);
    b.add("echo on B");
    let st = status(&b);
    assert_eq!(st["entries"], N + 1);
    assert!(st["lastPullAt"].as_i64().unwrap() > 0, "{st}");
    assert_eq!(st["lastPushAt"], Value::Null, "B pushed nothing yet: {st}");
    assert_eq!(st["queue"]["pending"], 1, "{st}");

    // A daemon that cannot run is not an unreachable relay.
    let failed: Value = serde_json::from_slice(
        &b.caro()
            .env("CARO_SYNC_DAEMON", "false")
            .args(["sync", "status", "--json"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert_eq!(failed["state"], "daemon-failed", "{failed}");
    assert!(
        failed["reason"].as_str().unwrap().contains("sync daemon"),
        "{failed}"
    );
    assert_eq!(failed["relay"]["reachable"], Value::Null, "{failed}");
    assert_eq!(failed["entries"], N + 1);

    // The relay down: the daemon runs, the relay is what is wrong.
    relay.stop();
    let st = status(&b);
    assert_eq!(st["state"], "relay-unreachable", "{st}");
    assert!(st["reason"].as_str().unwrap().contains(&relay.url), "{st}");
    assert_eq!(st["relay"]["reachable"], false, "{st}");
    assert_eq!(st["daemon"]["health"]["healthy"], true, "{st}");
    let text = b.ok(&["sync", "status"]);
    assert!(text.contains("state:      relay unreachable: "), "{text}");
}
