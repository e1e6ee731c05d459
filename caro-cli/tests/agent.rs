//! The background agent (issue 14): after `init` and `join` it keeps the
//! home in sync with nothing else run; one per home; `sync stop` leaves
//! nothing; a killed daemon is restarted; other caro commands reach its
//! daemon on the socket; `history add` starts one; an idle one exits.
//! Real binaries, a real relay on loopback, real SQLite files.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use caro::paths::Paths;
use caro::sync::agent;
use serde_json::Value;

use crate::util::{stderr_of, stdout_of, Device, Relay};

/// Generous bounds for a loaded CI machine: the behaviour is checked, not
/// the latency (scripts/bench/agent.sh measures that).
const ARRIVES_WITHIN: Duration = Duration::from_secs(30);
const GONE_WITHIN: Duration = Duration::from_secs(10);

/// A device whose commands may start its agent; stops it when dropped, so
/// no test leaves a process behind even when it fails.
struct AgentDevice(Device);

impl AgentDevice {
    fn new(name: &'static str, relay: &Relay) -> AgentDevice {
        let mut device = Device::new(name, relay);
        device.agent = true;
        AgentDevice(device)
    }

    fn paths(&self) -> Paths {
        Paths {
            data_dir: self.0.home.path().to_path_buf(),
        }
    }

    fn agent(&self) -> Option<agent::Holder> {
        agent::running(&self.paths())
    }

    /// Waits for the agent to run; returns it.
    fn wait_for_agent(&self) -> agent::Holder {
        let found = wait_until(ARRIVES_WITHIN, || self.agent());
        found.unwrap_or_else(|| {
            panic!(
                "{}: no agent started; its log:\n{}",
                self.0.name,
                self.log()
            )
        })
    }

    fn log(&self) -> String {
        std::fs::read_to_string(agent::log_path(&self.paths())).unwrap_or_default()
    }

    /// Whether `command` is in this device's SQLite.
    fn holds(&self, command: &str) -> bool {
        self.0.commands().iter().any(|c| c == command)
    }
}

impl Drop for AgentDevice {
    fn drop(&mut self) {
        let _ = self.0.run(&["sync", "stop"]);
    }
}

impl std::ops::Deref for AgentDevice {
    type Target = Device;
    fn deref(&self) -> &Device {
        &self.0
    }
}

fn wait_until<T>(limit: Duration, mut probe: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(found) = probe() {
            return Some(found);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Pids of the processes of `home`: its daemon names it on its command
/// line, the agent (`caro sync watch --background`) in its environment.
fn processes_of(home: &Path) -> Vec<i32> {
    let needle = home.as_os_str().as_encoded_bytes();
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse().ok()) else {
            continue;
        };
        if pid == std::process::id() as i32 {
            continue;
        }
        let names_it = |file: &str| {
            std::fs::read(entry.path().join(file))
                .is_ok_and(|bytes| bytes.windows(needle.len()).any(|w| w == needle))
        };
        // A zombie's (or a dying process's) cmdline is empty: not running.
        let alive = std::fs::read(entry.path().join("cmdline")).is_ok_and(|c| !c.is_empty());
        if alive && (names_it("cmdline") || names_it("environ")) {
            pids.push(pid);
        }
    }
    pids
}

fn nothing_left(device: &AgentDevice) {
    let left = wait_until(GONE_WITHIN, || {
        processes_of(device.home.path()).is_empty().then_some(())
    });
    assert!(
        left.is_some(),
        "{}: still running: {:?}",
        device.name,
        processes_of(device.home.path())
    );
}

/// A pair of devices in one account, each with the agent init/join left.
fn pair(relay: &Relay) -> (AgentDevice, AgentDevice) {
    let a = AgentDevice::new("A", relay);
    let b = AgentDevice::new("B", relay);
    a.add("echo before init");
    let phrase = a.init();
    b.join(&phrase);
    a.wait_for_agent();
    b.wait_for_agent();
    (a, b)
}

#[test]
fn with_nothing_run_after_init_and_join_an_entry_recorded_on_a_reaches_b() {
    let relay = Relay::start();
    let (a, b) = pair(&relay);
    assert!(b.holds("echo before init"), "join pulled A's history");
    a.add("echo recorded on A");
    let arrived = wait_until(ARRIVES_WITHIN, || {
        b.holds("echo recorded on A").then_some(())
    });
    assert!(
        arrived.is_some(),
        "B's agent did not apply it; B's log:\n{}",
        b.log()
    );
    // And the other way, with nothing but the add.
    b.add("echo recorded on B");
    let arrived = wait_until(ARRIVES_WITHIN, || {
        a.holds("echo recorded on B").then_some(())
    });
    assert!(
        arrived.is_some(),
        "A's agent did not apply it; A's log:\n{}",
        a.log()
    );
    // The log says what happened, never which command, nor the relay's token.
    let token = relay
        .url
        .split("token=")
        .nth(1)
        .expect("the relay has a token");
    for device in [&a, &b] {
        let log = device.log();
        assert!(log.contains("agent started"), "{log}");
        assert!(
            !log.contains("echo recorded"),
            "a command in the log: {log}"
        );
        assert!(!log.contains(token), "the relay token in the log: {log}");
    }
}

#[test]
fn an_exclude_pattern_set_on_a_is_applied_by_bs_agent_before_b_records_again() {
    let relay = Relay::start();
    let (a, b) = pair(&relay);
    a.ok(&["config", "set", "exclude_patterns", "^deploy-secret"]);
    let applied = wait_until(ARRIVES_WITHIN, || {
        b.ok(&["config", "get", "exclude_patterns"])
            .contains("^deploy-secret")
            .then_some(())
    });
    assert!(
        applied.is_some(),
        "B's agent did not apply A's pattern; B's log:\n{}",
        b.log()
    );
    // B records nothing the pattern excludes, so nothing of it leaves B.
    let _ = b.run(&[
        "history",
        "add",
        "--command",
        "deploy-secret --prod",
        "--exit-code",
        "0",
    ]);
    b.add("echo after the pattern");
    let arrived = wait_until(ARRIVES_WITHIN, || {
        a.holds("echo after the pattern").then_some(())
    });
    assert!(arrived.is_some(), "A's log:\n{}", a.log());
    assert!(
        !b.holds("deploy-secret --prod"),
        "B recorded an excluded command"
    );
    assert!(
        !a.holds("deploy-secret --prod"),
        "an excluded command reached A"
    );
}

#[test]
fn sync_stop_leaves_nothing_and_says_so_when_nothing_runs() {
    let relay = Relay::start();
    let a = AgentDevice::new("A", &relay);
    a.init();
    let holder = a.wait_for_agent();
    let status: Value = serde_json::from_str(&a.ok(&["sync", "status", "--json"])).unwrap();
    assert_eq!(status["agent"]["running"], true, "{status}");
    assert_eq!(status["agent"]["pid"], holder.pid);
    assert!(status["agent"]["since"].as_i64().unwrap() > 0);
    assert_eq!(status["state"], "online", "{status}");
    let socket = agent::socket_path(&a.paths());
    assert!(socket.exists());

    let stopped = a.ok(&["sync", "stop"]);
    assert_eq!(
        stopped.trim(),
        format!("sync agent stopped (pid {})", holder.pid)
    );
    nothing_left(&a);
    assert!(!socket.exists(), "the daemon removed its socket");
    assert!(a.agent().is_none());
    assert_eq!(a.ok(&["sync", "stop"]).trim(), "no agent running");
    let status: Value = serde_json::from_str(&a.ok(&["sync", "status", "--json"])).unwrap();
    assert_eq!(status["agent"]["running"], false, "{status}");
}

#[test]
fn one_agent_per_home_and_a_foreground_watch_takes_over_from_a_background_one() {
    let relay = Relay::start();
    let a = AgentDevice::new("A", &relay);
    a.init();
    let first = a.wait_for_agent();
    assert!(first.background, "init leaves a background agent");
    let again = a.ok(&["sync", "start"]);
    assert!(
        again.contains(&format!("already runs (pid {},", first.pid)),
        "{again}"
    );
    // A login service's watch (or a user's) becomes the agent.
    let mut watch = a
        .caro()
        .args(["sync", "watch"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(watch.stdout.take().unwrap()).lines();
    let took_over = lines.next().unwrap().unwrap();
    assert_eq!(
        took_over,
        format!(
            "took over from the background sync agent (pid {})",
            first.pid
        )
    );
    let watching = lines.next().unwrap().unwrap();
    assert!(watching.starts_with("watching "), "{watching}");
    let now = a.agent().expect("the watch holds the agent lock");
    assert_eq!(now.pid, watch.id() as i32);
    assert!(!now.background);
    assert!(
        !std::path::Path::new(&format!("/proc/{}", first.pid)).exists()
            || std::fs::read(format!("/proc/{}/cmdline", first.pid)).is_ok_and(|c| c.is_empty()),
        "the background agent stopped before the watch took over"
    );
    // A second foreground watch does not take over from the first.
    let second = a.run(&["sync", "watch"]);
    assert!(!second.status.success());
    assert!(
        stderr_of(&second).contains("already runs"),
        "{}",
        stderr_of(&second)
    );
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(watch.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    assert!(watch.wait().unwrap().success());
    nothing_left(&a);
}

#[test]
fn the_agents_daemon_killed_is_restarted() {
    let relay = Relay::start();
    let a = AgentDevice::new("A", &relay);
    a.init();
    a.wait_for_agent();
    let daemon_dir = a.daemon_dir();
    let first = wait_until(ARRIVES_WITHIN, || {
        caro::daemon::lock::daemon_pid(&daemon_dir)
    })
    .expect("the agent's daemon runs");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(first),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    let second = wait_until(ARRIVES_WITHIN, || {
        caro::daemon::lock::daemon_pid(&daemon_dir).filter(|pid| *pid != first)
    });
    assert!(second.is_some(), "no new daemon; the log:\n{}", a.log());
    assert!(a.log().contains("the sync daemon failed"), "{}", a.log());
    // The new daemon serves the socket again: a sync goes through it.
    let report = a.sync();
    assert_eq!(report["rejected"].as_array().unwrap().len(), 0, "{report}");
}

#[test]
fn five_concurrent_syncs_with_the_agent_running_all_succeed() {
    let relay = Relay::start();
    let (a, b) = pair(&relay);
    let daemon = caro::daemon::lock::daemon_pid(&a.daemon_dir()).expect("the agent's daemon");
    let runs: Vec<_> = (0..5)
        .map(|i| {
            a.add(&format!("echo concurrent {i}"));
            a.caro()
                .args(["sync", "--json"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for run in runs {
        let out = run.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "a concurrent sync failed: {}",
            stderr_of(&out)
        );
        let report: Value = serde_json::from_str(&stdout_of(&out)).unwrap();
        assert_eq!(report["unconfirmed"], 0, "{report}");
    }
    // They all went through the agent's one daemon: no other was started.
    assert_eq!(
        caro::daemon::lock::daemon_pid(&a.daemon_dir()),
        Some(daemon)
    );
    for i in 0..5 {
        let command = format!("echo concurrent {i}");
        let arrived = wait_until(ARRIVES_WITHIN, || b.holds(&command).then_some(()));
        assert!(arrived.is_some(), "{command} did not reach B");
    }
}

#[test]
fn history_add_starts_an_agent_unless_auto_sync_is_off() {
    let relay = Relay::start();
    let a = AgentDevice::new("A", &relay);
    a.init();
    a.wait_for_agent();
    a.ok(&["sync", "stop"]);
    nothing_left(&a);

    a.ok(&["config", "set", "auto_sync", "off"]);
    a.add("echo with auto_sync off");
    std::thread::sleep(Duration::from_millis(500));
    assert!(a.agent().is_none(), "an agent started with auto_sync off");

    a.ok(&["config", "set", "auto_sync", "on"]);
    a.add("echo starts the agent");
    let holder = a.wait_for_agent();
    // The agent pushes what was recorded while none ran.
    let pushed = wait_until(ARRIVES_WITHIN, || (a.pending() == 0).then_some(()));
    assert!(
        pushed.is_some(),
        "the queue was not pushed; the log:\n{}",
        a.log()
    );
    // More adds find it running and start no other.
    a.add("echo finds it running");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(a.agent(), Some(holder));
}

#[test]
fn an_idle_agent_exits_and_leaves_nothing() {
    let relay = Relay::start();
    let a = AgentDevice::new("A", &relay);
    a.init();
    a.wait_for_agent();
    a.ok(&["sync", "stop"]);
    a.ok(&["config", "set", "agent_idle", "5s"]);
    let started = a.ok(&["sync", "start"]);
    assert!(started.starts_with("sync agent started"), "{started}");
    let exited = wait_until(Duration::from_secs(60), || {
        a.agent().is_none().then_some(())
    });
    assert!(
        exited.is_some(),
        "the agent did not exit when idle; log:\n{}",
        a.log()
    );
    nothing_left(&a);
    assert!(a.log().contains("idle"), "{}", a.log());
}

#[test]
fn agent_idle_takes_a_duration_of_at_least_five_seconds() {
    let relay = Relay::start();
    let a = Device::new("A", &relay);
    assert_eq!(a.ok(&["config", "get", "agent_idle"]).trim(), "1h");
    let out = a.run(&["config", "set", "agent_idle", "1s"]);
    assert!(!out.status.success());
    assert!(
        stderr_of(&out).contains("agent_idle must be at least 5s"),
        "{}",
        stderr_of(&out)
    );
    a.ok(&["config", "set", "agent_idle", "20m"]);
    assert_eq!(a.ok(&["config", "get", "agent_idle"]).trim(), "20m");
}
