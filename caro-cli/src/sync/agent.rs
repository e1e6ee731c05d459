//! The background agent: one per home, keeping one daemon that every caro
//! process of the home reaches on its socket. Its files live in
//! `<home>/sync/`: `agent.lock` (a kernel flock held by the living agent, and
//! inside the holder's pid and start time, for `status` and `stop`),
//! `daemon.sock` (its daemon's JSON-RPC) and `agent.log`.
//!
//! The lock is the whole truth about "is an agent running": a crashed agent's
//! lock is gone with it, and the pid in the file is read only while its
//! writer still holds the lock. Testing it is two syscalls (open, flock), so
//! `caro history add` can afford it before every prompt; starting an agent is
//! a detached spawn that the add never waits for. The loop itself is
//! [`super::watch`].

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use nix::errno::Errno;
use nix::fcntl::{Flock, FlockArg};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use serde_json::Value;

use crate::config::PrefKey;
use crate::daemon::client::DaemonClient;
use crate::daemon::lock::daemon_pid;
use crate::paths::Paths;
use crate::store::Store;
use crate::time::now_ms;

/// How long a stopped agent has to close its daemon (it lets the daemon
/// flush for 2 s, and the daemon stops within 1 s) before SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(5);
/// How long a caro command waits for a running agent whose daemon is
/// (re)starting before it gives up on it.
const CONNECT_WAIT: Duration = Duration::from_secs(10);
/// How long an agent starting up retries the lock: `history add`'s probe
/// holds it shared for a few microseconds.
const ACQUIRE_RETRY: Duration = Duration::from_millis(200);
/// A log bigger than this is moved to `agent.log.1` when an agent starts.
const LOG_ROTATE_BYTES: u64 = 1 << 20;

/// The agent's directory: `<home>/sync`.
pub fn dir(paths: &Paths) -> PathBuf {
    paths.data_dir.join("sync")
}

/// Its daemon's unix socket.
pub fn socket_path(paths: &Paths) -> PathBuf {
    dir(paths).join("daemon.sock")
}

/// Where a detached agent writes what it does.
pub fn log_path(paths: &Paths) -> PathBuf {
    dir(paths).join("agent.log")
}

fn lock_path(paths: &Paths) -> PathBuf {
    dir(paths).join("agent.lock")
}

/// The running agent, as its lock file names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holder {
    pub pid: i32,
    /// When it took the lock (Unix ms).
    pub since: i64,
    /// Detached (`caro sync start`, `history add`), rather than a `caro sync
    /// watch` on a terminal or under a login service.
    pub background: bool,
}

/// Set in the agent's own process: its daemon is spawned with the socket,
/// never reached through it.
static THIS_IS_THE_AGENT: AtomicBool = AtomicBool::new(false);

/// Whether this process is the agent.
pub fn is_this_process() -> bool {
    THIS_IS_THE_AGENT.load(Ordering::Relaxed)
}

/// The home's agent lock, held for as long as this value lives.
pub struct AgentLock {
    _lock: Flock<File>,
}

impl AgentLock {
    /// Takes the lock and writes this process's pid and start time in it;
    /// `Ok(None)` when another agent holds it.
    pub fn acquire(paths: &Paths, background: bool) -> Result<Option<AgentLock>> {
        let dir = dir(paths);
        crate::paths::create_private_dir(&dir)
            .with_context(|| format!("cannot create the agent's directory {}", dir.display()))?;
        let path = lock_path(paths);
        let deadline = Instant::now() + ACQUIRE_RETRY;
        let mut lock = loop {
            let file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .mode(0o600)
                .open(&path)
                .with_context(|| format!("cannot open the agent's lock {}", path.display()))?;
            match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
                Ok(lock) => break lock,
                Err((_, Errno::EWOULDBLOCK)) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err((_, Errno::EWOULDBLOCK)) => return Ok(None),
                Err((_, errno)) => {
                    bail!("cannot lock the agent's lock {}: {errno}", path.display())
                }
            }
        };
        lock.set_len(0)?;
        let mode = if background {
            "background"
        } else {
            "foreground"
        };
        writeln!(lock, "{} {} {mode}", std::process::id(), now_ms())?;
        lock.sync_data()?;
        THIS_IS_THE_AGENT.store(true, Ordering::Relaxed);
        Ok(Some(AgentLock { _lock: lock }))
    }
}

/// Whether an agent holds the home's lock: open and one non-blocking flock.
fn held(lock: &Path) -> bool {
    let Ok(file) = File::open(lock) else {
        return false;
    };
    matches!(
        Flock::lock(file, FlockArg::LockSharedNonblock),
        Err((_, Errno::EWOULDBLOCK))
    )
}

/// The running agent, if there is one.
pub fn running(paths: &Paths) -> Option<Holder> {
    let path = lock_path(paths);
    // The holder writes its pid just after taking the lock: a reader may
    // come in between, so an empty file is read again.
    for _ in 0..50 {
        if !held(&path) {
            return None;
        }
        let mut text = String::new();
        File::open(&path).ok()?.read_to_string(&mut text).ok()?;
        let mut fields = text.split_whitespace();
        let mut number = || fields.next().and_then(|f| f.parse::<i64>().ok());
        if let (Some(pid), Some(since)) = (number(), number()) {
            return Some(Holder {
                pid: i32::try_from(pid).ok()?,
                since,
                background: text.split_whitespace().nth(2) == Some("background"),
            });
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    None
}

/// The running agent's daemon, on its socket: `Ok(None)` when no agent runs
/// (the caller spawns a daemon of its own, as before agents). An agent whose
/// daemon is restarting is waited for, up to [`CONNECT_WAIT`].
pub fn connect(paths: &Paths) -> Result<Option<DaemonClient>> {
    let socket = socket_path(paths);
    let deadline = Instant::now() + CONNECT_WAIT;
    loop {
        let err = match DaemonClient::connect(&socket) {
            Ok(client) => return Ok(Some(client)),
            Err(err) => err,
        };
        let Some(holder) = running(paths) else {
            return Ok(None);
        };
        if Instant::now() >= deadline {
            bail!(
                "the sync agent (pid {}) runs, but its daemon does not answer on {} ({err}); \
                 see {}, or restart it with `caro sync stop` and `caro sync start`",
                holder.pid,
                socket.display(),
                log_path(paths).display()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Starts an agent detached from this process (stdio on /dev/null, output
/// to `agent.log`; it leaves this session itself, see [`detach`]) and
/// returns at once.
pub fn spawn_detached() -> Result<()> {
    let exe = std::env::current_exe().context("cannot find caro's own program")?;
    Command::new(exe)
        .args(["sync", "watch", "--background"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("cannot start the sync agent")?;
    Ok(())
}

/// The background agent's first act: a session of its own, without a
/// controlling terminal, so a closed terminal or a Ctrl-C in the shell that
/// started it never reaches it. (Done here rather than between fork and
/// exec, which would need unsafe code.)
pub fn detach() {
    // Fails only for a process group leader, which a spawned child is not.
    let _ = nix::unistd::setsid();
}

/// `CARO_SYNC_AGENT=off`: no command starts an agent (scripts, CI, tests
/// of other things); `caro sync start` and `watch` still do.
pub const AGENT_ENV: &str = "CARO_SYNC_AGENT";

/// Whether the home wants an agent: sync is set up (its key file exists),
/// no key rotation is under way or waiting for a `join`, `auto_sync` is on,
/// and `CARO_SYNC_AGENT` is not `off`.
pub fn wanted(paths: &Paths, store: &Store) -> bool {
    if std::env::var_os(AGENT_ENV).is_some_and(|v| v == "off") {
        return false;
    }
    if !super::key_file(paths).is_file() || super::rotate_state::account_in_flux(paths) {
        return false;
    }
    let auto_sync = store
        .preference(PrefKey::AutoSync.name())
        .ok()
        .flatten()
        .map_or_else(|| PrefKey::AutoSync.default_value(), |p| p.value);
    auto_sync == Value::Bool(true) && matches!(store.sync_identity(), Ok(Some(_)))
}

/// For `caro history add` and the sync commands: starts an agent when the
/// home wants one and none runs. Never fails and never waits: the check is
/// the lock probe, the start a detached spawn.
pub fn start_if_wanted(store: &Store) {
    let Ok(paths) = Paths::from_env() else {
        return;
    };
    if held(&lock_path(&paths)) || !wanted(&paths, store) {
        return;
    }
    let _ = spawn_detached();
}

/// [`start_if_wanted`] for the sync commands, which no longer hold a store
/// when they end.
pub fn start_if_wanted_in(paths: &Paths) {
    if held(&lock_path(paths)) {
        return;
    }
    if Store::open_in(paths).is_ok_and(|store| wanted(paths, &store)) {
        let _ = spawn_detached();
    }
}

/// Starts an agent and waits until it holds the lock; the running one when
/// there is one already (`started` false).
pub fn start(paths: &Paths) -> Result<(Holder, bool)> {
    if let Some(holder) = running(paths) {
        return Ok((holder, false));
    }
    spawn_detached()?;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(holder) = running(paths) {
            return Ok((holder, true));
        }
        if Instant::now() >= deadline {
            bail!(
                "the sync agent did not start within 10 s; see {}",
                log_path(paths).display()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Stops the running agent: SIGTERM (it closes its daemon in order), then
/// SIGKILL after [`STOP_GRACE`]; returns once neither it nor its daemon
/// runs. `None` when no agent was running.
pub fn stop(paths: &Paths) -> Result<Option<Holder>> {
    let Some(holder) = running(paths) else {
        return Ok(None);
    };
    let pid = Pid::from_raw(holder.pid);
    let lock = lock_path(paths);
    let gone = |limit: Duration| {
        let deadline = Instant::now() + limit;
        while held(&lock) {
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        true
    };
    // The lock was held a moment ago by this pid: it is the agent.
    let _ = kill(pid, Signal::SIGTERM);
    if !gone(STOP_GRACE) {
        let _ = kill(pid, Signal::SIGKILL);
        if !gone(Duration::from_secs(2)) {
            bail!(
                "the sync agent (pid {}) did not stop after SIGKILL",
                holder.pid
            );
        }
    }
    // A killed agent's daemon sees its stdin close and stops within 1 s.
    let daemon_dir = super::daemon_dir(paths);
    let deadline = Instant::now() + Duration::from_secs(3);
    while daemon_pid(&daemon_dir).is_some() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    Ok(Some(holder))
}

/// Opens the agent's log for appending, moving a big one aside first.
pub fn open_log(paths: &Paths) -> Result<File> {
    let dir = dir(paths);
    crate::paths::create_private_dir(&dir)
        .with_context(|| format!("cannot create the agent's directory {}", dir.display()))?;
    let path = log_path(paths);
    if std::fs::metadata(&path).is_ok_and(|m| m.len() > LOG_ROTATE_BYTES) {
        let _ = std::fs::rename(&path, path.with_extension("log.1"));
    }
    OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(&path)
        .with_context(|| format!("cannot open the agent's log {}", path.display()))
}
