//! Auto-sync: after `caro history add`, when the `auto_sync` preference is on
//! and the last sync is older than `sync_frequency`, start `caro sync now
//! --quiet` detached and never wait for it. No runtime, no daemon, no error:
//! a failure here must never fail or slow the add.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

use serde_json::Value;

use crate::config::PrefKey;
use crate::daemon::lock::daemon_pid;
use crate::paths::Paths;
use crate::store::Store;
use crate::time::now_ms;

/// Stamp file: when a background sync was last started.
const STAMP: &str = "auto-sync.started";
/// A background sync started less than this long ago is still running, or
/// just failed: do not start another one.
const MIN_INTERVAL: Duration = Duration::from_secs(30);

/// Starts a background sync if one is due. Call after a successful add.
pub fn after_add(store: &Store) {
    if let Ok(paths) = Paths::from_env() {
        let _ = start_if_due(store, &paths);
    }
}

fn start_if_due(store: &Store, paths: &Paths) -> Option<()> {
    let pref = |key: PrefKey| {
        store
            .preference(key.name())
            .ok()
            .flatten()
            .map_or_else(|| key.default_value(), |p| p.value)
    };
    if pref(PrefKey::AutoSync) != Value::Bool(true) {
        return None;
    }
    let identity = store.sync_identity().ok()??;
    let frequency_ms = pref(PrefKey::SyncFrequency).as_i64()?.saturating_mul(1000);
    if identity
        .last_sync_at
        .is_some_and(|last| now_ms().saturating_sub(last) < frequency_ms)
    {
        return None;
    }
    if !super::key_file(paths).is_file() {
        return None;
    }
    let dir = super::daemon_dir(paths);
    if daemon_pid(&dir).is_some() || recently_started(&dir.join(STAMP)) {
        return None;
    }
    fs::create_dir_all(&dir).ok()?;
    fs::write(dir.join(STAMP), now_ms().to_string()).ok()?;
    let exe = std::env::current_exe().ok()?;
    use std::os::unix::process::CommandExt;
    Command::new(exe)
        .args(["sync", "now", "--quiet"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .ok()?;
    Some(())
}

fn recently_started(stamp: &Path) -> bool {
    fs::metadata(stamp)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| SystemTime::now().duration_since(t).ok())
        .is_some_and(|age| age < MIN_INTERVAL)
}
