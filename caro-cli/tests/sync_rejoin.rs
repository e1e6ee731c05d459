//! Join after reset: a device that leaves one account (`sync reset`) and
//! joins another uploads only the entries recorded on it; those it pulled
//! from the old account's other devices stay local, unless `--upload-all`.
//! Real relay, real daemons: what the new account holds is read from another
//! of its devices.

use crate::util::{with_stdin, Device, Relay};

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn after_a_reset_join_uploads_only_this_devices_own_entries() {
    let relay = Relay::start();
    // Account 1: A and B.
    let a = Device::new("A", &relay);
    a.add("echo from a, account 1");
    let first = a.init();
    let b = Device::new("B", &relay);
    b.add("echo from b");
    b.join(&first);
    assert_eq!(
        b.commands(),
        strings(&["echo from a, account 1", "echo from b"])
    );

    // B leaves and joins account 2 (C's): only B's own entry goes there.
    b.ok(&["sync", "reset", "--yes"]);
    let c = Device::new("C", &relay);
    c.add("echo from c, account 2");
    let second = c.init();
    b.join(&second);
    c.sync();
    assert_eq!(
        c.commands(),
        strings(&["echo from b", "echo from c, account 2"])
    );
    let late = Device::new("late", &relay);
    late.join(&second);
    assert_eq!(late.commands(), c.commands(), "the account holds no more");
    // A's entry stays on B, local.
    assert_eq!(
        b.commands(),
        strings(&[
            "echo from a, account 1",
            "echo from b",
            "echo from c, account 2"
        ])
    );

    // With --upload-all, everything B holds goes to account 3 (D's).
    b.ok(&["sync", "reset", "--yes"]);
    let d = Device::new("D", &relay);
    let third = d.init();
    let mut join = b.caro();
    join.args(["sync", "join", "--upload-all"]);
    let out = with_stdin(join, &third);
    assert!(out.status.success(), "{}", crate::util::stderr_of(&out));
    d.sync();
    assert_eq!(d.commands(), b.commands());
    assert_eq!(d.commands().len(), 3);
}
