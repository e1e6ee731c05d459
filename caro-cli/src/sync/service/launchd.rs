//! The launchd agent (`~/Library/LaunchAgents/dev.caro.sync.plist`) and the
//! `launchctl` commands that load, unload and inspect it in the user's GUI
//! domain. launchd starts it at login (`RunAtLoad`), restarts it when it
//! fails and not when it stops cleanly (`KeepAlive.SuccessfulExit = false`),
//! and keeps its errors in `~/Library/Logs/caro-sync.log`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::{output, run_all, Agent, Commands, State, MARKER};

/// The agent's label.
pub const LABEL: &str = "dev.caro.sync";
/// Seconds launchd waits before a restart.
const THROTTLE_SEC: u32 = 5;

fn home() -> Result<PathBuf> {
    directories::BaseDirs::new()
        .map(|dirs| dirs.home_dir().to_path_buf())
        .context("cannot find your home directory (HOME is not set); set HOME")
}

/// `~/Library/LaunchAgents/dev.caro.sync.plist`.
pub fn plist_file() -> Result<PathBuf> {
    Ok(home()?
        .join("Library/LaunchAgents")
        .join(format!("{LABEL}.plist")))
}

/// The agent's log: `~/Library/Logs/caro-sync.log` beside `plist`'s `~/Library`.
fn log_file(plist: &Path) -> PathBuf {
    plist
        .parent()
        .and_then(Path::parent)
        .map_or_else(|| PathBuf::from("/tmp"), Path::to_path_buf)
        .join("Logs/caro-sync.log")
}

/// The plist's text.
pub fn render(agent: &Agent, plist: &Path) -> String {
    let mut args = format!(
        "    <string>{}</string>\n",
        xml(&agent.program.to_string_lossy())
    );
    for arg in agent.args {
        args.push_str(&format!("    <string>{}</string>\n", xml(arg)));
    }
    let mut env = String::new();
    for (name, value) in &agent.env {
        env.push_str(&format!(
            "    <key>{}</key>\n    <string>{}</string>\n",
            xml(name),
            xml(value)
        ));
    }
    let log = xml(&log_file(plist).to_string_lossy());
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n\
         <!-- {MARKER}; `caro sync service uninstall` removes it. -->\n\
         <plist version=\"1.0\">\n\
         <dict>\n\
         \x20 <key>Label</key>\n\
         \x20 <string>{LABEL}</string>\n\
         \x20 <key>ProgramArguments</key>\n\
         \x20 <array>\n\
         {args}\
         \x20 </array>\n\
         \x20 <key>EnvironmentVariables</key>\n\
         \x20 <dict>\n\
         {env}\
         \x20 </dict>\n\
         \x20 <key>RunAtLoad</key>\n\
         \x20 <true/>\n\
         \x20 <key>KeepAlive</key>\n\
         \x20 <dict>\n\
         \x20   <key>SuccessfulExit</key>\n\
         \x20   <false/>\n\
         \x20 </dict>\n\
         \x20 <key>ThrottleInterval</key>\n\
         \x20 <integer>{THROTTLE_SEC}</integer>\n\
         \x20 <key>StandardOutPath</key>\n\
         \x20 <string>{log}</string>\n\
         \x20 <key>StandardErrorPath</key>\n\
         \x20 <string>{log}</string>\n\
         </dict>\n\
         </plist>\n"
    )
}

/// Text as XML character data.
fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The user's GUI domain, where login agents run: `gui/<uid>`.
fn domain() -> String {
    format!("gui/{}", nix::unistd::getuid())
}

/// After the plist was written: unload an older copy (which fails when none
/// is loaded, so its outcome is not kept), then load this one.
pub fn activate(plist: &Path) -> Commands {
    let domain = domain();
    let target = format!("{domain}/{LABEL}");
    let _ = run_all("launchctl", &[&["bootout", &target]]);
    let plist = plist.to_string_lossy();
    run_all("launchctl", &[&["bootstrap", &domain, &plist]])
}

/// Before the plist is removed: unload it if it is loaded.
pub fn deactivate() -> Commands {
    let target = format!("{}/{LABEL}", domain());
    if output("launchctl", &["print", &target]).is_ok_and(|out| out.success) {
        run_all("launchctl", &[&["bootout", &target]])
    } else {
        Commands::default()
    }
}

/// Enabled: loaded in the GUI domain (so it runs at login while the plist
/// is there). Active: launchd says it is running.
pub fn state(installed: bool) -> State {
    let target = format!("{}/{LABEL}", domain());
    let (enabled, active, detail) = match output("launchctl", &["print", &target]) {
        Ok(out) if out.success => {
            let running = out
                .stdout
                .lines()
                .any(|line| line.trim() == "state = running");
            (
                Some(true),
                Some(running),
                if running {
                    "running"
                } else {
                    "loaded, not running"
                },
            )
        }
        Ok(_) => (Some(false), Some(false), "not loaded"),
        Err(_) => (None, None, "launchctl is not installed"),
    };
    State {
        installed,
        enabled,
        active,
        detail: detail.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plist_runs_the_agent_at_login_and_escapes_its_values() {
        let agent = Agent {
            program: PathBuf::from("/Users/me/bin/caro"),
            args: ["sync", "watch", "--quiet"],
            env: vec![("CARO_HOME", "/Users/me/a&b <c>".to_string())],
        };
        let plist = render(
            &agent,
            Path::new("/Users/me/Library/LaunchAgents/dev.caro.sync.plist"),
        );
        assert!(plist.contains(MARKER), "{plist}");
        assert!(
            plist.contains(
                "    <string>/Users/me/bin/caro</string>\n    <string>sync</string>\n    <string>watch</string>\n    <string>--quiet</string>\n"
            ),
            "{plist}"
        );
        assert!(
            plist
                .contains("<key>CARO_HOME</key>\n    <string>/Users/me/a&amp;b &lt;c&gt;</string>"),
            "{plist}"
        );
        assert!(plist.contains("<key>RunAtLoad</key>\n  <true/>"), "{plist}");
        assert!(
            plist.contains("<string>/Users/me/Library/Logs/caro-sync.log</string>"),
            "{plist}"
        );
        assert_eq!(
            plist.matches("<dict>").count(),
            plist.matches("</dict>").count()
        );
    }
}
