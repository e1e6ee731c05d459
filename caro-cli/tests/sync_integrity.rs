//! What v2's chains let a device notice, end to end (real binaries, a real
//! daemon and relay): a log whose link breaks stops applying there and says
//! so, a record that does not open is rejected alone and counted by reason —
//! in the sync's `--json`, its summary and `caro sync status` — and a copied
//! home re-registers itself under a new device id with nothing lost.

use std::process::Command;

use serde_json::{json, Value};

use crate::sync_pull_guard::forge_log;
use crate::util::{stderr_of, stdout_of, Device, Relay};

fn entry(n: u32, command: &str) -> Value {
    json!({
        "id": format!("0190eeee-0000-7000-8000-{n:012}"),
        "createdAt": caro::time::now_ms() - 1_000 + i64::from(n),
        "body": {"command": command},
    })
}

#[test]
fn a_broken_link_and_a_tampered_record_are_reported_and_the_rest_applies() {
    let relay = Relay::start();
    let a = Device::new("A", &relay);
    let b = Device::new("B", &relay);
    let phrase = a.init();
    b.join(&phrase);

    let mut tampered = entry(1, "echo tampered");
    tampered["tamper"] = json!(true);
    let mut forked = entry(3, "echo after the break");
    forked["prev"] = json!("ab".repeat(32));
    forge_log(
        &a,
        &relay,
        &[
            entry(0, "echo first"),
            tampered,
            entry(2, "echo follows the tampered bytes"),
            forked,
            entry(4, "echo never applied"),
        ],
    );

    let mut report = Value::Null;
    for _ in 0..5 {
        report = b.sync();
        if report["integrity"]["broken"] != json!([]) {
            break;
        }
    }
    let integrity = &report["integrity"];
    assert_eq!(
        integrity["broken"],
        json!([{"deviceId": "forger", "seq": 3}]),
        "{report}"
    );
    assert_eq!(integrity["rejected"], json!({"AuthenticationFailed": 1}));
    assert_eq!(report["pulled"], 2, "{report}");
    assert_eq!(
        b.commands(),
        ["echo first", "echo follows the tampered bytes"]
    );

    // The plain summary and `sync status` say it too, and keep saying it.
    let out = b.run(&["sync"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let text = stdout_of(&out);
    assert!(
        text.contains("integrity: device forger's record 3 does not follow its log"),
        "{text}"
    );
    let status: Value = serde_json::from_str(&b.ok(&["sync", "status", "--json"])).unwrap();
    assert_eq!(
        status["integrity"]["broken"],
        json!([{"deviceId": "forger", "seq": 3}])
    );
    assert_eq!(
        status["integrity"]["rejected"],
        json!({"AuthenticationFailed": 1})
    );
    let plain = b.ok(&["sync", "status"]);
    assert!(
        plain.contains("records rejected so far: AuthenticationFailed 1"),
        "{plain}"
    );

    // A's own sync sees the same, and a clean log reads clean.
    let a_report = a.sync();
    assert_eq!(
        a_report["integrity"]["broken"],
        json!([{"deviceId": "forger", "seq": 3}])
    );
    assert_eq!(a_report["integrity"]["withheld"], json!([]));
    assert_eq!(a_report["integrity"]["gaps"], json!([]));
}

#[test]
fn a_copied_home_re_registers_and_every_entry_reaches_a_new_device() {
    let relay = Relay::start();
    let a = Device::new("A", &relay);
    a.add("echo before the copy");
    let phrase = a.init();
    let original = a.store().current_device_id().unwrap();

    // A backup restored elsewhere: the whole home, device id included.
    let copy = Device::new("A2", &relay);
    let copied = Command::new("cp")
        .arg("-a")
        .arg(format!("{}/.", a.home.path().display()))
        .arg(copy.home.path())
        .status()
        .unwrap();
    assert!(copied.success());
    assert_eq!(copy.store().current_device_id().unwrap(), original);

    a.add("echo on the original");
    a.sync();
    copy.add("echo on the copy");
    // Whichever home finds the other's record in the log they share (a
    // push refused at a taken seq, a pulled record it did not write, a fork
    // the daemon reports) goes on under a new device id and says so.
    let mut notices = String::new();
    let moved = |d: &Device| d.store().current_device_id().unwrap() != original;
    for _ in 0..5 {
        for device in [&copy, &a] {
            let out = device.run(&["sync"]);
            assert!(out.status.success(), "{}", stderr_of(&out));
            notices.push_str(&stdout_of(&out));
        }
        if moved(&copy) || moved(&a) {
            break;
        }
    }
    let renamed: Vec<String> = [&copy, &a]
        .into_iter()
        .filter(|d| moved(d))
        .map(|d| d.store().current_device_id().unwrap())
        .collect();
    assert!(!renamed.is_empty(), "nobody re-registered: {notices}");
    for id in &renamed {
        assert!(
            notices.contains(&format!(
                "this home was a copy of device {original}; it now syncs as device {id}"
            )),
            "{notices}"
        );
    }

    let all = [
        "echo before the copy",
        "echo on the copy",
        "echo on the original",
    ];
    let c = Device::new("C", &relay);
    c.join(&phrase);
    assert_eq!(c.sync_until(3, 5), 3, "{:?}", c.commands());
    assert_eq!(c.commands(), all);
    assert_eq!(a.sync_until(3, 5), 3);
    assert_eq!(a.commands(), all);
    assert_eq!(copy.sync_until(3, 5), 3);
    assert_eq!(copy.commands(), all);
    // Nothing twice: entries keep their ids.
    assert_eq!(c.entries().len(), 3);
}
