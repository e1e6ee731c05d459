//! Nothing a user can record wedges sync: 1,000 commands of ~9 KB (about
//! 12 MB sealed, once a single Jazz transaction cojson refused, so every
//! later sync failed the same way) sync in one `caro sync`, in pushes bounded
//! by bytes, and a joining device receives every one of them.

use crate::util::{Device, Relay};

#[test]
fn a_thousand_commands_of_nine_kilobytes_sync_in_one_go() {
    let relay = Relay::start();
    let a = Device::new("A", &relay);
    let b = Device::new("B", &relay);
    let phrase = a.init();
    let commands: Vec<String> = (0..1_000)
        .map(|i| format!("echo {i:04} {}", "lorem ipsum ".repeat(750).trim_end()))
        .collect();
    assert!(commands.iter().all(|c| (9_000..10_240).contains(&c.len())));
    a.import(commands.clone());
    assert_eq!(a.entries().len(), 1_000, "the import stored every command");

    let report = a.sync();
    assert_eq!(report["pushed"], 1_000, "{report}");
    assert_eq!(report["rejected"], serde_json::json!([]), "{report}");
    assert_eq!(a.pending(), 0, "the queue is drained");

    b.join(&phrase);
    let mut expected = commands;
    expected.sort();
    let received = b.commands();
    assert_eq!(received.len(), 1_000);
    // Compared whole but not printed: each is 9 KB.
    assert!(received == expected, "B's commands differ from A's");

    // And sync goes on working both ways.
    a.add("echo after the big batch");
    assert_eq!(a.sync()["pushed"], 1);
    assert_eq!(b.sync()["pulled"], 1);
}
