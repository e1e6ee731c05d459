//! Other local users (issue 12): caro refuses a home another user owns or
//! could write and a planted SQLite file beside its database, creates every
//! file private, and runs a daemon only from where the user put one.

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use crate::util::{caro_bin, repo_root, stderr_of, Device, Home, Relay};

fn mode(path: &Path) -> u32 {
    fs::symlink_metadata(path).unwrap().permissions().mode() & 0o7777
}

#[test]
fn a_home_others_can_write_is_refused_with_the_fix() {
    let home = Home::new();
    fs::set_permissions(home.path(), fs::Permissions::from_mode(0o777)).unwrap();
    let out = home
        .caro()
        .args(["history", "add", "--command", "ls"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let message = stderr_of(&out);
    assert!(
        message.contains(&format!("refusing to use {}", home.path().display())),
        "{message}"
    );
    assert!(message.contains("writable by group and others (mode 0777)"));
    assert!(message.contains(&format!("chmod 700 {}", home.path().display())));
    assert!(!home.db().exists(), "nothing is created in a refused home");

    fs::set_permissions(home.path(), fs::Permissions::from_mode(0o770)).unwrap();
    let group = home.caro().args(["history", "list"]).output().unwrap();
    assert!(stderr_of(&group).contains("writable by its group (mode 0770)"));

    fs::set_permissions(home.path(), fs::Permissions::from_mode(0o700)).unwrap();
    home.add("ls");
}

#[test]
fn a_home_of_another_user_is_refused() {
    let home = Home::new();
    let dir = home.path().join("theirs");
    fs::create_dir(&dir).unwrap();
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).unwrap();
    if std::os::unix::fs::chown(&dir, Some(65534), None).is_err() {
        eprintln!("SKIPPED: handing a directory to another user needs root");
        return;
    }
    let out = crate::util::caro_in(&dir)
        .args(["history", "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let message = stderr_of(&out);
    assert!(
        message.contains("belongs to another user (uid 65534"),
        "{message}"
    );
    assert!(message.contains("set CARO_HOME to a directory of your own"));
}

#[test]
fn a_planted_sqlite_file_beside_the_database_is_refused() {
    for suffix in ["-wal", "-shm", "-journal"] {
        let home = Home::new();
        let planted = home.path().join(format!("history.db{suffix}"));
        fs::write(&planted, b"").unwrap();
        fs::set_permissions(&planted, fs::Permissions::from_mode(0o666)).unwrap();
        let out = home
            .caro()
            .args(["history", "add", "--command", "echo secret-token"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{suffix}");
        let message = stderr_of(&out);
        assert!(
            message.contains(&format!("refusing to use {}", planted.display())),
            "{message}"
        );
        assert!(message.contains(&format!("chmod 600 {}", planted.display())));
        assert_eq!(
            fs::read(&planted).unwrap(),
            b"",
            "nothing was written to it"
        );
    }
}

#[test]
fn an_existing_database_readable_by_others_is_made_private() {
    let home = Home::new();
    home.add("ls");
    fs::set_permissions(home.db(), fs::Permissions::from_mode(0o644)).unwrap();
    home.add("pwd");
    assert_eq!(mode(&home.db()), 0o600);
}

/// Every file and directory in `dir`, recursively.
fn walk(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        found.push(path.clone());
        if fs::symlink_metadata(&path).unwrap().is_dir() {
            walk(&path, found);
        }
    }
}

#[test]
fn a_fresh_home_holds_only_private_files_after_recording_and_syncing() {
    let relay = Relay::start();
    let device = Device::new("A", &relay);
    // A home caro creates itself, below the test's own directory.
    let home_dir = device.home.path().join("new/home");
    let caro = |args: &[&str]| {
        let out = device
            .caro()
            .env("CARO_HOME", &home_dir)
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", stderr_of(&out));
    };
    caro(&["history", "add", "--command", "ls", "--exit-code", "0"]);
    caro(&["config", "set", "auto_sync", "on"]);
    caro(&["sync", "init", "--json"]);
    caro(&["history", "add", "--command", "pwd", "--exit-code", "0"]);
    caro(&["sync"]);

    let mut found = vec![home_dir.clone(), home_dir.parent().unwrap().to_path_buf()];
    walk(&home_dir, &mut found);
    assert!(found.iter().any(|p| p.ends_with("history.db-wal")));
    assert!(found.iter().any(|p| p.ends_with("sync.key")));
    assert!(found.iter().any(|p| p.ends_with("sync-daemon")));
    for path in &found {
        let meta = fs::symlink_metadata(path).unwrap();
        let expected = if meta.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(
            mode(path),
            expected,
            "{} has mode {:04o}",
            path.display(),
            mode(path)
        );
        assert_eq!(meta.uid(), nix::unistd::geteuid().as_raw());
    }
}

/// A copy of the `caro` binary at `dir/bin/caro`.
fn copied_caro(dir: &Path) -> std::path::PathBuf {
    let bin = dir.join("bin");
    fs::create_dir_all(&bin).unwrap();
    let copy = bin.join("caro");
    fs::copy(caro_bin(), &copy).unwrap();
    copy
}

#[test]
fn a_moved_binary_never_runs_the_daemon_of_the_tree_it_was_built_in() {
    let home = Home::new();
    let exe = copied_caro(home.path());
    // The build tree's daemon is there and runnable...
    assert!(repo_root()
        .join("sync-daemon/dist/caro-sync-daemon.cjs")
        .is_file());
    // ...but a caro that lives elsewhere does not reach back for it.
    let run = || {
        std::process::Command::new(&exe)
            .env("CARO_HOME", home.path().join("home"))
            .env("PATH", which::which("node").unwrap().parent().unwrap())
            .env_remove("CARO_SYNC_DAEMON")
            .env_remove("CARO_SYNC_RELAY")
            .args(["sync", "init", "--json", "--relay", "ws://127.0.0.1:9"])
            .output()
    };
    // A test running beside this one may fork while the copy was still open
    // for writing (its child holds the fd until exec): "text file busy".
    let mut out = run();
    for _ in 0..50 {
        match &out {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy => {
                std::thread::sleep(std::time::Duration::from_millis(20));
                out = run();
            }
            _ => break,
        }
    }
    let out = out.unwrap();
    assert_eq!(out.status.code(), Some(1));
    // --json: the error is JSON on stdout.
    let message = crate::util::stdout_of(&out);
    assert!(
        message.contains("cannot find caro-sync-daemon"),
        "{message}"
    );
    assert!(
        !message.contains(&repo_root().display().to_string()),
        "{message}"
    );
}

#[test]
fn a_daemon_beside_the_binary_is_used_only_when_others_cannot_write_it() {
    let home = Home::new();
    let exe = copied_caro(home.path());
    // The installed layout: PREFIX/bin/caro and PREFIX/lib/caro/.
    let lib = home.path().join("lib/caro/bin");
    fs::create_dir_all(&lib).unwrap();
    let relay = lib.join("relay.js");
    fs::write(&relay, "console.log('listening ws://planted');\n").unwrap();
    fs::set_permissions(&relay, fs::Permissions::from_mode(0o644)).unwrap();
    let run = || {
        std::process::Command::new(&exe)
            .env("CARO_HOME", home.path().join("home"))
            .env("PATH", which::which("node").unwrap().parent().unwrap())
            .env_remove("CARO_SYNC_RELAY_BIN")
            .args(["sync", "relay", "--port", "0"])
            .output()
            .unwrap()
    };
    let ok = run();
    assert!(ok.status.success(), "{}", stderr_of(&ok));
    assert_eq!(
        String::from_utf8_lossy(&ok.stdout),
        "listening ws://planted\n"
    );

    fs::set_permissions(&relay, fs::Permissions::from_mode(0o664)).unwrap();
    let refused = run();
    assert_eq!(refused.status.code(), Some(1));
    let message = stderr_of(&refused);
    assert!(
        message.contains(&format!("refusing to use {}", relay.display())),
        "{message}"
    );
    assert!(
        message.contains("writable by its group (mode 0664)"),
        "{message}"
    );
    assert!(refused.stdout.is_empty());

    fs::set_permissions(&relay, fs::Permissions::from_mode(0o644)).unwrap();
    fs::set_permissions(home.path().join("lib"), fs::Permissions::from_mode(0o777)).unwrap();
    let dir_refused = run();
    assert_eq!(dir_refused.status.code(), Some(1));
    assert!(
        stderr_of(&dir_refused).contains(&format!(
            "refusing to use {}",
            home.path().join("lib").display()
        )),
        "{}",
        stderr_of(&dir_refused)
    );
}
