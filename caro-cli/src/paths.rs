//! Where caro keeps its files (the platform's data directory, or everything
//! under `CARO_HOME`), and the rule that keeps other local users out of them.
//!
//! Like ssh's `StrictModes`, caro refuses a directory or file of its own that
//! another user owns or could write: with a 0777 home and a planted 0666
//! `history.db-wal`, another user's process received every command recorded
//! (issue 12). The refusal names the path, says why, and gives the fix.

use std::ffi::OsString;
use std::fs::{self, DirBuilder, Metadata, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// The environment variable that puts history, keys and daemon state under
/// one directory.
pub const CARO_HOME: &str = "CARO_HOME";

/// The files SQLite keeps beside a database. A planted `-journal` is rolled
/// back into the database as it opens, and a planted `-wal` receives every
/// write: both must be the user's as much as the database is.
const SQLITE_COMPANIONS: [&str; 3] = ["-wal", "-shm", "-journal"];

/// caro's directories for this user. Preferences live in the history
/// database, so there is no separate config directory.
#[derive(Debug, Clone)]
pub struct Paths {
    /// History database, keys, daemon state.
    pub data_dir: PathBuf,
}

impl Paths {
    /// `CARO_HOME` if set and non-empty, else the platform's data directory
    /// (`~/.local/share/caro` on Linux).
    pub fn from_env() -> Result<Self> {
        if let Some(home) = std::env::var_os(CARO_HOME).filter(|v| !v.is_empty()) {
            return Ok(Self {
                data_dir: PathBuf::from(home),
            });
        }
        let dirs = directories::ProjectDirs::from("", "", "caro").context(
            "cannot find your home directory; set CARO_HOME=DIR to choose where caro keeps its data",
        )?;
        Ok(Self {
            data_dir: dirs.data_dir().to_path_buf(),
        })
    }

    /// The SQLite history database.
    pub fn history_db(&self) -> PathBuf {
        self.data_dir.join("history.db")
    }

    /// Creates the data directory (mode 0700) if it is missing, and refuses
    /// one that another user owns or could write.
    pub fn ensure_data_dir(&self) -> Result<()> {
        create_private_dir(&self.data_dir).map_err(|err| match err {
            PathError::Unsafe(unsafe_path) => anyhow::Error::new(unsafe_path),
            PathError::Io(io) => anyhow::Error::new(io).context(format!(
                "cannot create caro's data directory {}; make it writable or set {CARO_HOME} to a writable directory",
                self.data_dir.display()
            )),
        })
    }
}

/// Makes everything this process and its children (the daemon, the relay)
/// create private to the user, whatever mode each call asks for: the
/// daemon's store, its lock and stamps, and files SQLite adds.
pub fn restrict_umask() {
    use nix::sys::stat::{umask, Mode};
    umask(Mode::from_bits_truncate(0o077));
}

/// Why caro would not use a path.
#[derive(Debug, thiserror::Error)]
pub enum PathError {
    #[error(transparent)]
    Io(#[from] io::Error),
    #[error(transparent)]
    Unsafe(#[from] UnsafePath),
}

/// A directory or file of caro's that another user could have written.
#[derive(Debug, thiserror::Error)]
pub enum UnsafePath {
    #[error(
        "refusing to use {path}: the {kind} belongs to another user (uid {owner}; you are uid {me}), \
         who could read or change what caro keeps there; set CARO_HOME to a directory of your own, \
         or, if it should be yours, `sudo chown {me} {quoted}`",
        path = .path.display(),
        quoted = quote(.path)
    )]
    NotYours {
        path: PathBuf,
        kind: &'static str,
        owner: u32,
        me: u32,
    },
    #[error(
        "refusing to use {path}: the {kind} is writable by {who} (mode {mode:04o}), so another user \
         could plant or change what caro reads there; make it private with `chmod {fix:o} {quoted}`",
        path = .path.display(),
        quoted = quote(.path)
    )]
    OpenToOthers {
        path: PathBuf,
        kind: &'static str,
        who: &'static str,
        mode: u32,
        fix: u32,
    },
}

fn quote(path: &Path) -> String {
    shell_words::quote(&path.to_string_lossy()).into_owned()
}

/// Refuses `meta` (of `path`) unless it is the user's and only the user can
/// write it.
fn check_private(path: &Path, meta: &Metadata) -> Result<(), UnsafePath> {
    let kind = if meta.is_dir() { "directory" } else { "file" };
    let me = nix::unistd::geteuid().as_raw();
    if meta.uid() != me {
        return Err(UnsafePath::NotYours {
            path: path.to_path_buf(),
            kind,
            owner: meta.uid(),
            me,
        });
    }
    let mode = meta.permissions().mode() & 0o7777;
    let who = match (mode & 0o020 != 0, mode & 0o002 != 0) {
        (false, false) => return Ok(()),
        (true, true) => "group and others",
        (true, false) => "its group",
        (false, true) => "others",
    };
    Err(UnsafePath::OpenToOthers {
        path: path.to_path_buf(),
        kind,
        who,
        mode,
        fix: if meta.is_dir() { 0o700 } else { 0o600 },
    })
}

/// Creates `dir` and its parents (new ones mode 0700), then refuses it if
/// another user owns it or could write it.
pub fn create_private_dir(dir: &Path) -> Result<(), PathError> {
    if !dir.is_dir() {
        DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
    }
    check_private(dir, &fs::metadata(dir)?)?;
    Ok(())
}

/// Makes sure `path` exists as a file of the user's that only the user can
/// read: a new one is created 0600; an existing one is refused if another
/// user owns it or could write it, and made 0600 if others could read it.
///
/// SQLite gives its `-wal` and `-shm` files the mode of the database file, so
/// a database created this way keeps them private too.
pub fn create_private_file(path: &Path) -> Result<(), PathError> {
    match OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => tighten_existing(path),
        Err(e) => Err(e.into()),
    }
}

/// [`create_private_file`] for `db`, and the same checks for every file
/// SQLite may already have beside it.
pub fn prepare_database_files(db: &Path) -> Result<(), PathError> {
    create_private_file(db)?;
    for suffix in SQLITE_COMPANIONS {
        let mut name = OsString::from(db.as_os_str());
        name.push(suffix);
        match tighten_existing(Path::new(&name)) {
            Err(PathError::Io(e)) if e.kind() == io::ErrorKind::NotFound => {}
            other => other?,
        }
    }
    Ok(())
}

fn tighten_existing(path: &Path) -> Result<(), PathError> {
    let meta = fs::metadata(path)?;
    check_private(path, &meta)?;
    if meta.permissions().mode() & 0o077 != 0 {
        fs::set_permissions(path, fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}
