//! Turns at the sync: the processes of one home (the agent, a `caro sync`,
//! a `caro sync devices`) share one daemon, one outbox and one set of
//! verified chains, so a push or a pull runs in one process at a time. The
//! turn is a kernel flock on `<home>/sync/turn.lock`: a process that dies
//! gives it up, and a later one never waits on a dead holder.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use nix::errno::Errno;
use nix::fcntl::{Flock, FlockArg};

use crate::paths::Paths;

/// How long a process waits for another's push or pull to end: a first
/// upload of a long history takes a while; a stuck holder would be killed by
/// the agent's health check long before.
const WAIT: Duration = Duration::from_secs(120);
const POLL: Duration = Duration::from_millis(20);

/// The home's turn lock, taken by one session at a time.
pub struct Turns {
    path: PathBuf,
    /// This session holds the turn: nested steps (a sync's push and pull)
    /// take it once.
    held: Arc<AtomicBool>,
}

/// A turn, given up when dropped.
pub struct Turn {
    lock: Option<Flock<File>>,
    held: Arc<AtomicBool>,
}

impl Drop for Turn {
    fn drop(&mut self) {
        if self.lock.take().is_some() {
            self.held.store(false, Ordering::Release);
        }
    }
}

impl Turns {
    pub fn new(paths: &Paths) -> Turns {
        Turns {
            path: super::agent::dir(paths).join("turn.lock"),
            held: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Waits (bounded) until no other process of the home pushes or pulls.
    pub async fn take(&self) -> Result<Turn> {
        if self.held.swap(true, Ordering::AcqRel) {
            return Ok(Turn {
                lock: None,
                held: Arc::clone(&self.held),
            });
        }
        match self.lock().await {
            Ok(lock) => Ok(Turn {
                lock: Some(lock),
                held: Arc::clone(&self.held),
            }),
            Err(err) => {
                self.held.store(false, Ordering::Release);
                Err(err)
            }
        }
    }

    async fn lock(&self) -> Result<Flock<File>> {
        if let Some(dir) = self.path.parent() {
            crate::paths::create_private_dir(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let deadline = Instant::now() + WAIT;
        loop {
            let file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .mode(0o600)
                .open(&self.path)
                .with_context(|| format!("cannot open {}", self.path.display()))?;
            match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
                Ok(lock) => return Ok(lock),
                Err((_, Errno::EWOULDBLOCK)) if Instant::now() < deadline => {
                    tokio::time::sleep(POLL).await;
                }
                Err((_, Errno::EWOULDBLOCK)) => bail!(
                    "another caro process of this home has been syncing for {} s; \
                     try again later, or stop the agent with `caro sync stop`",
                    WAIT.as_secs()
                ),
                Err((_, errno)) => bail!("cannot lock {}: {errno}", self.path.display()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turns_in(dir: &std::path::Path) -> Turns {
        Turns {
            path: dir.join("turn.lock"),
            held: Arc::new(AtomicBool::new(false)),
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_session_takes_its_turn_once_and_another_waits_for_it() {
        let dir = tempfile::tempdir().unwrap();
        let first = turns_in(dir.path());
        let second = turns_in(dir.path());
        let outer = first.take().await.unwrap();
        let nested = first.take().await.unwrap();
        assert!(nested.lock.is_none(), "a nested step reuses the turn");
        drop(nested);
        assert!(first.held.load(Ordering::Acquire), "the outer turn is kept");
        let waiting = tokio::spawn(async move { second.take().await.map(|t| t.lock.is_some()) });
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(!waiting.is_finished(), "the other session waits");
        drop(outer);
        assert!(
            waiting.await.unwrap().unwrap(),
            "and gets the turn once it is free"
        );
    }
}
