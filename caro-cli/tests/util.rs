//! What every end-to-end test shares: a private `CARO_HOME` per test that
//! runs the real `caro` binary ([`Home`]), a real relay on a free loopback
//! port that stops on drop ([`Relay`]), and sync devices, each a home of its
//! own driven with the real daemon from `sync-daemon/dist/` ([`Device`]),
//! and a loopback TCP proxy that puts network faults between a daemon and
//! its relay ([`FaultProxy`]).
//! A missing `dist/` fails the sync tests and says to run `make build`.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use caro::store::{HistoryEntry, Store};
use serde_json::Value;
use tempfile::TempDir;

mod fault_proxy;
pub use fault_proxy::FaultProxy;

/// The repository's root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("caro-cli has a parent")
        .to_path_buf()
}

/// The `caro` binary under test.
pub fn caro_bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("caro")
}

/// `caro` with `home` as its `CARO_HOME`, and nothing from the user's
/// environment that could change what it does.
pub fn caro_command(home: &Path) -> Command {
    let mut cmd = Command::new(caro_bin());
    cmd.env("CARO_HOME", home)
        .env("CARO_BUSY_TIMEOUT_MS", "10000")
        .env_remove("HISTFILE")
        .env_remove("SHELL");
    cmd
}

/// [`caro_command`] with assert_cmd's assertions.
pub fn caro_in(home: &Path) -> assert_cmd::Command {
    assert_cmd::Command::from_std(caro_command(home))
}

pub fn stderr_of(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn stdout_of(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs `command` with `line` (and a newline) on its stdin.
pub fn with_stdin(mut command: Command, line: &str) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{line}\n").as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// How often `needle` occurs in `haystack`.
pub fn occurrences(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .filter(|window| *window == needle)
        .count()
}

/// A private caro home for one test.
pub struct Home {
    dir: TempDir,
}

impl Home {
    pub fn new() -> Self {
        Home {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn db(&self) -> PathBuf {
        self.path().join("history.db")
    }

    /// `caro` in this home.
    pub fn caro(&self) -> assert_cmd::Command {
        caro_in(self.path())
    }

    /// Records a command and returns its id.
    pub fn add(&self, command: &str) -> String {
        let out = self
            .caro()
            .args(["history", "add", "--command", command, "--exit-code", "0"])
            .output()
            .expect("run caro");
        assert!(
            out.status.success(),
            "add {command:?} failed: {}",
            stderr_of(&out)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    /// `caro history list --json` with a large limit.
    pub fn list(&self) -> Vec<Value> {
        self.json(&["history", "list", "--limit", "100000", "--json"])
    }

    /// Runs caro, expects success, parses stdout as a JSON array.
    pub fn json(&self, args: &[&str]) -> Vec<Value> {
        let out = self.caro().args(args).output().expect("run caro");
        assert!(out.status.success(), "{args:?} failed: {}", stderr_of(&out));
        match serde_json::from_slice(&out.stdout).expect("JSON output") {
            Value::Array(items) => items,
            other => panic!("expected an array, got {other}"),
        }
    }

    /// Commands of `list`, newest first.
    pub fn commands(&self) -> Vec<String> {
        self.list()
            .iter()
            .map(|e| e["command"].as_str().unwrap().to_string())
            .collect()
    }

    /// Writes a file in the home and returns its path.
    pub fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    /// The history store, opened directly.
    pub fn store(&self) -> Store {
        Store::open(&self.db()).unwrap()
    }
}

/// Runs a node script (`node` with the caller's arguments and environment)
/// that reads its request as JSON on stdin, never argv, since it holds keys;
/// fails the test with the script's stderr unless it succeeds, naming `what`.
pub fn run_node_script(mut node: Command, input: &Value, what: &str) -> Output {
    let mut child = node
        .env("CARO_SYNC_LOG_LEVEL", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{what} failed: {}", stderr_of(&out));
    out
}

/// A file of the daemon package's build, relative to `sync-daemon/dist`.
fn built(script: &str) -> PathBuf {
    let path = repo_root().join("sync-daemon/dist").join(script);
    assert!(
        path.is_file(),
        "{} is missing: the sync tests need the built daemon and relay; run `make build` first",
        path.display()
    );
    path
}

/// The daemon's command line, as `CARO_SYNC_DAEMON` takes it.
pub fn daemon_command_line() -> String {
    format!("node {}", built("caro-sync-daemon.cjs").display())
}

/// A relay on 127.0.0.1 with its SQLite store in a temporary directory.
pub struct Relay {
    child: Option<Child>,
    pub url: String,
    pub port: u16,
    dir: TempDir,
}

impl Relay {
    pub fn start() -> Relay {
        let dir = tempfile::tempdir().unwrap();
        let (child, url, port) = spawn_relay(dir.path(), 0);
        Relay {
            child: Some(child),
            url,
            port,
            dir,
        }
    }

    /// Stops the relay (SIGTERM, then waits); its data stays.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            terminate(&mut child);
        }
    }

    /// Starts it again on the same port and data.
    pub fn restart(&mut self) {
        self.stop();
        let (child, url, _) = spawn_relay(self.dir.path(), self.port);
        assert_eq!(url, self.url);
        self.child = Some(child);
    }

    /// The relay's SQLite store (write to it only while the relay is stopped).
    pub fn db_path(&self) -> PathBuf {
        self.dir.path().join("relay.sqlite")
    }

    /// Every file the relay wrote, concatenated.
    pub fn storage_bytes(&self) -> Vec<u8> {
        let mut all = Vec::new();
        for entry in std::fs::read_dir(self.dir.path()).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                all.extend(std::fs::read(path).unwrap());
            }
        }
        all
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.stop();
    }
}

fn spawn_relay(dir: &Path, port: u16) -> (Child, String, u16) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let mut child = Command::new("node")
            .arg(built("bin/relay.js"))
            .args(["--host", "127.0.0.1", "--port", &port.to_string(), "--db"])
            .arg(dir.join("relay.sqlite"))
            .env("CARO_SYNC_LOG_LEVEL", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("node runs the relay");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        if let Some(url) = line.trim().strip_prefix("listening ") {
            return (child, url.to_string(), url_port(url));
        }
        // The port of a relay that just stopped can take a moment to free.
        let _ = child.wait();
        assert!(
            Instant::now() < deadline,
            "the relay did not start: {line:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The port of a relay URL such as `ws://127.0.0.1:4200/?token=...` (or
/// `ws://[::1]:4200`): the authority is what comes before the first `/` or `?`.
fn url_port(url: &str) -> u16 {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?']).next().unwrap_or(rest);
    let (_, port) = authority
        .rsplit_once(':')
        .unwrap_or_else(|| panic!("no port in the relay URL {url:?}"));
    port.parse()
        .unwrap_or_else(|_| panic!("bad port in the relay URL {url:?}"))
}

/// SIGTERM, a few seconds' grace, then SIGKILL.
pub fn terminate(child: &mut Child) {
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// One sync device: a [`Home`] whose `caro` talks to the real daemon and
/// to `relay`.
pub struct Device {
    pub name: &'static str,
    pub home: Home,
    pub relay: String,
    /// Whether commands may start the background agent (tests/agent.rs);
    /// other tests run with `CARO_SYNC_AGENT=off`.
    pub agent: bool,
}

impl Device {
    pub fn new(name: &'static str, relay: &Relay) -> Device {
        Device::with_relay_url(name, &relay.url)
    }

    /// A device whose relay URL need not answer (nothing listens on port 9).
    pub fn offline(name: &'static str) -> Device {
        Device::with_relay_url(name, "ws://127.0.0.1:9")
    }

    /// A device that reaches `relay` through `proxy`.
    pub fn through(name: &'static str, relay: &Relay, proxy: &FaultProxy) -> Device {
        let url = relay
            .url
            .replacen(&format!(":{}", relay.port), &format!(":{}", proxy.port), 1);
        Device::with_relay_url(name, &url)
    }

    fn with_relay_url(name: &'static str, url: &str) -> Device {
        Device {
            name,
            home: Home::new(),
            relay: url.to_string(),
            agent: false,
        }
    }

    /// A device whose home is a `cp -a` of `original`'s (a restored backup,
    /// a cloned VM): same device id, keys, queue and daemon store.
    pub fn copy_of(name: &'static str, original: &Device) -> Device {
        let copy = Device::with_relay_url(name, &original.relay);
        let status = Command::new("cp")
            .arg("-a")
            .arg(original.home.path().join("."))
            .arg(copy.home.path())
            .status()
            .unwrap();
        assert!(status.success(), "cp -a of {}'s home failed", original.name);
        copy
    }

    /// `caro ARGS` in this device's home.
    pub fn caro(&self) -> Command {
        let mut cmd = caro_command(self.home.path());
        cmd.env("CARO_SYNC_DAEMON", daemon_command_line())
            .env("CARO_SYNC_RELAY", &self.relay)
            .env("CARO_SYNC_LOG_LEVEL", "warn")
            .stdin(Stdio::null());
        if !self.agent {
            cmd.env("CARO_SYNC_AGENT", "off");
        }
        cmd
    }

    /// Runs `caro ARGS`, returning its output whatever its status.
    pub fn run(&self, args: &[&str]) -> Output {
        self.caro().args(args).output().unwrap()
    }

    /// Runs `caro ARGS` and insists it succeeds; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{}: caro {} failed ({}):\nstdout: {}\nstderr: {}",
            self.name,
            args.join(" "),
            out.status,
            stdout_of(&out),
            stderr_of(&out)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Records a command; returns its id.
    pub fn add(&self, command: &str) -> String {
        self.ok(&["history", "add", "--command", command, "--exit-code", "0"])
            .trim()
            .to_string()
    }

    /// Imports `commands` at once (through a zsh history file).
    pub fn import(&self, commands: impl IntoIterator<Item = String>) {
        let start = 1_700_000_000;
        let text: String = commands
            .into_iter()
            .enumerate()
            .map(|(i, command)| format!(": {}:0;{command}\n", start + i))
            .collect();
        let file = self.home.file("import.zsh", text.as_bytes());
        self.ok(&["history", "import", "zsh", "--file", file.to_str().unwrap()]);
    }

    /// `caro sync init --json`; returns the phrase.
    pub fn init(&self) -> String {
        let out: Value = serde_json::from_str(&self.ok(&["sync", "init", "--json"])).unwrap();
        out["phrase"].as_str().unwrap().to_string()
    }

    /// `caro sync join` with the phrase on stdin.
    pub fn join_output(&self, phrase: &str) -> Output {
        let mut join = self.caro();
        join.args(["sync", "join"]);
        with_stdin(join, phrase)
    }

    pub fn join(&self, phrase: &str) {
        let out = self.join_output(phrase);
        assert!(
            out.status.success(),
            "{}: join failed: {}",
            self.name,
            stderr_of(&out)
        );
    }

    /// `caro sync --json`, parsed.
    pub fn sync(&self) -> Value {
        serde_json::from_str(&self.ok(&["sync", "--json"])).unwrap()
    }

    /// Syncs until the device holds `expected` live entries (other devices
    /// may still be pushing), at most `max` times.
    pub fn sync_until(&self, expected: usize, max: usize) -> usize {
        let mut count = 0;
        for _ in 0..max {
            self.sync();
            count = self.entries().len();
            if count >= expected {
                break;
            }
        }
        count
    }

    /// Waits until the device holds `expected` live entries, without syncing.
    pub fn wait_for(&self, expected: usize, timeout: Duration) -> usize {
        let deadline = Instant::now() + timeout;
        loop {
            let count = self.entries().len();
            if count >= expected || Instant::now() > deadline {
                return count;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn store(&self) -> Store {
        self.home.store()
    }

    /// Live entries, oldest first, read straight from SQLite.
    pub fn entries(&self) -> Vec<HistoryEntry> {
        self.store().all_live_entries().unwrap()
    }

    /// The commands of the live entries, sorted.
    pub fn commands(&self) -> Vec<String> {
        let mut commands: Vec<String> = self.entries().into_iter().map(|e| e.command).collect();
        commands.sort();
        commands
    }

    /// Items waiting in the sync queue.
    pub fn pending(&self) -> u64 {
        self.store().sync_queue_counts().unwrap().0
    }

    pub fn key_file(&self) -> PathBuf {
        self.home.path().join("sync.key")
    }

    pub fn daemon_dir(&self) -> PathBuf {
        self.home.path().join("sync-daemon")
    }
}

/// The daemon's command line as the daemon client takes it.
pub fn daemon_program() -> caro::daemon::CommandLine {
    let words = shell_words::split(&daemon_command_line()).unwrap();
    caro::daemon::CommandLine {
        program: words[0].clone().into(),
        args: words[1..].iter().map(Into::into).collect(),
    }
}
