//! Control characters never reach a terminal raw: commands recorded with ESC,
//! BEL and CR (a title change, `rm -rf ~<CR>echo hi` shown as `echo hi`), a
//! device name with ESC, and a usage error quoting such an argument all print
//! escaped, while `--json` keeps every byte exact.

use crate::util::{stdout_of, with_stdin, Device, Home, Relay};

const TITLE: &str = "printf '\u{1b}]0;pwned\u{7}'";
const HIDDEN: &str = "rm -rf ~\recho hi";

/// Whether `bytes` hold a C0 control other than a line feed, DEL, or a C1
/// control (as UTF-8).
fn has_raw_controls(bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(bytes);
    text.chars()
        .any(|c| c != '\n' && (c.is_control() || c == '\u{7f}'))
}

fn record(home: &Home, command: &str) {
    let entry = serde_json::json!({ "command": command, "exitCode": 0 }).to_string();
    let mut add = crate::util::caro_command(home.path());
    add.args(["history", "add", "--json-stdin"]);
    let out = with_stdin(add, &entry);
    assert!(out.status.success(), "{}", crate::util::stderr_of(&out));
}

#[test]
fn listings_show_controls_escaped_and_json_exact() {
    let home = Home::new();
    record(&home, TITLE);
    record(&home, HIDDEN);
    record(&home, "echo \u{9b}31mred\u{7f}");

    for args in [
        &["history", "list"][..],
        &["history", "search", "pwned"],
        &["history", "search", "echo"],
        &["history", "stats"],
    ] {
        let out = home.caro().args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}");
        assert!(
            !has_raw_controls(&out.stdout),
            "{args:?} printed raw controls: {:?}",
            stdout_of(&out)
        );
    }
    let list = stdout_of(&home.caro().args(["history", "list"]).output().unwrap());
    assert!(list.contains(r"printf '\e]0;pwned\x07'"), "{list}");
    assert!(list.contains(r"rm -rf ~\recho hi"), "{list}");
    assert!(list.contains(r"echo \u{9b}31mred\x7f"), "{list}");
    let stats = stdout_of(&home.caro().args(["history", "stats"]).output().unwrap());
    assert!(stats.contains(r"rm -rf ~\recho hi"), "{stats}");

    // Scripts get the bytes that were recorded.
    let mut commands = home.commands();
    commands.sort();
    assert_eq!(
        commands,
        [
            "echo \u{9b}31mred\u{7f}".to_string(),
            TITLE.to_string(),
            HIDDEN.to_string()
        ]
    );
}

#[test]
fn a_usage_error_quoting_controls_prints_them_escaped() {
    let home = Home::new();
    let out = home
        .caro()
        .args(["history", "add", "--exit-code", "\u{1b}]0;pwned\u{7}"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!has_raw_controls(&out.stderr), "{:?}", out.stderr);
    let message = crate::util::stderr_of(&out);
    assert!(message.contains(r"\e]0;pwned\x07"), "{message}");

    // A failure past parsing that names the user's input: the same.
    let missing = home
        .caro()
        .args([
            "history",
            "import",
            "zsh",
            "--file",
            "/nonexistent/\u{1b}[2J",
        ])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
    assert!(!has_raw_controls(&missing.stderr), "{:?}", missing.stderr);
    assert!(crate::util::stderr_of(&missing).contains(r"\e[2J"));
}

#[test]
fn a_device_name_with_escapes_is_refused_and_shown_escaped() {
    // Names are checked where they enter (a device named with escapes would
    // repaint every other device's terminal); the refusal quotes it escaped.
    let relay = Relay::start();
    let name = "evil\u{1b}[2J\u{1b}]0;pwned\u{7}";
    for command in ["init", "join"] {
        let a = Device::new("A", &relay);
        let out = a.run(&["sync", command, "--device-name", name]);
        assert_eq!(out.status.code(), Some(2), "{command}");
        assert!(
            !has_raw_controls(&out.stderr),
            "{command}: {:?}",
            out.stderr
        );
        assert!(
            crate::util::stderr_of(&out).contains(r"evil\e[2J\e]0;pwned\x07"),
            "{command}: {}",
            crate::util::stderr_of(&out)
        );
        assert!(!a.key_file().exists(), "{command} set nothing up");
    }
}
