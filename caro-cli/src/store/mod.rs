//! The SQLite history store: one database per `CARO_HOME`, in WAL mode with a
//! busy timeout so that concurrent `caro` processes wait for each other rather
//! than fail. Every write is one `BEGIN IMMEDIATE` transaction, and anything a
//! sync layer must carry (entries, deletes, preferences) is enqueued in
//! `sync_queue` inside that same transaction.

mod entries;
mod error;
mod identity;
mod integrity;
mod model;
mod outbox;
mod preferences;
mod query;
mod queue;
mod rehome;
mod remote;
mod rotation;
mod rows;
pub mod schema;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::config::DbConfig;
use rusqlite::{Connection, ErrorCode, OptionalExtension, Transaction, TransactionBehavior};

pub use entries::{ImportCounts, ImportKey, PruneCounts, Stats};
pub use error::{Result, StoreError};
pub use identity::SyncIdentity;
pub use integrity::{ChainState, Finding, FindingKind, IntegrityState, Rejection};
pub use model::{HistoryEntry, NewEntry};
pub use outbox::{LocalOp, OutboxRecord, OwnChain, Sealed, ToSeal, GENESIS_HASH};
pub use preferences::StoredPreference;
pub use query::{fuzzy_like_patterns, like_escape, CompactRow, EntryFilter, SearchMode};
pub use rehome::Rehomed;
pub use remote::{PageCounts, PulledPage, RemoteDevice, RemoteTombstone};
pub use rotation::RetiredToSeal;
pub use rows::{EntityType, KnownDevice, SyncOperation, SyncQueueItem};

use crate::paths;

/// How long a process waits for another one's write before giving up.
pub const DEFAULT_BUSY_TIMEOUT_MS: u64 = 5_000;

/// How long the write-ahead log may grow before `record` folds it back.
const WAL_FOLD_BYTES: u64 = 512 * 1024;

/// Overrides [`DEFAULT_BUSY_TIMEOUT_MS`] (milliseconds); tests use a short one.
pub const BUSY_TIMEOUT_ENV: &str = "CARO_BUSY_TIMEOUT_MS";

/// An open history database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    busy_timeout_ms: u64,
}

impl Store {
    /// Opens (creating if needed, mode 0600) and migrates the database at
    /// `path`; refuses it, or a `-wal`/`-shm`/`-journal` beside it, when
    /// another user owns it or could write it.
    pub fn open(path: &Path) -> Result<Self> {
        let timeout = std::env::var(BUSY_TIMEOUT_ENV)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(DEFAULT_BUSY_TIMEOUT_MS);
        Self::open_with_busy_timeout(path, timeout)
    }

    /// Like [`Store::open`] with an explicit busy timeout.
    fn open_with_busy_timeout(path: &Path, busy_timeout_ms: u64) -> Result<Self> {
        paths::prepare_database_files(path).map_err(|e| match e {
            paths::PathError::Io(e) => StoreError::from_io(path, &e),
            paths::PathError::Unsafe(e) => StoreError::Unsafe(e),
        })?;
        let classify = |e: StoreError| e.classify(path, busy_timeout_ms);
        let conn = Connection::open(path).map_err(|e| classify(e.into()))?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
            busy_timeout_ms,
        };
        store.configure().map_err(classify)?;
        Ok(store)
    }

    /// Opens this installation's history database (`paths`), creating its
    /// directory if needed: the one way commands and sync open the store.
    pub fn open_in(paths: &crate::paths::Paths) -> anyhow::Result<Self> {
        paths.ensure_data_dir()?;
        Ok(Self::open(&paths.history_db())?)
    }

    fn configure(&mut self) -> Result<()> {
        self.conn
            .busy_timeout(Duration::from_millis(self.busy_timeout_ms))?;
        self.enable_wal()?;
        // In WAL mode NORMAL loses no committed write on a process crash and
        // skips the fsync per commit that dominates a one-entry insert.
        self.conn.pragma_update(None, "synchronous", "NORMAL")?;
        // Every caro process is short-lived: checkpointing the log as each one
        // closes would cost an fsync per `history add`.
        self.conn
            .set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)?;
        // The first process to open the database reads the whole log to
        // rebuild its index: `record` keeps the log short.
        self.migrate()
    }

    /// WAL is a property of the file: set once, by whichever process gets there
    /// first. Changing the journal mode needs a lock the busy handler does not
    /// always wait for, so retry until the busy timeout.
    fn enable_wal(&self) -> Result<()> {
        let mode: String = self
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
        if mode.eq_ignore_ascii_case("wal") {
            return Ok(());
        }
        let deadline = Instant::now() + Duration::from_millis(self.busy_timeout_ms);
        loop {
            match self
                .conn
                .query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0))
            {
                Ok(_) => return Ok(()),
                Err(e)
                    if matches!(
                        e.sqlite_error_code(),
                        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
                    ) && Instant::now() < deadline =>
                {
                    std::thread::sleep(Duration::from_millis(2));
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    fn migrate(&mut self) -> Result<()> {
        let version = user_version(&self.conn)?;
        if version == schema::LATEST_VERSION {
            return Ok(());
        }
        if version > schema::LATEST_VERSION {
            return Err(self.too_new(version));
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Another process may have migrated while this one waited for the lock.
        let version = user_version(&tx)?;
        if version > schema::LATEST_VERSION {
            return Err(StoreError::TooNew {
                path: self.path.clone(),
                found: version,
                known: schema::LATEST_VERSION,
            });
        }
        for migration in &schema::MIGRATIONS[usize::try_from(version).unwrap_or(0)..] {
            tx.execute_batch(migration)?;
        }
        tx.pragma_update(None, "user_version", schema::LATEST_VERSION)?;
        ensure_current_device(&tx)?;
        tx.commit()?;
        Ok(())
    }

    fn too_new(&self, found: i64) -> StoreError {
        StoreError::TooNew {
            path: self.path.clone(),
            found,
            known: schema::LATEST_VERSION,
        }
    }

    /// Runs a read, giving any SQLite error its meaning and the path.
    fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        f(&self.conn).map_err(|e| e.classify(&self.path, self.busy_timeout_ms))
    }

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction: all of it or none of it.
    fn write<T>(&mut self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let result = (|| {
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            let value = f(&tx)?;
            tx.commit()?;
            Ok(value)
        })();
        result.map_err(|e: StoreError| e.classify(&self.path, self.busy_timeout_ms))
    }

    /// Folds the write-ahead log back into the database once it passes
    /// [`WAL_FOLD_BYTES`]: every `caro` process reads the whole log when it
    /// opens the database, so a short log keeps `history add` fast, and one
    /// checkpoint every few dozen adds costs less than one per add.
    fn fold_wal_if_long(&self) {
        let mut wal = self.path.clone().into_os_string();
        wal.push("-wal");
        let long = std::fs::metadata(&wal).is_ok_and(|m| m.len() > WAL_FOLD_BYTES);
        if long {
            // Best effort: a busy database is folded by a later process.
            let _ = self
                .conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        }
    }

    /// This installation's device id, generated once when the database was created.
    pub fn current_device_id(&self) -> Result<String> {
        self.read(|conn| Ok(current_device_id(conn)?))
    }
}

fn user_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
}

fn current_device_id(conn: &Connection) -> rusqlite::Result<String> {
    conn.prepare_cached("SELECT id FROM devices WHERE is_current = 1")?
        .query_row([], |r| r.get(0))
}

fn ensure_current_device(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    let existing: Option<String> = tx
        .query_row("SELECT id FROM devices WHERE is_current = 1", [], |r| {
            r.get(0)
        })
        .optional()?;
    if existing.is_some() {
        return Ok(());
    }
    let now = crate::time::now_ms();
    tx.execute(
        "INSERT INTO devices (id, name, platform, is_current, created_at, updated_at, last_seen_at)
         VALUES (?1, ?2, ?3, 1, ?4, ?4, ?4)",
        rusqlite::params![
            uuid::Uuid::now_v7().to_string(),
            hostname(),
            std::env::consts::OS,
            now
        ],
    )?;
    Ok(())
}

/// gethostname(2): the same call on Linux and macOS.
fn hostname() -> String {
    nix::unistd::gethostname()
        .ok()
        .map(|h| h.to_string_lossy().trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}
