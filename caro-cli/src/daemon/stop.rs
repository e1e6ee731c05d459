//! Stopping the daemon's process so that none is ever left running: in
//! order (SIGTERM, a grace period, SIGKILL) when caro drops a client it
//! could not close, and when caro itself gets SIGINT, SIGTERM or SIGHUP
//! (Ctrl-C, a closed terminal): those are caught from before the daemon is
//! spawned, stop it, and end caro with 128 + the signal. A command that
//! handles signals itself (`caro sync watch`) opts out. A caro killed with
//! SIGKILL is covered by the daemon: it exits on stdin EOF by itself.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use tokio::process::Child;
use tokio::signal::unix::{signal, SignalKind};

/// How long a daemon told to stop (SIGTERM) has before SIGKILL. It stops
/// within 1 s of a signal or of stdin EOF (PROTOCOL.md); this leaves margin
/// and still ends everything within 2 s of caro being interrupted.
pub(super) const TERM_GRACE: Duration = Duration::from_millis(1500);

/// Set when the command handles SIGINT/SIGTERM itself.
static COMMAND_HANDLES_SIGNALS: AtomicBool = AtomicBool::new(false);

/// For a command that stops on a signal by itself and closes its daemon
/// (`caro sync watch`): daemons started after this do not end caro on a signal.
pub fn leave_signals_to_the_command() {
    COMMAND_HANDLES_SIGNALS.store(true, Ordering::Relaxed);
}

/// Whether daemons spawned now stop caro on a signal.
pub(super) fn signals_stop_caro() -> bool {
    !COMMAND_HANDLES_SIGNALS.load(Ordering::Relaxed)
}

pub(super) fn lock_child(child: &Mutex<Child>) -> std::sync::MutexGuard<'_, Child> {
    child.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Exited and reaped, or no longer ours to wait for.
pub(super) fn has_exited(child: &mut Child) -> bool {
    !matches!(child.try_wait(), Ok(None))
}

/// SIGTERM, up to [`TERM_GRACE`] to exit, then SIGKILL; blocking (it runs
/// when caro is about to exit, or drops a client it could not close).
pub(super) fn terminate(child: &Mutex<Child>) {
    let mut child = lock_child(child);
    if has_exited(&mut child) {
        return;
    }
    // `id` is None once reaped, so a pid reused since is never signalled.
    if let Some(pid) = child.id().and_then(|p| i32::try_from(p).ok()) {
        let _ = kill(Pid::from_raw(pid), Signal::SIGTERM);
    }
    let exited_within = |child: &mut Child, limit: Duration| {
        let deadline = Instant::now() + limit;
        while !has_exited(child) {
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        true
    };
    if !exited_within(&mut child, TERM_GRACE) {
        let _ = child.start_kill();
        exited_within(&mut child, Duration::from_secs(1));
    }
}

/// SIGINT, SIGTERM and SIGHUP, caught and waited for on a thread of their
/// own (with its own small runtime), so a signal is acted on at once even
/// while caro's runtime is busy in a long step (applying a large pulled page
/// to SQLite, deriving keys): Ctrl-C never waits for that step to end.
pub(super) struct StopSignals {
    /// The daemon to stop; empty until it is spawned.
    daemon: Arc<Mutex<Option<Arc<Mutex<Child>>>>>,
}

impl StopSignals {
    /// Starts the signal thread and returns once the signals are caught.
    pub(super) fn register() -> io::Result<StopSignals> {
        let daemon = Arc::new(Mutex::new(None));
        let watched = Arc::clone(&daemon);
        let (ready, caught) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("caro-signals".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(err) => {
                        let _ = ready.send(Err(err));
                        return;
                    }
                };
                runtime.block_on(async move {
                    let registered = (|| {
                        Ok::<_, io::Error>((
                            signal(SignalKind::interrupt())?,
                            signal(SignalKind::terminate())?,
                            signal(SignalKind::hangup())?,
                        ))
                    })();
                    let (mut int, mut term, mut hup) = match registered {
                        Ok(signals) => {
                            let _ = ready.send(Ok(()));
                            signals
                        }
                        Err(err) => {
                            let _ = ready.send(Err(err));
                            return;
                        }
                    };
                    let received = tokio::select! {
                        _ = int.recv() => Signal::SIGINT,
                        _ = term.recv() => Signal::SIGTERM,
                        _ = hup.recv() => Signal::SIGHUP,
                    };
                    stop_and_exit(received, &watched);
                });
            })?;
        caught
            .recv()
            .map_err(|_| io::Error::other("the signal thread ended before it was ready"))??;
        Ok(StopSignals { daemon })
    }

    /// From now on a signal stops `child` before caro exits.
    pub(super) fn watch(&self, child: Arc<Mutex<Child>>) {
        *self.daemon.lock().unwrap_or_else(PoisonError::into_inner) = Some(child);
    }

    /// The daemon is closed: a later signal just ends caro.
    pub(super) fn forget(&self) {
        self.daemon
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
    }
}

/// The signal caro is stopping for; held while the daemon is being stopped,
/// so the main thread (whose calls fail as the daemon goes) cannot exit first
/// with its own status.
static STOPPING: Mutex<Option<Signal>> = Mutex::new(None);

/// For `main`, before it exits: if a signal is stopping caro, wait for that
/// to finish (it ends the process with 128 + the signal).
pub fn wait_if_stopping() {
    let stopping = STOPPING.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(signal) = *stopping {
        std::process::exit(128 + signal as i32);
    }
}

/// Stops the daemon (if one was spawned) and ends caro with 128 + the signal
/// (the shell's convention, e.g. 130 for Ctrl-C).
fn stop_and_exit(received: Signal, daemon: &Mutex<Option<Arc<Mutex<Child>>>>) -> ! {
    let mut stopping = STOPPING.lock().unwrap_or_else(PoisonError::into_inner);
    *stopping = Some(received);
    // stderr may be gone with the terminal: a failed write changes nothing.
    let _ = writeln!(
        io::stderr(),
        "caro: stopped by {}; the sync daemon is stopped too (queued changes go out with the next sync)",
        received.as_str()
    );
    let child = daemon.lock().unwrap_or_else(PoisonError::into_inner).take();
    if let Some(child) = child {
        terminate(&child);
    }
    std::process::exit(128 + received as i32);
}
