//! The daemon's lock file (`daemon.lock` in its directory, written by the
//! daemon with its pid): whether a daemon is running on this installation,
//! so that a second one is not started on the same store.

use std::fs;
use std::path::Path;

/// The pid in the daemon's lock file, if that process is alive.
pub fn daemon_pid(daemon_dir: &Path) -> Option<i32> {
    let text = fs::read_to_string(daemon_dir.join("daemon.lock")).ok()?;
    let pid: i32 = text.trim().parse().ok().filter(|pid| *pid > 0)?;
    let alive = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_ok();
    alive.then_some(pid)
}
