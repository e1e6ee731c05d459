//! Store failures, each phrased for the person who has to fix it.

use std::io;
use std::path::PathBuf;

use rusqlite::ErrorCode;

/// What can go wrong with the history database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "{path} is not a readable caro history database ({detail}); move it aside \
         (mv {path} {path}.bak) and caro will start a new one"
    )]
    Corrupt { path: PathBuf, detail: String },

    #[error(
        "{path} is locked by another process (waited {waited_ms} ms); retry in a moment, \
         or find the process holding it with `fuser {path}`"
    )]
    Locked { path: PathBuf, waited_ms: u64 },

    #[error(
        "cannot write {path} ({detail}); make it and its directory writable, \
         or set CARO_HOME to a writable directory"
    )]
    Unwritable { path: PathBuf, detail: String },

    #[error(
        "{path} was written by a newer caro (schema version {found}, this caro knows up to \
         {known}); upgrade caro"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },

    #[error(
        "{path} holds the risk level '{level}', which this caro does not know (a newer caro \
         wrote it, or the file was edited); upgrade caro, or list those entries with \
         sqlite3 {path} \"SELECT id, command FROM command_history WHERE safety_level = '{level}'\" \
         and remove them with `caro history delete ID`"
    )]
    UnknownRiskLevel { path: PathBuf, level: String },

    #[error("no history entry with id {}; `caro history list` shows the ids", .ids.join(", "))]
    UnknownIds { ids: Vec<String> },

    #[error("{path}: {source}")]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },

    /// The database, or a file SQLite keeps beside it, is not only the user's.
    #[error(transparent)]
    Unsafe(crate::paths::UnsafePath),

    /// A record could not be sealed for the outbox (the system's randomness
    /// failed, say); nothing was written.
    #[error("cannot seal a record for sync: {0}")]
    Sealing(String),

    /// Inside the store only: becomes one of the variants above, with the
    /// path, before it leaves a public method.
    #[error(transparent)]
    Raw(#[from] rusqlite::Error),
}

impl StoreError {
    /// Gives a raw SQLite error its meaning and the database path.
    pub(crate) fn classify(self, path: &std::path::Path, busy_timeout_ms: u64) -> StoreError {
        let StoreError::Raw(err) = self else {
            return self;
        };
        let path = path.to_path_buf();
        if let rusqlite::Error::FromSqlConversionFailure(_, _, cause) = &err {
            if let Some(UnknownRiskLevel(level)) = cause.downcast_ref() {
                return StoreError::UnknownRiskLevel {
                    path,
                    level: level.clone(),
                };
            }
        }
        match err.sqlite_error_code() {
            Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => StoreError::Corrupt {
                path,
                detail: err.to_string(),
            },
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Locked {
                path,
                waited_ms: busy_timeout_ms,
            },
            Some(
                ErrorCode::ReadOnly
                | ErrorCode::CannotOpen
                | ErrorCode::PermissionDenied
                | ErrorCode::DiskFull
                | ErrorCode::SystemIoFailure,
            ) => StoreError::Unwritable {
                path,
                detail: err.to_string(),
            },
            _ => StoreError::Sqlite { path, source: err },
        }
    }

    /// An I/O failure creating or opening the database file.
    pub(crate) fn from_io(path: &std::path::Path, err: &io::Error) -> StoreError {
        StoreError::Unwritable {
            path: path.to_path_buf(),
            detail: err.to_string(),
        }
    }
}

/// A stored risk level no [`crate::safety::RiskLevel`] names. It travels
/// inside rusqlite's conversion error until [`StoreError::classify`] adds the
/// path; reading it as "safe" would hide a dangerous command's badge.
#[derive(Debug, thiserror::Error)]
#[error("unknown risk level '{0}'")]
pub struct UnknownRiskLevel(pub String);

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
