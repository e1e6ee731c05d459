//! A JSON-RPC 2.0 client for the daemon: over the stdin and stdout of a
//! daemon caro spawned, or over the unix socket of the one daemon the home's
//! background agent keeps ([`DaemonClient::connect`]).
//!
//! Reader tasks ([`super::reader`]) route responses to their callers by id
//! and notifications to a channel, and keep the last lines of a spawned
//! daemon's stderr, so that when it dies its last words go into the error.
//! Every call has a timeout. [`DaemonClient::close`] asks a spawned daemon to
//! shut down, then ends its stdin, then sends SIGTERM, then SIGKILL, waiting
//! a little between; on a socket it only hangs up (the agent's daemon stays).
//!
//! A spawned daemon is never left running: dropping the client without
//! `close` stops it, and so does a signal to caro (see [`super::stop`]).

use std::io;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::net::UnixStream;
use tokio::process::{Child, Command};
use tokio::sync::{mpsc, oneshot, watch};

use super::locate::CommandLine;
use super::protocol::{Request, RpcErrorKind, ShutdownParams, ShutdownResult, SHUTDOWN};
use super::reader::{read_output, read_stderr, Answer, Shared};
use super::stop::{self, has_exited, lock_child, terminate, StopSignals, TERM_GRACE};
/// Something the daemon said without being asked (`sync.changed`, `sync.state`).
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    pub method: String,
    pub params: Value,
}

/// Why a call to the daemon failed.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error("cannot start the sync daemon ({program}); set CARO_SYNC_DAEMON to its command line")]
    Spawn {
        program: String,
        #[source]
        source: io::Error,
    },
    /// The daemon answered with a JSON-RPC error; `kind` is its `data.kind`.
    #[error("{message}")]
    Rpc {
        method: String,
        code: i64,
        kind: RpcErrorKind,
        message: String,
    },
    #[error("the sync daemon stopped ({status}) during {method}{tail}")]
    Died {
        method: String,
        status: String,
        /// The end of its stderr, formatted for the message.
        tail: String,
    },
    #[error("the sync daemon did not answer {method} within {}s", timeout.as_secs_f32())]
    Timeout { method: String, timeout: Duration },
    #[error("the sync daemon's answer to {method} is not what PROTOCOL.md says: {detail}")]
    Protocol { method: String, detail: String },
}

impl DaemonError {
    /// The daemon's `data.kind` for an error it answered with.
    pub fn kind(&self) -> Option<&RpcErrorKind> {
        match self {
            DaemonError::Rpc { kind, .. } => Some(kind),
            _ => None,
        }
    }
}

/// A request on its way; [`DaemonClient::answer`] waits for its answer.
#[derive(Debug)]
pub struct PendingCall {
    id: u64,
    method: String,
    answer: oneshot::Receiver<Answer>,
}

/// The daemon's process, when caro spawned it (none on the agent's socket).
struct Spawned {
    pid: Option<u32>,
    child: Arc<Mutex<Child>>,
    /// Stops the daemon and caro on SIGINT/SIGTERM/SIGHUP, until close or drop.
    signals: Option<StopSignals>,
}

type Writer = Box<dyn AsyncWrite + Send + Unpin>;

/// A running daemon and the connection to it.
pub struct DaemonClient {
    program: String,
    spawned: Option<Spawned>,
    /// The daemon's stdin, or the socket's writing half.
    stdin: tokio::sync::Mutex<Option<Writer>>,
    shared: Arc<Shared>,
    next_id: AtomicU64,
    notifications: Option<mpsc::UnboundedReceiver<Notification>>,
    stderr_done: watch::Receiver<bool>,
}

impl DaemonClient {
    /// Starts the daemon on `data_dir` in its own process group (a Ctrl-C in
    /// the terminal reaches caro, which then shuts the daemon down in order).
    /// With `echo_stderr` its log lines are copied to caro's stderr as they come.
    /// Without `tls` (the relay is plain `ws://`) the daemon starts without
    /// `NODE_EXTRA_CA_CERTS`: Node parses that bundle at start-up (45–60 ms of
    /// every sync where it is set), and a plain WebSocket uses no certificate.
    pub fn spawn(
        command: &CommandLine,
        data_dir: &Path,
        echo_stderr: bool,
        tls: bool,
    ) -> Result<Self, DaemonError> {
        Self::spawn_serving(command, data_dir, None, echo_stderr, tls)
    }

    /// [`DaemonClient::spawn`], the daemon also serving on the unix socket
    /// `socket` (the agent's daemon, for every other caro of the home).
    pub fn spawn_serving(
        command: &CommandLine,
        data_dir: &Path,
        socket: Option<&Path>,
        echo_stderr: bool,
        tls: bool,
    ) -> Result<Self, DaemonError> {
        let program = command.display();
        // Caught from before the daemon exists, so no signal can end caro
        // by default and leave it behind.
        let signals = if stop::signals_stop_caro() {
            Some(
                StopSignals::register().map_err(|source| DaemonError::Spawn {
                    program: program.clone(),
                    source,
                })?,
            )
        } else {
            None
        };
        let mut command_line = Command::new(&command.program);
        command_line.args(&command.args);
        if !tls {
            command_line.env_remove("NODE_EXTRA_CA_CERTS");
        }
        if let Some(socket) = socket {
            command_line.arg("--socket").arg(socket);
        }
        let mut child = command_line
            .arg("--data-dir")
            .arg(data_dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            // A last resort: Drop below stops it in order first.
            .kill_on_drop(true)
            .spawn()
            .map_err(|source| DaemonError::Spawn {
                program: program.clone(),
                source,
            })?;
        let (Some(stdin), Some(stdout), Some(stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            return Err(DaemonError::Spawn {
                program,
                source: io::Error::other("the child's stdio pipes are missing"),
            });
        };
        let shared = Shared::new();
        let (notify_tx, notify_rx) = mpsc::unbounded_channel();
        let (done_tx, done_rx) = watch::channel(false);
        tokio::spawn(read_output(stdout, Arc::clone(&shared), notify_tx));
        tokio::spawn(read_stderr(
            stderr,
            Arc::clone(&shared),
            echo_stderr,
            done_tx,
        ));
        let pid = child.id();
        let child = Arc::new(Mutex::new(child));
        if let Some(signals) = &signals {
            signals.watch(Arc::clone(&child));
        }
        Ok(DaemonClient {
            program,
            spawned: Some(Spawned {
                pid,
                child,
                signals,
            }),
            stdin: tokio::sync::Mutex::new(Some(Box::new(stdin))),
            shared,
            next_id: AtomicU64::new(1),
            notifications: Some(notify_rx),
            stderr_done: done_rx,
        })
    }

    /// Connects to a running daemon's unix socket (the agent's): a session
    /// of its own on that daemon, which stays when this client goes. Call
    /// within the runtime; the connect itself is one syscall (a local socket
    /// accepts at once or refuses).
    pub fn connect(socket: &Path) -> io::Result<Self> {
        let stream = std::os::unix::net::UnixStream::connect(socket)?;
        stream.set_nonblocking(true)?;
        let (output, input) = UnixStream::from_std(stream)?.into_split();
        let shared = Shared::new();
        let (notify_tx, notify_rx) = mpsc::unbounded_channel();
        tokio::spawn(read_output(output, Arc::clone(&shared), notify_tx));
        // No stderr to drain: the daemon's log is its own process's.
        let (_, done_rx) = watch::channel(true);
        Ok(DaemonClient {
            program: format!("the agent's daemon on {}", socket.display()),
            spawned: None,
            stdin: tokio::sync::Mutex::new(Some(Box::new(input))),
            shared,
            next_id: AtomicU64::new(1),
            notifications: Some(notify_rx),
            stderr_done: done_rx,
        })
    }

    /// The command line it was started with.
    pub fn program(&self) -> &str {
        &self.program
    }

    /// The notifications channel; can be taken once.
    pub fn take_notifications(&mut self) -> Option<mpsc::UnboundedReceiver<Notification>> {
        self.notifications.take()
    }

    /// Calls `method` and waits up to `timeout` for its answer.
    pub async fn call<P: Serialize, R: DeserializeOwned>(
        &self,
        method: &str,
        params: &P,
        timeout: Duration,
    ) -> Result<R, DaemonError> {
        let pending = self.send(method, params).await?;
        self.answer(pending, timeout).await
    }

    /// Sends a request without waiting for its answer, so that the caller
    /// can work while the daemon does ([`DaemonClient::answer`] collects it).
    pub async fn send<P: Serialize>(
        &self,
        method: &str,
        params: &P,
    ) -> Result<PendingCall, DaemonError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        let registered = {
            let mut waiters = self.shared.waiters();
            if !waiters.closed {
                waiters.by_id.insert(id, tx);
            }
            !waiters.closed
        };
        if !registered {
            return Err(self.died(method).await);
        }
        let mut line = serde_json::to_vec(&Request {
            jsonrpc: "2.0",
            id,
            method,
            params,
        })
        .map_err(|e| DaemonError::Protocol {
            method: method.to_string(),
            detail: format!("cannot encode the request: {e}"),
        })?;
        line.push(b'\n');
        let written = {
            let mut stdin = self.stdin.lock().await;
            match stdin.as_mut() {
                Some(stdin) => stdin.write_all(&line).await.is_ok(),
                None => false,
            }
        };
        if !written {
            self.shared.waiters().by_id.remove(&id);
            return Err(self.died(method).await);
        }
        Ok(PendingCall {
            id,
            method: method.to_string(),
            answer: rx,
        })
    }

    /// Waits up to `timeout` for the answer to a request sent with
    /// [`DaemonClient::send`].
    pub async fn answer<R: DeserializeOwned>(
        &self,
        pending: PendingCall,
        timeout: Duration,
    ) -> Result<R, DaemonError> {
        let PendingCall { id, method, answer } = pending;
        let answer = match tokio::time::timeout(timeout, answer).await {
            Err(_) => {
                self.shared.waiters().by_id.remove(&id);
                return Err(DaemonError::Timeout { method, timeout });
            }
            Ok(Err(_)) => return Err(self.died(&method).await),
            Ok(Ok(answer)) => answer,
        };
        match answer {
            Ok(value) => serde_json::from_value(value).map_err(|e| DaemonError::Protocol {
                method,
                detail: e.to_string(),
            }),
            Err(error) => Err(DaemonError::Rpc {
                method,
                code: error.code,
                kind: RpcErrorKind::from_wire(
                    error
                        .data
                        .and_then(|d| d.kind)
                        .as_deref()
                        .unwrap_or("unknown"),
                ),
                message: error.message,
            }),
        }
    }

    /// Builds the error for a daemon that went away, with its exit status and
    /// the end of its stderr (given a moment to drain).
    async fn died(&self, method: &str) -> DaemonError {
        let mut done = self.stderr_done.clone();
        let _ = tokio::time::timeout(Duration::from_millis(500), done.wait_for(|d| *d)).await;
        let status = match &self.spawned {
            Some(spawned) => {
                let mut status = None;
                for _ in 0..10 {
                    status = lock_child(&spawned.child).try_wait().ok().flatten();
                    if status.is_some() {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                status.map_or_else(|| "still running".to_string(), describe_status)
            }
            None => "it closed the connection".to_string(),
        };
        let tail = self.shared.stderr_tail();
        DaemonError::Died {
            method: method.to_string(),
            status,
            tail: if tail.is_empty() {
                String::new()
            } else {
                format!("; its last log lines:\n    {}", tail.join("\n    "))
            },
        }
    }

    /// Stops a spawned daemon: `daemon.shutdown` (it flushes to the relay
    /// for up to `flush_timeout`), then end of stdin, then SIGTERM, then
    /// SIGKILL. Returns whether the daemon said everything reached the relay.
    /// On the agent's socket it only hangs up: that daemon keeps running and
    /// flushing (so this returns true).
    pub async fn close(self, flush_timeout: Duration) -> bool {
        let Some(spawned) = &self.spawned else {
            if let Some(mut socket) = self.stdin.lock().await.take() {
                let _ = socket.shutdown().await;
            }
            return true;
        };
        let timeout_ms = u64::try_from(flush_timeout.as_millis()).unwrap_or(u64::MAX);
        let acknowledged = self
            .call::<_, ShutdownResult>(
                SHUTDOWN,
                &ShutdownParams { timeout_ms },
                flush_timeout + Duration::from_secs(3),
            )
            .await
            .is_ok_and(|r| r.acknowledged);
        self.stdin.lock().await.take();
        let child = &spawned.child;
        if !exits_within(child, Duration::from_secs(3)).await {
            if let Some(pid) = spawned.pid.and_then(|p| i32::try_from(p).ok()) {
                let _ = kill(Pid::from_raw(pid), Signal::SIGTERM);
            }
            if !exits_within(child, TERM_GRACE).await {
                let _ = lock_child(child).start_kill();
                exits_within(child, Duration::from_secs(1)).await;
            }
        }
        acknowledged
    }

    /// The spawned daemon's pid (none on the agent's socket).
    pub fn pid(&self) -> Option<u32> {
        self.spawned.as_ref().and_then(|s| s.pid)
    }
}

/// Whether the daemon has exited (and is reaped) within `limit`.
async fn exits_within(child: &Mutex<Child>, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if has_exited(&mut lock_child(child)) {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

impl Drop for DaemonClient {
    /// Without `close` (an error path, a cancelled command): stop the daemon now.
    fn drop(&mut self) {
        if let Some(spawned) = &self.spawned {
            if let Some(signals) = &spawned.signals {
                signals.forget();
            }
            terminate(&spawned.child);
        }
    }
}

fn describe_status(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit code {code}"),
        (None, Some(signal)) => Signal::try_from(signal)
            .map_or_else(|_| format!("signal {signal}"), |s| format!("killed by {s}")),
        _ => status.to_string(),
    }
}
