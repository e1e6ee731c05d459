//! The recovery phrase goes only where its owner reads it. `sync init` with
//! stdout a file or a pipe refuses before creating anything, unless `--json`
//! (the phrase in the JSON) or `--phrase-file` (a new 0600 file, never an
//! existing one); without `--json` the phrase never reaches captured stdout.
//! `sync join` takes the words numbered or not, over several lines, or from a
//! private file, and refuses a file others can read.

use std::fs::{self, File};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Output;

use serde_json::Value;

use crate::util::{stderr_of, stdout_of, with_stdin, Device, Relay};

/// Whether `text` shows the phrase, whole or any two of its words in a row
/// (the words alone are common English: "account", "device", "file"…).
fn shows_phrase(text: &str, phrase: &str) -> bool {
    let words: Vec<&str> = phrase.split(' ').collect();
    let shown: Vec<String> = text
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|t| !t.is_empty())
        .map(str::to_lowercase)
        .collect();
    shown
        .windows(2)
        .any(|pair| words.windows(2).any(|w| pair[0] == w[0] && pair[1] == w[1]))
}

fn read_phrase_file(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap();
    assert!(text.ends_with('\n'), "{text:?}");
    let phrase = text.trim().to_string();
    assert_eq!(phrase.split(' ').count(), 24, "{phrase:?}");
    phrase
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Nothing of a sync setup exists on `device`.
fn assert_not_set_up(device: &Device) {
    assert!(!device.key_file().exists());
    assert!(!device.daemon_dir().exists());
    let status: Value = serde_json::from_str(&device.ok(&["sync", "status", "--json"])).unwrap();
    assert_eq!(status["configured"], false);
}

#[test]
fn init_refuses_a_stdout_that_is_not_a_terminal() {
    let relay = Relay::start();
    let a = Device::new("A", &relay);
    a.add("echo kept");

    // stdout a file (a log): refused with a usage error, nothing written there.
    let log = a.home.path().join("init.log");
    let out = a
        .caro()
        .args(["sync", "init"])
        .stdout(File::create(&log).unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    let message = stderr_of(&out);
    assert!(message.contains("only on a terminal"), "{message}");
    assert!(message.contains("--phrase-file PATH"), "{message}");
    assert!(message.contains("--json"), "{message}");
    assert_eq!(fs::read(&log).unwrap(), b"");
    // stdout a pipe: the same.
    let piped = a.run(&["sync", "init"]);
    assert_eq!(piped.status.code(), Some(2));
    assert!(piped.stdout.is_empty());
    assert_not_set_up(&a);
    assert_eq!(a.commands(), ["echo kept"]);

    // --json: the phrase is in the JSON, for the script that asked.
    let out: Value = serde_json::from_str(&a.ok(&["sync", "init", "--json"])).unwrap();
    let phrase = out["phrase"].as_str().unwrap();
    assert_eq!(phrase.split(' ').count(), 24);
    for field in ["keyId", "accountId", "deviceId"] {
        assert!(out[field].is_string(), "{field} in {out}");
    }
    assert!(out.get("phraseFile").is_none());
}

#[test]
fn init_writes_the_phrase_to_a_new_private_file_only() {
    let relay = Relay::start();
    let a = Device::new("A", &relay);
    a.add("echo from a");
    let file = a.home.path().join("phrase.txt");

    let out = a
        .caro()
        .args(["sync", "init", "--phrase-file"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(mode(&file), 0o600);
    let phrase = read_phrase_file(&file);
    let said = stdout_of(&out);
    assert!(said.contains("Sync is set up"), "{said}");
    assert!(said.contains(&file.display().to_string()), "{said}");
    assert!(
        !shows_phrase(&said, &phrase),
        "the phrase is in stdout:\n{said}"
    );
    assert!(!shows_phrase(&stderr_of(&out), &phrase));

    // The file joins another device, and so does the same words typed
    // numbered over two lines (rows copied from init's grid).
    let b = Device::new("B", &relay);
    let join = b
        .caro()
        .args(["sync", "join", "--phrase-file"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(join.status.success(), "{}", stderr_of(&join));
    assert!(!shows_phrase(&stdout_of(&join), &phrase));
    assert_eq!(b.commands(), ["echo from a"]);
    let words: Vec<&str> = phrase.split(' ').collect();
    let numbered: Vec<String> = (0..24)
        .map(|i| format!("{:>2}. {}", i + 1, words[i]))
        .collect();
    let c = Device::new("C", &relay);
    c.join(&format!(
        "{}\n{}",
        numbered[..12].join("  "),
        numbered[12..].join("  ")
    ));
    assert_eq!(c.commands(), ["echo from a"]);

    // An existing file is never written: after a reset, init refuses it and
    // creates nothing; with --json too.
    a.ok(&["sync", "reset", "--yes"]);
    for extra in [&[][..], &["--json"]] {
        let again = a
            .caro()
            .args(["sync", "init", "--phrase-file"])
            .arg(&file)
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(again.status.code(), Some(1), "{}", stderr_of(&again));
        let message = if extra.is_empty() {
            stderr_of(&again)
        } else {
            serde_json::from_slice::<Value>(&again.stdout).unwrap()["error"]["message"]
                .as_str()
                .unwrap()
                .to_string()
        };
        assert!(message.contains("already exists"), "{message}");
        assert_eq!(read_phrase_file(&file), phrase, "the file was not touched");
        assert_not_set_up(&a);
    }

    // --json with --phrase-file: the path in the JSON, the phrase only in the file.
    let other = a.home.path().join("phrase-2.txt");
    let out = a
        .caro()
        .args(["sync", "init", "--json", "--phrase-file"])
        .arg(&other)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(json.get("phrase").is_none(), "{json}");
    assert_eq!(json["phraseFile"], other.display().to_string());
    let second = read_phrase_file(&other);
    assert_ne!(second, phrase);
    assert!(!shows_phrase(&stdout_of(&out), &second));
}

#[test]
fn a_failed_init_leaves_no_phrase_file() {
    let a = Device::offline("A");
    let file = a.home.path().join("phrase.txt");
    let out = a
        .caro()
        .env("CARO_SYNC_DAEMON", "/nonexistent/caro-sync-daemon")
        .args(["sync", "init", "--phrase-file"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(!file.exists(), "a phrase of an account that was never made");
    assert!(!a.key_file().exists());
}

fn join_with_file(device: &Device, file: &Path) -> Output {
    device
        .caro()
        .args(["sync", "join", "--phrase-file"])
        .arg(file)
        .output()
        .unwrap()
}

#[test]
fn join_refuses_a_phrase_file_others_can_read() {
    let relay = Relay::start();
    let a = Device::new("A", &relay);
    let phrase = a.init();
    let b = Device::new("B", &relay);
    let file = b.home.file("phrase.txt", format!("{phrase}\n").as_bytes());
    for loose in [0o644, 0o640, 0o604] {
        fs::set_permissions(&file, fs::Permissions::from_mode(loose)).unwrap();
        let out = join_with_file(&b, &file);
        assert_eq!(out.status.code(), Some(1));
        let message = stderr_of(&out);
        assert!(message.contains(&format!("{loose:04o}")), "{message}");
        assert!(
            message.contains(&format!("chmod 600 {}", file.display())),
            "{message}"
        );
        assert_not_set_up(&b);
    }
    let missing = join_with_file(&b, &b.home.path().join("nope"));
    assert_eq!(missing.status.code(), Some(1));
    assert!(stderr_of(&missing).contains("cannot read the phrase file"));

    fs::set_permissions(&file, fs::Permissions::from_mode(0o600)).unwrap();
    let out = join_with_file(&b, &file);
    assert!(out.status.success(), "{}", stderr_of(&out));
}

#[test]
fn a_mistyped_word_is_named_by_position_and_not_echoed_into_a_log() {
    let relay = Relay::start();
    let a = Device::new("A", &relay);
    let phrase = a.init();
    let mut words: Vec<String> = phrase.split(' ').map(str::to_string).collect();
    words[4] = format!("{}x", words[4]);
    let mistyped = words.join(" ");

    let b = Device::new("B", &relay);
    let mut join = b.caro();
    join.args(["sync", "join"]);
    let out = with_stdin(join, &mistyped);
    assert_eq!(out.status.code(), Some(1));
    let message = stderr_of(&out);
    assert!(
        message.contains("word 5 of the recovery phrase"),
        "{message}"
    );
    assert!(
        !message.contains(&words[4]),
        "the word went to a log: {message}"
    );
    assert_not_set_up(&b);

    // From a file: the same, and the file is named.
    let file = b.home.file("phrase.txt", mistyped.as_bytes());
    fs::set_permissions(&file, fs::Permissions::from_mode(0o600)).unwrap();
    let message = stderr_of(&join_with_file(&b, &file));
    assert!(
        message.contains("word 5 of the recovery phrase"),
        "{message}"
    );
    assert!(message.contains(&file.display().to_string()), "{message}");
    assert!(!message.contains(&words[4]), "{message}");
}

/// Runs `caro ARGS` of `device` on a terminal of its own (util-linux `script`
/// makes a pty its controlling terminal) with `input` typed into it; returns
/// whether it succeeded and what the terminal showed. `None` without `script`.
fn on_a_terminal(device: &Device, args: &[&str], input: &str) -> Option<(bool, String)> {
    let Ok(script) = which::which("script") else {
        eprintln!("SKIPPED: util-linux `script` is not installed");
        return None;
    };
    let caro = device.caro();
    let mut line = vec![caro.get_program().to_string_lossy().into_owned()];
    line.extend(args.iter().map(|a| a.to_string()));
    let mut command = std::process::Command::new(script);
    command.args(["-qec", &shell_words::join(&line), "/dev/null"]);
    for (key, value) in caro.get_envs() {
        match value {
            Some(value) => command.env(key, value),
            None => command.env_remove(key),
        };
    }
    let out = with_stdin(command, input);
    Some((out.status.success(), stdout_of(&out).replace('\r', "")))
}

#[test]
fn on_a_terminal_init_shows_rows_in_order_and_join_asks_again() {
    let relay = Relay::start();
    let a = Device::new("A", &relay);
    let Some((ok, shown)) = on_a_terminal(&a, &["sync", "init"], "") else {
        return;
    };
    assert!(ok, "{shown}");
    // The grid reads row by row: 1 2 3 4 / 5 6 7 8 / …
    let rows: Vec<&str> = shown
        .lines()
        .filter(|l| l.trim_start().starts_with(|c: char| c.is_ascii_digit()))
        .collect();
    assert_eq!(rows.len(), 6, "{shown}");
    for (r, row) in rows.iter().enumerate() {
        let numbers: Vec<String> = row
            .split_whitespace()
            .filter(|t| t.ends_with('.'))
            .map(str::to_string)
            .collect();
        let expected: Vec<String> = (1..=4).map(|c| format!("{}.", r * 4 + c)).collect();
        assert_eq!(numbers, expected, "{row}");
    }

    // B pastes the rows with word 5 mistyped: asked for word 5 (shown on the
    // terminal only), answers it, and joins A's account.
    let mut pasted: Vec<String> = rows.iter().map(|r| r.to_string()).collect();
    let fifth = pasted[1].split_whitespace().nth(1).unwrap().to_string();
    pasted[1] = pasted[1].replacen(&fifth, &format!("{fifth}q"), 1);
    let input = format!("{}\n{fifth}", pasted.join("\n"));
    let b = Device::new("B", &relay);
    let (ok, shown) = on_a_terminal(&b, &["sync", "join"], &input).unwrap();
    assert!(ok, "{shown}");
    assert!(
        shown.contains(&format!("Word 5, \"{fifth}q\", is not in the BIP39")),
        "{shown}"
    );
    assert!(shown.contains("Joined account"), "{shown}");
    let key_id = |d: &Device| {
        serde_json::from_str::<Value>(&d.ok(&["sync", "status", "--json"])).unwrap()["keyId"]
            .clone()
    };
    assert_eq!(key_id(&b), key_id(&a));

    // Half a phrase, then nothing more: the join gives up, changing nothing.
    let c = Device::new("C", &relay);
    let (ok, shown) = on_a_terminal(&c, &["sync", "join"], &pasted[2..4].join("\n")).unwrap();
    assert!(!ok);
    assert!(shown.contains("8 of 24 words so far"), "{shown}");
    assert!(shown.contains("incomplete (8 of 24 words)"), "{shown}");
    assert_not_set_up(&c);
}
