//! Who holds the daemon's lock: the living process that owns the daemon's
//! directory, as the kernel says, never a pid read from a file.
//!
//! The daemon (`sync-daemon/src/daemon/lock.ts`) keeps a `BEGIN EXCLUSIVE`
//! transaction open on `daemon.lock`, an empty SQLite file, so SQLite holds a
//! POSIX (fcntl) write lock on its lock bytes; the kernel drops it when the
//! daemon dies. `fcntl(F_GETLK)` over those bytes asks, without taking
//! anything, which process holds them: a stale file never blocks, and a pid
//! reused by another process is never taken for the daemon.

use std::fs::File;
use std::path::Path;

use nix::fcntl::{fcntl, FcntlArg};
use nix::libc;

/// The lock file in the daemon's directory.
pub const LOCK_FILE: &str = "daemon.lock";
/// SQLite's PENDING_BYTE, where its lock bytes start (its unix VFS, os_unix.c).
const LOCK_RANGE_START: libc::off_t = 0x4000_0000;
/// PENDING, RESERVED and the 510 SHARED bytes.
const LOCK_RANGE_LEN: libc::off_t = 512;

/// The pid of the process holding the daemon's lock in `daemon_dir`, if any.
pub fn daemon_pid(daemon_dir: &Path) -> Option<i32> {
    let file = File::open(daemon_dir.join(LOCK_FILE)).ok()?;
    let mut probe = libc::flock {
        l_type: libc::F_WRLCK as libc::c_short,
        l_whence: libc::SEEK_SET as libc::c_short,
        l_start: LOCK_RANGE_START,
        l_len: LOCK_RANGE_LEN,
        l_pid: 0,
    };
    fcntl(&file, FcntlArg::F_GETLK(&mut probe)).ok()?;
    // `l_type` is a c_short everywhere, the F_ constants are c_int on Linux
    // and c_short on macOS: compare as the field's type.
    (probe.l_type != libc::F_UNLCK as libc::c_short && probe.l_pid > 0).then_some(probe.l_pid)
}
