//! Where the daemon and the relay programs are: an explicit command line in
//! the environment, else the npm package's bin on `PATH`, else a build
//! installed beside this `caro`, run with `node`: `PREFIX/lib/caro/` for
//! `PREFIX/bin/caro`, or the repository's `sync-daemon/dist/` for
//! `<repo>/target/<profile>/caro`.
//!
//! Never a path from the machine that built caro: a release binary that fell
//! back to `<build dir>/sync-daemon/dist/` ran whatever another user later
//! put there (issue 12). A script found beside the binary runs only when it
//! and every directory above it belong to the user or root and nobody else
//! can write them (a sticky directory such as `/tmp` aside).

use std::ffi::OsString;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
/// A command line for the daemon, e.g. `node /opt/caro/daemon.js`.
pub const DAEMON_ENV: &str = "CARO_SYNC_DAEMON";
/// A command line for the relay, used by `caro sync relay`.
pub const RELAY_ENV: &str = "CARO_SYNC_RELAY_BIN";

/// A program and the arguments that come before caro's own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandLine {
    pub program: PathBuf,
    pub args: Vec<OsString>,
}

impl CommandLine {
    /// The command line as a person would type it, for messages.
    pub fn display(&self) -> String {
        std::iter::once(self.program.as_os_str())
            .chain(self.args.iter().map(OsString::as_os_str))
            .map(|w| shell_words::quote(&w.to_string_lossy()).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The sync daemon's command line.
pub fn daemon() -> Result<CommandLine> {
    locate(DAEMON_ENV, "caro-sync-daemon", "caro-sync-daemon.cjs")
}

/// The relay's command line.
pub fn relay() -> Result<CommandLine> {
    locate(RELAY_ENV, "caro-sync-relay", "bin/relay.js")
}

fn locate(env: &str, bin: &str, script: &str) -> Result<CommandLine> {
    if let Some(line) = std::env::var(env).ok().filter(|v| !v.trim().is_empty()) {
        let words = shell_words::split(&line)
            .with_context(|| format!("{env}={line:?} is not a valid command line"))?;
        let Some((program, args)) = words.split_first() else {
            bail!("{env} is set but empty");
        };
        return Ok(CommandLine {
            program: PathBuf::from(program),
            args: args.iter().map(OsString::from).collect(),
        });
    }
    if let Ok(program) = which::which(bin) {
        return Ok(CommandLine {
            program,
            args: Vec::new(),
        });
    }
    let exe = std::env::current_exe()
        .context("cannot tell where this caro is installed (no current executable)")?;
    if let Some(built) = installed_beside(&exe, script, env)? {
        let Ok(node) = which::which("node") else {
            bail!(
                "found {} but no `node` on PATH: install Node.js 20 or newer",
                built.display()
            );
        };
        return Ok(CommandLine {
            program: node,
            args: vec![built.into_os_string()],
        });
    }
    bail!(
        "cannot find {bin} (not on PATH, and no build of it beside this caro, in ../lib/caro/ \
         or ../../sync-daemon/dist/): install it with `npm install -g caro-sync-daemon`, \
         or set {env}=\"node /path/to/sync-daemon/dist/{script}\", \
         or run `make build` in the caro repository"
    )
}

/// The directories relative to `exe` where an installed or built package
/// may sit: `PREFIX/lib/caro` for `PREFIX/bin/caro`, and the repository's
/// `sync-daemon/dist` for `<repo>/target/<profile>/caro`.
fn install_dirs(exe: &Path) -> Vec<PathBuf> {
    let Some(bin_dir) = exe.parent() else {
        return Vec::new();
    };
    let Some(prefix) = bin_dir.parent() else {
        return Vec::new();
    };
    let mut dirs = vec![prefix.join("lib/caro")];
    if let Some(repo) = prefix.parent() {
        dirs.push(repo.join("sync-daemon/dist"));
    }
    dirs
}

/// `script` in the first of [`install_dirs`] that has it, once it has
/// passed [`check_trusted`]; `None` when none has it.
fn installed_beside(exe: &Path, script: &str, env: &str) -> Result<Option<PathBuf>> {
    let Some(found) = install_dirs(exe)
        .into_iter()
        .map(|dir| dir.join(script))
        .find(|path| path.is_file())
    else {
        return Ok(None);
    };
    let real =
        fs::canonicalize(&found).with_context(|| format!("cannot resolve {}", found.display()))?;
    if let Some((path, why)) = check_trusted(&real)? {
        bail!(
            "refusing to use {} (found beside {}): {why}, so another user could change what \
             caro runs as you; run `chmod go-w {}`, or set {env} to a command line you trust",
            path.display(),
            exe.display(),
            shell_words::quote(&path.to_string_lossy())
        );
    }
    Ok(Some(real))
}

/// The first of `path` (absolute, resolved) and its directories that belongs
/// to neither the user nor root, or that someone else can write.
fn check_trusted(path: &Path) -> Result<Option<(PathBuf, String)>> {
    let me = nix::unistd::geteuid().as_raw();
    for component in path.ancestors() {
        let meta = fs::metadata(component)
            .with_context(|| format!("cannot inspect {}", component.display()))?;
        let kind = if meta.is_dir() { "directory" } else { "file" };
        let mode = meta.permissions().mode() & 0o7777;
        let sticky_dir = meta.is_dir() && mode & 0o1000 != 0;
        let reason = if meta.uid() != me && meta.uid() != 0 {
            format!("the {kind} belongs to another user (uid {})", meta.uid())
        } else if mode & 0o022 != 0 && !sticky_dir {
            let who = if mode & 0o002 != 0 {
                "others"
            } else {
                "its group"
            };
            format!("the {kind} is writable by {who} (mode {mode:04o})")
        } else {
            continue;
        };
        return Ok(Some((component.to_path_buf(), reason)));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_quotes_words_with_spaces() {
        let line = CommandLine {
            program: PathBuf::from("node"),
            args: vec![OsString::from("/a b/daemon.js")],
        };
        assert_eq!(line.display(), "node '/a b/daemon.js'");
    }

    #[test]
    fn install_dirs_are_relative_to_the_binary_only() {
        assert_eq!(
            install_dirs(Path::new("/opt/caro/bin/caro")),
            [
                PathBuf::from("/opt/caro/lib/caro"),
                PathBuf::from("/opt/sync-daemon/dist")
            ]
        );
        assert_eq!(
            install_dirs(Path::new("/src/caro/target/release/caro"))[1],
            PathBuf::from("/src/caro/sync-daemon/dist")
        );
    }

    #[test]
    fn a_script_others_can_write_is_refused() {
        let prefix = tempfile::tempdir().unwrap();
        let exe = prefix.path().join("bin/caro");
        let script = prefix.path().join("lib/caro/daemon.cjs");
        fs::create_dir_all(script.parent().unwrap()).unwrap();
        fs::write(&script, "").unwrap();
        fs::set_permissions(&script, fs::Permissions::from_mode(0o646)).unwrap();
        let err = installed_beside(&exe, "daemon.cjs", "ENV").unwrap_err();
        let message = format!("{err:#}");
        assert!(
            message.contains("writable by others (mode 0646)"),
            "{message}"
        );
        assert!(message.contains("set ENV"), "{message}");

        fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
        let found = installed_beside(&exe, "daemon.cjs", "ENV").unwrap();
        assert_eq!(found, Some(fs::canonicalize(&script).unwrap()));
    }
}
