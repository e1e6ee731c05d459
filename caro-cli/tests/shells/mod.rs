//! Real interactive shells for the hook tests. Each runs on a terminal of its
//! own (util-linux `script` gives it a PTY), as a person's shell does: bash
//! expands PS0 and fish fires its events only there. Lines are typed from a
//! file, and the tests wait until every background recorder has finished
//! before they read what was stored.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::Home;

/// Whether `program` answers `probe` successfully. A missing program skips
/// its tests, loudly, unless `CARO_REQUIRE_SHELLS` is set (CI installs zsh and
/// fish and sets it), where it fails them.
pub fn installed(program: &str, probe: &[&str]) -> bool {
    let found = Command::new(program)
        .args(probe)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        assert!(
            std::env::var_os("CARO_REQUIRE_SHELLS").is_none(),
            "{program} is not installed but CARO_REQUIRE_SHELLS is set"
        );
        eprintln!("SKIPPED: {program} is not installed");
    }
    found
}

/// Whether `shell` can run here on a terminal (`script --version`, not
/// `script -c`, which would leave a ./typescript file).
pub fn has(shell: &str) -> bool {
    installed(shell, &["-c", "exit 0"]) && installed("script", &["--version"])
}

/// The directory holding the `caro` under test, to put first on PATH.
pub fn bin_dir() -> PathBuf {
    assert_cmd::cargo::cargo_bin("caro")
        .parent()
        .unwrap()
        .to_path_buf()
}

pub fn path_with(dir: &Path) -> String {
    format!("{}:/usr/local/bin:/usr/bin:/bin", dir.display())
}

/// `caro init SHELL`.
pub fn hook(home: &Home, shell: &str) -> String {
    let out = home.caro().args(["init", shell]).output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

/// Runs an interactive `shell` on a terminal, its rc file being `rc`, types
/// `script` and then `exit`, and returns all the terminal showed (with `\r`
/// removed), after every recorder it started has finished.
pub fn run(home: &Home, shell: &str, rc: &str, path: &str, script: &str) -> String {
    let dir = home.path().join(format!("{shell}-rc"));
    std::fs::create_dir_all(dir.join("fish")).unwrap();
    let line = match shell {
        "bash" => {
            std::fs::write(dir.join("bashrc"), rc).unwrap();
            format!("bash --noprofile --rcfile {}/bashrc -i", dir.display())
        }
        "zsh" => {
            std::fs::write(dir.join(".zshrc"), rc).unwrap();
            "zsh -i".to_string()
        }
        "fish" => {
            std::fs::write(dir.join("fish/config.fish"), rc).unwrap();
            // Marks fish as set up already: else its first start spawns a
            // man page indexer that outlives it.
            std::fs::write(
                dir.join("fish/fish_variables"),
                "SETUVAR __fish_initialized:9999\n",
            )
            .unwrap();
            "fish -i".to_string()
        }
        other => panic!("no such shell here: {other}"),
    };
    let input = home.file(
        &format!("{shell}-typed"),
        format!("{script}exit\n").as_bytes(),
    );
    let mut child = Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .env_clear()
        .env("PATH", path)
        .env("HOME", home.path())
        .env("CARO_HOME", home.path())
        .env("ZDOTDIR", &dir)
        .env("XDG_CONFIG_HOME", &dir)
        .env("XDG_DATA_HOME", home.path())
        .env("TERM", "dumb")
        .current_dir(home.path())
        .stdin(std::fs::File::open(input).unwrap())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stdout.read_to_end(&mut buf);
        buf
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{shell} did not exit within 60 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = String::from_utf8_lossy(&reader.join().unwrap()).replace('\r', "");
    wait_for_recorders(home);
    out
}

/// Waits until no caro, and no shell about to start one, has this home as its
/// `CARO_HOME`: the shell has gone, so any such process is a recorder it left
/// running in the background.
pub fn wait_for_recorders(home: &Home) {
    let mut needle = b"CARO_HOME=".to_vec();
    needle.extend_from_slice(home.path().as_os_str().as_encoded_bytes());
    needle.push(0);
    let deadline = Instant::now() + Duration::from_secs(30);
    while recorders_running(&needle) {
        assert!(
            Instant::now() < deadline,
            "background recorders still running after 30 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn recorders_running(needle: &[u8]) -> bool {
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return false;
    };
    procs.flatten().any(|p| {
        let comm = std::fs::read_to_string(p.path().join("comm")).unwrap_or_default();
        ["caro", "bash", "zsh", "fish"].contains(&comm.trim_end())
            && std::fs::read(p.path().join("environ"))
                .is_ok_and(|env| env.windows(needle.len()).any(|w| w == needle))
    })
}

/// Everything recorded, oldest first.
pub fn recorded(home: &Home) -> Vec<Value> {
    let mut list = home.list();
    list.reverse();
    list
}

/// The recorded command lines, oldest first.
pub fn commands(list: &[Value]) -> Vec<&str> {
    list.iter()
        .map(|e| e["command"].as_str().unwrap())
        .collect()
}

/// The one entry whose command is `command`.
pub fn only<'a>(list: &'a [Value], command: &str) -> &'a Value {
    let found: Vec<_> = list.iter().filter(|e| e["command"] == command).collect();
    assert_eq!(found.len(), 1, "{command:?} in {list:#?}");
    found[0]
}
