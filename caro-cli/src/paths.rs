//! Where caro keeps its files: the platform's data and config directories, or
//! everything under `CARO_HOME` when it is set.

use std::fs::{self, DirBuilder, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// The environment variable that puts config, history, keys and daemon state
/// under one directory.
pub const CARO_HOME: &str = "CARO_HOME";

/// caro's directories for this user.
#[derive(Debug, Clone)]
pub struct Paths {
    /// History database, keys, daemon state.
    pub data_dir: PathBuf,
    /// Local settings that are not synced.
    pub config_dir: PathBuf,
}

impl Paths {
    /// `CARO_HOME` if set and non-empty, else the platform's directories
    /// (`~/.local/share/caro` and `~/.config/caro` on Linux).
    pub fn from_env() -> Result<Self> {
        if let Some(home) = std::env::var_os(CARO_HOME).filter(|v| !v.is_empty()) {
            let home = PathBuf::from(home);
            return Ok(Self {
                data_dir: home.clone(),
                config_dir: home,
            });
        }
        let dirs = directories::ProjectDirs::from("", "", "caro").context(
            "cannot find your home directory; set CARO_HOME=DIR to choose where caro keeps its data",
        )?;
        Ok(Self {
            data_dir: dirs.data_dir().to_path_buf(),
            config_dir: dirs.config_dir().to_path_buf(),
        })
    }

    /// The SQLite history database.
    pub fn history_db(&self) -> PathBuf {
        self.data_dir.join("history.db")
    }

    /// Creates the data directory (mode 0700) if it is missing.
    pub fn ensure_data_dir(&self) -> Result<()> {
        create_private_dir(&self.data_dir).with_context(|| {
            format!(
                "cannot create caro's data directory {}; make it writable or set {CARO_HOME} to a writable directory",
                self.data_dir.display()
            )
        })
    }
}

/// Creates `dir` and its parents; new directories are private to the user.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    DirBuilder::new().recursive(true).mode(0o700).create(dir)
}

/// Makes sure `path` exists as a regular file readable only by its owner.
///
/// SQLite gives its `-wal` and `-shm` files the mode of the database file, so
/// creating the database this way keeps all three private.
pub fn create_private_file(path: &Path) -> io::Result<()> {
    match OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            let meta = fs::metadata(path)?;
            if meta.permissions().mode() & 0o077 != 0 {
                fs::set_permissions(path, fs::Permissions::from_mode(0o600))?;
            }
            Ok(())
        }
        Err(e) => Err(e),
    }
}
