//! Shared helpers: each test gets its own temporary `CARO_HOME` and runs the
//! real `caro` binary in it.
#![allow(dead_code)] // each test file uses its own subset

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

/// A private caro home for one test.
pub struct Home {
    pub dir: TempDir,
}

impl Home {
    pub fn new() -> Self {
        Home {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn db(&self) -> PathBuf {
        self.path().join("history.db")
    }

    /// `caro` with this home, and nothing from the user's environment that
    /// could change what it does.
    pub fn caro(&self) -> Command {
        caro_in(self.path())
    }

    /// Records a command and returns its id.
    pub fn add(&self, command: &str) -> String {
        let out = self
            .caro()
            .args(["history", "add", "--command", command, "--exit-code", "0"])
            .output()
            .expect("run caro");
        assert!(
            out.status.success(),
            "add {command:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    /// `caro history list --json` with a large limit.
    pub fn list(&self) -> Vec<Value> {
        self.json(&["history", "list", "--limit", "100000", "--json"])
    }

    /// Runs caro, expects success, parses stdout as a JSON array.
    pub fn json(&self, args: &[&str]) -> Vec<Value> {
        let out = self.caro().args(args).output().expect("run caro");
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        match serde_json::from_slice(&out.stdout).expect("JSON output") {
            Value::Array(items) => items,
            other => panic!("expected an array, got {other}"),
        }
    }

    /// Commands of `list`, newest first.
    pub fn commands(&self) -> Vec<String> {
        self.list()
            .iter()
            .map(|e| e["command"].as_str().unwrap().to_string())
            .collect()
    }

    /// Writes a file in the home and returns its path.
    pub fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }
}

pub fn caro_in(home: &Path) -> Command {
    let mut cmd = Command::cargo_bin("caro").expect("caro binary");
    cmd.env("CARO_HOME", home)
        .env("CARO_BUSY_TIMEOUT_MS", "10000")
        .env_remove("HISTFILE")
        .env_remove("SHELL");
    cmd
}

pub fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn stdout_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}
