//! End-to-end: `caro history search --interactive` in a real terminal (tmux),
//! driven by keys, with what reached stdout and the exit status checked; and
//! the Ctrl-R / up-arrow widgets of bash, zsh and fish putting the chosen line
//! at a real prompt. Each test runs its own tmux server and stops it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::util::Home;
use caro::store::{HistoryEntry, PulledPage, RemoteDevice, Store};

/// Whether `program` runs here; missing, its tests are SKIPPED unless
/// `CARO_REQUIRE_SHELLS` is set (CI installs tmux, zsh and fish).
/// Whether `program` runs here (see [`crate::shells::installed`]: a missing
/// one skips, loudly, unless CI requires it).
fn installed(program: &str) -> bool {
    crate::shells::installed(
        program,
        &[if program == "tmux" { "-V" } else { "--version" }],
    )
}

fn bin_dir() -> PathBuf {
    assert_cmd::cargo::cargo_bin("caro")
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A tmux server of its own, 120x30, running one command.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(home: &Home, cwd: &Path, script: &str) -> Tmux {
        let socket = format!(
            "caro-test-{}-{}",
            std::process::id(),
            home.path().file_name().unwrap().to_string_lossy()
        );
        let run = home.file("run.sh", script.as_bytes());
        let status = Command::new("tmux")
            .args([
                "-L",
                &socket,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-x",
                "120",
                "-y",
                "30",
            ])
            .arg("-c")
            .arg(cwd)
            .arg(format!("sh {}", run.display()))
            .env("TERM", "xterm-256color")
            .status()
            .unwrap();
        assert!(status.success(), "tmux did not start");
        Tmux { socket }
    }

    fn tmux(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .unwrap()
    }

    /// Sends tmux key names (`Enter`, `C-r`, `Down`).
    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "0"];
        args.extend(keys);
        assert!(self.tmux(&args).status.success());
    }

    /// Types text literally.
    fn type_text(&self, text: &str) {
        assert!(self
            .tmux(&["send-keys", "-t", "0", "-l", text])
            .status
            .success());
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p", "-t", "0"]).stdout).into_owned()
    }

    /// Waits until the screen satisfies `ready` (failing after 20 s: a
    /// guard against a hang, not a timing assertion).
    fn wait(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let screen = self.screen();
            if ready(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "never saw {what}; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(30));
        }
    }

    fn wait_for(&self, text: &str) -> String {
        self.wait(text, |s| s.contains(text))
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}

/// The interactive search running in tmux, its stdout and status captured.
struct Search {
    tmux: Tmux,
    out: PathBuf,
    rc: PathBuf,
}

impl Search {
    fn start(home: &Home, cwd: &Path, env: &str, args: &str) -> Search {
        let out = home.path().join("search.out");
        let rc = home.path().join("search.rc");
        let script = format!(
            "CARO_HOME='{}' {env} '{}' history search --interactive {args} > '{}'\necho $? > '{}.tmp'\nmv '{}.tmp' '{}'\nsleep 60\n",
            home.path().display(),
            assert_cmd::cargo::cargo_bin("caro").display(),
            out.display(),
            rc.display(),
            rc.display(),
            rc.display(),
        );
        let tmux = Tmux::start(home, cwd, &script);
        tmux.wait_for("matches");
        Search { tmux, out, rc }
    }

    /// Waits for the search to end: (stdout, exit status).
    fn finish(&self) -> (String, i32) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !self.rc.exists() {
            assert!(
                Instant::now() < deadline,
                "the search did not end:\n{}",
                self.tmux.screen()
            );
            std::thread::sleep(Duration::from_millis(30));
        }
        let rc = std::fs::read_to_string(&self.rc)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        (std::fs::read_to_string(&self.out).unwrap(), rc)
    }

    /// Waits until the list is complete (the whole history searched).
    fn settled(&self) -> String {
        self.tmux.wait("complete results", |s| {
            s.lines()
                .next()
                .is_some_and(|l| l.contains("matches") && !l.contains("loading"))
        })
    }
}

fn add(home: &Home, command: &str, cwd: &str, session: &str) {
    let out = home
        .caro()
        .env("CARO_SESSION", session)
        .args([
            "history",
            "add",
            "--exit-code",
            "0",
            "--cwd",
            cwd,
            "--command",
            command,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The rows of the list (screen lines after the query line, before the keys).
fn rows(screen: &str) -> Vec<String> {
    screen
        .lines()
        .skip(1)
        .filter(|l| l.contains("ago") || l.contains("just now"))
        .map(str::to_string)
        .collect()
}

#[test]
fn type_move_and_select_prints_the_command() {
    if !installed("tmux") {
        return;
    }
    let home = Home::new();
    add(&home, "git status", "/w", "s");
    add(&home, "cargo build", "/w", "s");
    add(&home, "git commit -m wip", "/w", "s");
    let search = Search::start(&home, home.path(), "", "");
    let screen = search.settled();
    assert!(screen.contains("[fuzzy] [all devices]"), "{screen}");
    assert_eq!(rows(&screen).len(), 3, "{screen}");
    search.tmux.type_text("git");
    let screen = search.tmux.wait("two git rows", |s| {
        rows(s).len() == 2 && s.contains("> git")
    });
    assert!(!screen.contains("cargo build"), "{screen}");
    // Newest first among equals: the commit, then the status.
    assert!(
        rows(&screen)[0].starts_with("> ") && rows(&screen)[0].contains("git commit"),
        "{screen}"
    );
    search.tmux.keys(&["Down", "Enter"]);
    assert_eq!(search.finish(), ("git status\n".to_string(), 0));
}

#[test]
fn esc_and_ctrl_c_print_nothing_and_exit_130() {
    if !installed("tmux") {
        return;
    }
    for key in ["Escape", "C-c"] {
        let home = Home::new();
        add(&home, "git status", "/w", "s");
        let search = Search::start(&home, home.path(), "", "");
        search.settled();
        search.tmux.keys(&[key]);
        assert_eq!(search.finish(), (String::new(), 130), "{key}");
    }
}

#[test]
fn tab_prints_the_command_for_editing_and_exits_10() {
    if !installed("tmux") {
        return;
    }
    let home = Home::new();
    add(&home, "make test", "/w", "s");
    let search = Search::start(&home, home.path(), "", "");
    search.settled();
    search.tmux.keys(&["Tab"]);
    assert_eq!(search.finish(), ("make test\n".to_string(), 10));
}

#[test]
fn search_modes_cycle_fuzzy_prefix_full_text() {
    if !installed("tmux") {
        return;
    }
    let home = Home::new();
    add(&home, "git status", "/w", "s");
    add(&home, "status-report --all", "/w", "s");
    add(&home, "gist view", "/w", "s");
    // The query comes from the command line, as the widgets pass the line.
    let search = Search::start(&home, home.path(), "", "-- tatus");
    let screen = search.settled();
    assert!(screen.contains("[fuzzy]"), "{screen}");
    assert_eq!(rows(&screen).len(), 2, "fuzzy finds both: {screen}");
    search.tmux.keys(&["C-s"]);
    let screen = search.tmux.wait("prefix mode", |s| {
        s.contains("[prefix]") && s.contains("no matches")
    });
    assert!(rows(&screen).is_empty(), "{screen}");
    search.tmux.keys(&["C-u"]);
    search.tmux.type_text("stat");
    let screen = search.tmux.wait("the prefix match", |s| rows(s).len() == 1);
    assert!(rows(&screen)[0].contains("status-report"), "{screen}");
    search.tmux.keys(&["C-s"]);
    search.tmux.keys(&["C-w"]);
    search.tmux.type_text("tatus");
    let screen = search.tmux.wait("full-text mode", |s| {
        s.contains("[full-text]") && rows(s).len() == 2
    });
    assert!(!screen.contains("gist view"), "{screen}");
    search.tmux.type_text(" rep");
    let screen = search.tmux.wait("both words", |s| rows(s).len() == 1);
    assert!(rows(&screen)[0].contains("status-report"), "{screen}");
    search.tmux.keys(&["Enter"]);
    assert_eq!(search.finish(), ("status-report --all\n".to_string(), 0));
}

/// A remote device's entry, as a sync would have stored it.
fn add_remote(home: &Home, command: &str, cwd: &str) {
    let mut store = Store::open(&home.db()).unwrap();
    let entry = HistoryEntry {
        id: uuid::Uuid::now_v7().to_string(),
        command: command.into(),
        prompt: None,
        explanation: None,
        safety_level: caro::safety::RiskLevel::Safe,
        safety_warnings: vec![],
        exit_code: Some(0),
        duration_ms: Some(5),
        cwd: Some(cwd.into()),
        shell: Some("zsh".into()),
        device_id: "remote-device-id".into(),
        created_at: caro::time::now_ms(),
        executed: true,
        success: Some(true),
        platform: Some("linux".into()),
        session_id: None,
        hostname: None,
    };
    let page = PulledPage {
        entries: vec![entry],
        devices: vec![RemoteDevice {
            id: "remote-device-id".into(),
            name: "desk".into(),
            platform: "linux".into(),
            created_at: 1,
        }],
        ..PulledPage::default()
    };
    let counts = store.apply_remote_page(&page, "cursor").unwrap();
    assert_eq!(counts.inserted, 1);
}

#[test]
fn filter_modes_cycle_device_session_directory_repository() {
    if !installed("tmux") {
        return;
    }
    let home = Home::new();
    let repo = home.path().join("repo");
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    std::fs::create_dir_all(repo.join("sub")).unwrap();
    let sub = repo.join("sub").display().to_string();
    add(&home, "echo in-sub", &sub, "s1");
    add(&home, "echo at-root", &repo.display().to_string(), "s2");
    add(&home, "echo elsewhere", "/tmp", "s1");
    add_remote(&home, "echo on-desk", "/srv");
    let search = Search::start(&home, &repo.join("sub"), "CARO_SESSION=s1", "");
    let expect = |label: &str, present: &[&str]| {
        let screen = search.tmux.wait(label, |s| {
            s.contains(&format!("[{label}]"))
                && !s.contains("loading")
                && rows(s).len() == present.len()
        });
        for command in present {
            assert!(
                screen.contains(command),
                "{label}: {command} missing:\n{screen}"
            );
        }
        screen
    };
    let screen = expect(
        "all devices",
        &["in-sub", "at-root", "elsewhere", "on-desk"],
    );
    // Where each entry ran: the remote one under its device's name.
    assert!(
        rows(&screen)
            .iter()
            .any(|r| r.contains("desk") && r.contains("on-desk")),
        "{screen}"
    );
    search.tmux.keys(&["C-r"]);
    expect("this device", &["in-sub", "at-root", "elsewhere"]);
    search.tmux.keys(&["C-r"]);
    expect("this session", &["in-sub", "elsewhere"]);
    search.tmux.keys(&["C-r"]);
    expect("this directory", &["in-sub"]);
    search.tmux.keys(&["C-r"]);
    expect("this repository", &["in-sub", "at-root"]);
    search.tmux.keys(&["C-r"]);
    expect(
        "all devices",
        &["in-sub", "at-root", "elsewhere", "on-desk"],
    );
    search.tmux.keys(&["Escape"]);
    assert_eq!(search.finish().1, 130);
}

#[test]
fn the_up_arrow_mode_starts_in_this_session_by_prefix() {
    if !installed("tmux") {
        return;
    }
    let home = Home::new();
    add(&home, "git push", "/w", "other");
    add(&home, "git pull", "/w", "mine");
    add(&home, "ls git", "/w", "mine");
    let search = Search::start(
        &home,
        home.path(),
        "CARO_SESSION=mine",
        "--filter-mode session --search-mode prefix -- git",
    );
    let screen = search.settled();
    assert!(screen.contains("[prefix] [this session] > git"), "{screen}");
    assert_eq!(rows(&screen).len(), 1, "{screen}");
    search.tmux.keys(&["Enter"]);
    assert_eq!(search.finish(), ("git pull\n".to_string(), 0));
}

#[test]
fn the_inspector_shows_every_field_and_the_risk_warnings() {
    if !installed("tmux") {
        return;
    }
    let home = Home::new();
    add(&home, "rm -rf /", "/danger/zone", "sess-42");
    let search = Search::start(&home, home.path(), "", "");
    let screen = search.settled();
    assert!(screen.contains("[critical] rm -rf /"), "{screen}");
    search.tmux.keys(&["C-o"]);
    let screen = search.tmux.wait_for("directory   /danger/zone");
    for field in [
        "id ",
        "when ",
        "session     sess-42",
        "exit        0",
        "risk        critical",
        "  ! ",
    ] {
        assert!(screen.contains(field), "{field} missing:\n{screen}");
    }
    // Esc leaves the inspector; a second Esc leaves the search.
    search.tmux.keys(&["Escape"]);
    search.tmux.wait("the list", |s| {
        !s.contains("directory   /danger/zone") && rows(s).len() == 1
    });
    search.tmux.keys(&["Escape"]);
    assert_eq!(search.finish(), (String::new(), 130));
}

#[test]
fn delete_removes_every_entry_of_the_command_and_queues_a_synced_delete() {
    if !installed("tmux") {
        return;
    }
    let home = Home::new();
    add(&home, "echo keep", "/w", "s");
    add(&home, "echo leaked-token", "/w", "s");
    add(&home, "echo leaked-token", "/w", "s");
    let search = Search::start(&home, home.path(), "", "-- leaked");
    search.settled();
    search.tmux.keys(&["C-d"]);
    search
        .tmux
        .wait_for("delete 2 entries of `echo leaked-token`");
    search.tmux.type_text("y");
    let screen = search.tmux.wait("the delete", |s| {
        s.contains("deleted 2 entries") && rows(s).is_empty()
    });
    assert!(screen.contains("no matches"), "{screen}");
    search.tmux.keys(&["C-u"]);
    search.tmux.wait("the rest", |s| {
        rows(s).len() == 1 && s.contains("echo keep")
    });
    search.tmux.keys(&["Escape"]);
    assert_eq!(search.finish().1, 130);
    assert_eq!(home.commands(), ["echo keep"]);
    let store = Store::open(&home.db()).unwrap();
    let deletes = store
        .sync_queue_after(0, 100)
        .unwrap()
        .into_iter()
        .filter(|item| item.operation == caro::store::SyncOperation::Delete)
        .count();
    assert_eq!(deletes, 2);
}

#[test]
fn control_characters_are_drawn_escaped() {
    if !installed("tmux") {
        return;
    }
    let home = Home::new();
    add(&home, "printf '\x1b[2J\x1b[31mred'", "/w", "s");
    let search = Search::start(&home, home.path(), "", "");
    let screen = search.settled();
    assert!(
        screen.contains("printf '\\u{1b}[2J\\u{1b}[31mred'"),
        "{screen}"
    );
    search.tmux.keys(&["Enter"]);
    // What the shell gets back is the command itself, unescaped.
    assert_eq!(
        search.finish(),
        ("printf '\x1b[2J\x1b[31mred'\n".to_string(), 0)
    );
}

/// An interactive `shell` in tmux with the hook and widgets, in `home`.
fn shell_in_tmux(home: &Home, shell: &str, init_args: &str) -> Tmux {
    let rc_dir = home.path().join("rc");
    std::fs::create_dir_all(rc_dir.join("fish")).unwrap();
    let path = format!("{}:/usr/local/bin:/usr/bin:/bin", bin_dir().display());
    let env = format!(
        "env -i PATH='{path}' HOME='{}' CARO_HOME='{}' TERM=xterm-256color XDG_CONFIG_HOME='{}' ZDOTDIR='{}'",
        home.path().display(),
        home.path().display(),
        rc_dir.display(),
        rc_dir.display()
    );
    let command = match shell {
        "bash" => {
            let rc = format!("PS1='READY> '\neval \"$(caro init bash {init_args})\"\n");
            std::fs::write(rc_dir.join("bashrc"), rc).unwrap();
            format!(
                "{env} bash --noprofile --rcfile '{}' -i",
                rc_dir.join("bashrc").display()
            )
        }
        "zsh" => {
            let rc = format!("PS1='READY> '\neval \"$(caro init zsh {init_args})\"\n");
            std::fs::write(rc_dir.join(".zshrc"), rc).unwrap();
            format!("{env} zsh -i")
        }
        _ => {
            let rc = format!(
                "function fish_prompt; echo -n 'READY> '; end\nfunction fish_greeting; end\ncaro init fish {init_args} | source\n"
            );
            std::fs::write(rc_dir.join("fish/config.fish"), rc).unwrap();
            format!("{env} fish -i")
        }
    };
    let tmux = Tmux::start(home, home.path(), &format!("exec {command}\n"));
    tmux.wait_for("READY>");
    tmux
}

fn widgets_insert_the_chosen_line(shell: &str) {
    if !installed("tmux") || !installed(shell) {
        return;
    }
    let home = Home::new();
    let marker = home.path().join("ran");
    add(
        &home,
        &format!("touch '{}'", marker.display()),
        "/w",
        "elsewhere",
    );
    let tmux = shell_in_tmux(&home, shell, "");
    // A command run in this shell: its hook records it under the shell's own
    // session, which the up arrow searches.
    tmux.type_text("echo edit-me");
    tmux.keys(&["Enter"]);
    let deadline = Instant::now() + Duration::from_secs(20);
    while !home.commands().iter().any(|c| c == "echo edit-me") {
        assert!(
            Instant::now() < deadline,
            "{shell}: the hook did not record it:\n{}",
            tmux.screen()
        );
        std::thread::sleep(Duration::from_millis(30));
    }
    // Ctrl-R, a query, Enter: the command runs at the prompt.
    tmux.keys(&["C-r"]);
    tmux.wait_for("[fuzzy] [all devices]");
    tmux.type_text("touch");
    tmux.wait("one row", |s| rows(s).len() == 1);
    tmux.keys(&["Enter"]);
    let deadline = Instant::now() + Duration::from_secs(20);
    while !marker.exists() {
        assert!(
            Instant::now() < deadline,
            "{shell}: Enter did not run it:\n{}",
            tmux.screen()
        );
        std::thread::sleep(Duration::from_millis(30));
    }
    // The up arrow: this session, prefix, the line typed so far as the query;
    // Tab puts the line at the prompt without running it.
    tmux.wait_for("READY>");
    // A clean screen, so "edit-me" below can only come from running it again.
    tmux.keys(&["C-l"]);
    tmux.wait("a clear screen", |s| !s.contains("\nedit-me"));
    tmux.type_text("echo");
    tmux.keys(&["Up"]);
    let screen = tmux.wait_for("[prefix] [this session] > echo");
    assert_eq!(rows(&screen).len(), 1, "{shell}: {screen}");
    tmux.keys(&["Tab"]);
    let screen = tmux.wait("the line at the prompt", |s| {
        s.lines()
            .any(|l| l.trim_end().ends_with("READY> echo edit-me"))
    });
    assert!(
        !screen.contains("\nedit-me"),
        "{shell}: it ran instead:\n{screen}"
    );
    // Esc leaves the line as it was.
    tmux.keys(&["C-r"]);
    tmux.wait_for("[fuzzy]");
    tmux.keys(&["Escape"]);
    tmux.wait("the prompt again", |s| {
        !s.contains("[fuzzy]")
            && s.lines()
                .any(|l| l.trim_end().ends_with("READY> echo edit-me"))
    });
}

#[test]
fn bash_widgets_insert_the_chosen_line() {
    widgets_insert_the_chosen_line("bash");
}

#[test]
fn zsh_widgets_insert_the_chosen_line() {
    widgets_insert_the_chosen_line("zsh");
}

#[test]
fn fish_widgets_insert_the_chosen_line() {
    widgets_insert_the_chosen_line("fish");
}

#[test]
fn init_leaves_disabled_keys_alone() {
    let home = Home::new();
    let init = |args: &[&str]| {
        let out = home.caro().arg("init").args(args).output().unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    };
    for shell in ["bash", "zsh", "fish"] {
        let all = init(&[shell]);
        assert!(all.contains("__caro_search"), "{shell}");
        assert!(!all.contains("__caro_disable_ctrl_r=1") && !all.contains("set -g __caro_disable"));
        let no_r = init(&[shell, "--disable-ctrl-r"]);
        assert!(no_r.contains("__caro_disable_ctrl_r"), "{shell}");
        assert!(
            !no_r.contains("__caro_disable_up_arrow 1")
                && !no_r.contains("__caro_disable_up_arrow=1")
        );
        let none = init(&[shell, "--disable-ctrl-r", "--disable-up-arrow"]);
        assert!(!none.contains("__caro_search"), "{shell}");
        assert!(none.contains("history add"), "{shell}: the hook stays");
    }
}

#[test]
fn disabled_ctrl_r_stays_the_shells_own() {
    if !installed("tmux") {
        return;
    }
    let home = Home::new();
    add(&home, "echo x", "/w", "s");
    let tmux = shell_in_tmux(&home, "bash", "--disable-ctrl-r");
    tmux.keys(&["C-r"]);
    tmux.wait_for("reverse-i-search");
    tmux.keys(&["C-g"]);
}
