//! Where the daemon and the relay programs are: an explicit command line in
//! the environment, else the npm package's bin on `PATH`, else the build in
//! this repository (`sync-daemon/dist/`), run with `node`.

use std::ffi::OsString;
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
    if let Some(built) = repository_builds()
        .into_iter()
        .map(|dir| dir.join(script))
        .find(|path| path.is_file())
    {
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
        "cannot find {bin} (not on PATH, and no sync-daemon/dist build beside this caro): install it with `npm install -g caro-sync-daemon`, \
         or set {env}=\"node /path/to/sync-daemon/dist/{script}\", \
         or run `make build` in the caro repository"
    )
}

/// `sync-daemon/dist` of the repository this binary was built from, and
/// of the repository around the binary (`<repo>/target/<profile>/caro`), in
/// case the checkout moved or the target directory is shared.
pub fn repository_builds() -> Vec<PathBuf> {
    let mut dirs = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("../sync-daemon/dist")];
    if let Some(repo) = std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.parent()?.to_path_buf()))
    {
        dirs.push(repo.join("sync-daemon/dist"));
    }
    dirs
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
}
