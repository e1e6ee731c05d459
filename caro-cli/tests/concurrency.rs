//! End-to-end: 8 processes × 200 `caro history add` at once, on a fresh home
//! (so they also race to create and migrate the database), lose nothing.

use std::collections::HashSet;

use crate::util::{caro_command, stderr_of, Home};

#[test]
fn eight_writers_times_two_hundred_adds_make_exactly_1600_entries() {
    let home = Home::new();
    let workers: Vec<_> = (0..8)
        .map(|w| {
            let home = home.path().to_path_buf();
            std::thread::spawn(move || {
                for i in 0..200 {
                    let out = caro_command(&home)
                        .env("CARO_BUSY_TIMEOUT_MS", "30000")
                        .args(["history", "add", "--command"])
                        .arg(format!("echo worker {w} entry {i}"))
                        .args(["--exit-code", "0"])
                        .output()
                        .expect("spawn caro");
                    assert!(
                        out.status.success(),
                        "worker {w} add {i}: {}",
                        stderr_of(&out)
                    );
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().expect("worker");
    }
    let entries = home.list();
    assert_eq!(entries.len(), 1600);
    let ids: HashSet<_> = entries.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 1600);
    let commands: HashSet<_> = entries
        .iter()
        .map(|e| e["command"].as_str().unwrap())
        .collect();
    assert_eq!(commands.len(), 1600);
    let store = home.store();
    assert_eq!(store.sync_queue_after(0, 10_000).unwrap().len(), 1600);
}
