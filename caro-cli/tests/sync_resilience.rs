//! Nothing is lost and nothing is doubled: three devices syncing at once, a
//! device that records while the relay is down, and a daemon killed with
//! SIGKILL in the middle of a 10,000-entry sync.

use std::collections::BTreeSet;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::util::{stderr_of, Device, Relay};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

#[test]
fn three_devices_adding_and_syncing_at_once_converge() {
    let relay = Relay::start();
    let a = Device::new("A", &relay);
    let b = Device::new("B", &relay);
    let c = Device::new("C", &relay);
    let phrase = a.init();
    b.join(&phrase);
    c.join(&phrase);

    std::thread::scope(|scope| {
        for device in [&a, &b, &c] {
            scope.spawn(move || {
                for round in 0..3 {
                    for i in 0..5 {
                        device.add(&format!("echo {} round {round} item {i}", device.name));
                    }
                    device.sync();
                }
            });
        }
    });

    let expected: BTreeSet<String> = ["A", "B", "C"]
        .iter()
        .flat_map(|name| {
            (0..3).flat_map(move |round| {
                (0..5).map(move |i| format!("echo {name} round {round} item {i}"))
            })
        })
        .collect();
    for device in [&a, &b, &c] {
        device.sync_until(expected.len(), 10);
    }
    for device in [&a, &b, &c] {
        let got: BTreeSet<String> = device.commands().into_iter().collect();
        assert_eq!(got, expected, "device {}", device.name);
        assert_eq!(device.entries().len(), expected.len());
        assert_eq!(device.pending(), 0);
    }
}

#[test]
fn a_device_offline_records_then_catches_up() {
    let mut relay = Relay::start();
    let a = Device::new("A", &relay);
    let phrase = a.init();
    relay.stop();
    for i in 0..100 {
        a.add(&format!("echo offline {i}"));
    }
    let out = a.run(&["sync"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert_eq!(a.pending(), 100);

    relay.restart();
    let report = a.sync();
    assert_eq!(report["pushed"], 100, "{report}");
    assert_eq!(a.pending(), 0);

    let b = Device::new("B", &relay);
    b.join(&phrase);
    assert_eq!(b.entries().len(), 100);
    let expected: Vec<String> = {
        let mut all: Vec<String> = (0..100).map(|i| format!("echo offline {i}")).collect();
        all.sort();
        all
    };
    assert_eq!(b.commands(), expected);
}

#[test]
fn a_daemon_killed_in_the_middle_of_a_big_sync_loses_and_doubles_nothing() {
    const N: usize = 10_000;
    let relay = Relay::start();
    let a = Device::new("A", &relay);
    let phrase = a.init();
    a.import((0..N).map(|i| format!("echo bulk {i}")));
    assert_eq!(a.pending() as usize, N);

    let mut sync = a
        .caro()
        .args(["sync"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Kill the daemon once the first batch is acknowledged, while the rest
    // is on its way: it is the holder of its data directory's lock.
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut killed = false;
    while Instant::now() < deadline {
        if matches!(sync.try_wait(), Ok(Some(_))) {
            break;
        }
        if (a.pending() as usize) < N {
            let pid = caro::daemon::lock::daemon_pid(&a.daemon_dir())
                .expect("the daemon that acknowledged a batch holds its lock");
            kill(Pid::from_raw(pid), Signal::SIGKILL).unwrap();
            killed = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let out = sync.wait_with_output().unwrap();
    assert!(killed, "the sync ended before the daemon could be killed");
    assert_eq!(out.status.code(), Some(1));
    let message = stderr_of(&out);
    assert!(message.contains("sync daemon stopped"), "{message}");
    assert!(message.contains("SIGKILL"), "{message}");
    let left = a.pending() as usize;
    assert!(left > 0 && left < N, "{left} still queued");

    // Sync again: the rest goes out (what the killed daemon had already
    // stored comes back as duplicates), and nothing is queued after.
    let report = a.sync();
    assert_eq!(a.pending(), 0, "{report}");

    let b = Device::new("B", &relay);
    b.join(&phrase);
    let entries = b.entries();
    assert_eq!(entries.len(), N);
    let commands: BTreeSet<String> = entries.into_iter().map(|e| e.command).collect();
    let expected: BTreeSet<String> = (0..N).map(|i| format!("echo bulk {i}")).collect();
    assert_eq!(commands, expected);
    // Pulled in big pages, the entries are in the full-text index too.
    let found = b.ok(&["history", "search", "bulk", "9876", "--json"]);
    assert!(found.contains("echo bulk 9876"), "{found}");
}
