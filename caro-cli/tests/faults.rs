//! Network faults between the daemons and a real relay (issue 14), put on
//! the path by a loopback proxy ([`FaultProxy`]): added latency, the
//! connection cut in the middle of a push, and a relay that stops answering
//! without closing anything. `caro sync watch` runs on A and on B, and
//! nobody syncs by hand: what A records before, during and after the fault
//! reaches B by itself once the path heals, every entry exactly once.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

use crate::util::{terminate, Device, FaultProxy, Relay};

/// How long an entry may take to reach B once the path is good again: a
/// reconnection backs off, and CI machines are loaded.
const HEAL: Duration = Duration::from_secs(90);

/// `caro sync watch` on a device, its stdout read line by line.
struct Watch {
    name: &'static str,
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl Watch {
    fn start(device: &Device) -> Watch {
        let mut child = device
            .caro()
            .args(["sync", "watch"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let (send, lines) = channel();
        std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        let mut watch = Watch {
            name: device.name,
            child,
            lines,
            seen: Vec::new(),
        };
        watch.expect(|line| line.starts_with("watching "), "it connects");
        watch
    }

    /// Waits for a line that `matches`; fails the test with what it saw.
    fn expect(&mut self, matches: impl Fn(&str) -> bool, what: &str) {
        let deadline = Instant::now() + HEAL;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    let found = matches(&line);
                    self.seen.push(line);
                    if found {
                        return;
                    }
                }
                Err(_) => break,
            }
        }
        panic!(
            "{}'s watch never said that {what}; it said: {:?}",
            self.name, self.seen
        );
    }

    /// SIGTERM, as Ctrl-C would; the watch stops cleanly.
    fn stop(mut self) {
        terminate(&mut self.child);
        let status = self.child.wait().unwrap();
        assert!(
            status.success(),
            "{}'s watch ended with {status}",
            self.name
        );
    }
}

/// A failed test still stops its watches (and so their daemons).
impl Drop for Watch {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            terminate(&mut self.child);
        }
    }
}

fn unreachable(line: &str) -> bool {
    line.starts_with("relay ") && line.ends_with(": unreachable")
}

/// A and B of one account, both through `proxy`, each with its watch running.
fn two_watched_devices(relay: &Relay, proxy: &FaultProxy) -> (Device, Device, Watch, Watch) {
    let a = Device::through("A", relay, proxy);
    let b = Device::through("B", relay, proxy);
    a.add("echo recorded before sync");
    let phrase = a.init();
    b.join(&phrase);
    let watch_a = Watch::start(&a);
    let watch_b = Watch::start(&b);
    (a, b, watch_a, watch_b)
}

/// B holds exactly A's entries: the same ids, none missing, none twice.
fn assert_b_has_exactly_as(a: &Device, b: &Device) {
    let expected = a.entries().len();
    let got = b.wait_for(expected, HEAL);
    let ids = |device: &Device| {
        let mut ids: Vec<String> = device.entries().into_iter().map(|e| e.id).collect();
        ids.sort();
        ids
    };
    assert_eq!(got, expected, "B holds {got} of A's {expected} entries");
    assert_eq!(ids(b), ids(a), "B holds A's entries, each once");
    assert_eq!(b.commands(), a.commands());
    // B may hold them before A has heard the relay's confirmation.
    let deadline = Instant::now() + HEAL;
    while a.pending() > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(a.pending(), 0, "the relay confirmed all of A's entries");
}

#[test]
fn entries_cross_a_slow_path_each_once() {
    let relay = Relay::start();
    let proxy = FaultProxy::start(relay.port);
    let (a, b, watch_a, watch_b) = two_watched_devices(&relay, &proxy);
    proxy.set_latency(Duration::from_millis(150));
    for i in 0..5 {
        a.add(&format!("echo over a slow path {i}"));
    }
    assert_b_has_exactly_as(&a, &b);
    watch_a.stop();
    watch_b.stop();
}

#[test]
fn a_push_cut_in_the_middle_resumes_by_itself_when_the_path_heals() {
    let relay = Relay::start();
    let proxy = FaultProxy::start(relay.port);
    let (a, b, mut watch_a, watch_b) = two_watched_devices(&relay, &proxy);

    let before = proxy.upstream_bytes();
    a.import((0..3000).map(|i| format!("echo imported {i} {}", "x".repeat(100))));
    let deadline = Instant::now() + HEAL;
    while proxy.upstream_bytes() < before + 64 * 1024 {
        assert!(
            Instant::now() < deadline,
            "A's watch never pushed the import"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    // The path goes down with the push under way.
    proxy.set_refusing(true);
    proxy.cut();
    assert!(
        a.pending() > 0,
        "the cut came before the push was confirmed"
    );
    watch_a.expect(unreachable, "the relay became unreachable");
    for i in 0..3 {
        a.add(&format!("echo recorded while the path is down {i}"));
    }
    proxy.set_refusing(false);
    assert_b_has_exactly_as(&a, &b);
    watch_a.stop();
    watch_b.stop();
}

#[test]
fn a_relay_that_stops_answering_is_noticed_and_sync_resumes_when_it_answers() {
    let relay = Relay::start();
    let proxy = FaultProxy::start(relay.port);
    let (a, b, mut watch_a, mut watch_b) = two_watched_devices(&relay, &proxy);
    a.add("echo before the silence");
    assert_b_has_exactly_as(&a, &b);

    // Nothing is closed: the connections, and every new one, go silent.
    proxy.stall();
    a.add("echo recorded while the relay is silent");
    watch_a.expect(unreachable, "the silent relay was noticed");
    watch_b.expect(unreachable, "the silent relay was noticed");
    a.add("echo recorded after it was noticed");
    // Both daemons try again, into the silence, before the relay answers.
    let deadline = Instant::now() + HEAL;
    while proxy.stalled_connections() < 2 {
        assert!(
            Instant::now() < deadline,
            "the daemons never tried to reconnect"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    proxy.heal();
    assert_b_has_exactly_as(&a, &b);
    watch_a.stop();
    watch_b.stop();
}
