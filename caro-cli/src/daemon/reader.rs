//! The reading half of a connection to the daemon, whichever its transport
//! (the child's stdout, or the agent daemon's unix socket): responses go to
//! their callers by id, notifications to a channel; and the child's stderr,
//! whose last lines are kept so that a daemon's death can be explained.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, BufReader};
use tokio::sync::{mpsc, oneshot, watch};

use super::client::Notification;
use super::protocol::{Incoming, RpcErrorObject, MAX_LINE_BYTES};

/// How many lines of the daemon's stderr an error quotes.
pub(super) const STDERR_TAIL_LINES: usize = 12;

pub(super) type Answer = Result<serde_json::Value, RpcErrorObject>;

#[derive(Default)]
pub(super) struct Waiters {
    pub(super) by_id: HashMap<u64, oneshot::Sender<Answer>>,
    /// The daemon's output ended: no answer will ever come.
    pub(super) closed: bool,
}

/// What the reader tasks and the callers share.
pub(super) struct Shared {
    waiters: Mutex<Waiters>,
    stderr_tail: Mutex<VecDeque<String>>,
}

impl Shared {
    pub(super) fn new() -> Arc<Shared> {
        Arc::new(Shared {
            waiters: Mutex::new(Waiters::default()),
            stderr_tail: Mutex::new(VecDeque::with_capacity(STDERR_TAIL_LINES)),
        })
    }

    pub(super) fn waiters(&self) -> MutexGuard<'_, Waiters> {
        self.waiters.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The last lines of the daemon's stderr, oldest first.
    pub(super) fn stderr_tail(&self) -> Vec<String> {
        self.stderr_tail
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .cloned()
            .collect()
    }

    fn note(&self, line: String) {
        let mut tail = self
            .stderr_tail
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if tail.len() == STDERR_TAIL_LINES {
            tail.pop_front();
        }
        tail.push_back(line);
    }
}

/// Reads JSON-RPC lines until the output ends, then wakes every caller.
pub(super) async fn read_output<R: AsyncRead + Unpin>(
    output: R,
    shared: Arc<Shared>,
    notifications: mpsc::UnboundedSender<Notification>,
) {
    let mut reader = BufReader::with_capacity(1 << 16, output);
    let mut line = Vec::new();
    loop {
        line.clear();
        let cap = MAX_LINE_BYTES as u64 + 1;
        match (&mut reader).take(cap).read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => break,
            Ok(_) if line.len() > MAX_LINE_BYTES => {
                // Framing is lost past an over-long line: treat it as the end.
                shared.note(format!(
                    "caro: the daemon sent a line over {MAX_LINE_BYTES} bytes"
                ));
                break;
            }
            Ok(_) => {}
        }
        if line.trim_ascii().is_empty() {
            continue;
        }
        let Ok(message) = serde_json::from_slice::<Incoming>(&line) else {
            shared.note("caro: the daemon wrote a line that is not JSON-RPC".into());
            continue;
        };
        match (message.id, message.method) {
            (None, Some(method)) => {
                let _ = notifications.send(Notification {
                    method,
                    params: message.params,
                });
            }
            (Some(id), _) => {
                let Some(id) = id.as_u64() else {
                    // An error about a line the daemon could not attribute
                    // (parse error, line too long): nobody to give it to.
                    if let Some(error) = message.error {
                        shared.note(format!("caro: daemon error: {}", error.message));
                    }
                    continue;
                };
                let answer = match message.error {
                    Some(error) => Err(error),
                    None => Ok(message.result),
                };
                if let Some(waiter) = shared.waiters().by_id.remove(&id) {
                    let _ = waiter.send(answer);
                }
            }
            (None, None) => {}
        }
    }
    let mut waiters = shared.waiters();
    waiters.closed = true;
    // Dropping the senders wakes every caller with "the daemon went away".
    waiters.by_id.clear();
}

/// Keeps the last lines of the child's stderr (copied to caro's with `echo`).
pub(super) async fn read_stderr<R: AsyncRead + Unpin>(
    stderr: R,
    shared: Arc<Shared>,
    echo: bool,
    done: watch::Sender<bool>,
) {
    let mut lines = BufReader::new(stderr).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if echo {
            eprintln!("daemon: {line}");
        }
        shared.note(line);
    }
    let _ = done.send(true);
}
