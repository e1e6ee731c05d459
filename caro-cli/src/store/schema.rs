//! The schema, as a list of migrations: migration `n` (1-based) brings a
//! database from `user_version` n-1 to n. Append only; never edit a shipped one.

/// The trigger that indexes a new live entry. A bulk import drops it, indexes
/// its rows in one statement, and recreates it from this same text.
macro_rules! fts_insert_trigger {
    () => {
        "CREATE TRIGGER command_history_fts_insert AFTER INSERT ON command_history
WHEN new.deleted_at IS NULL BEGIN
    INSERT INTO command_history_fts (rowid, command, prompt, explanation)
    VALUES (new.rowid, new.command, new.prompt, new.explanation);
END"
    };
}

/// See [`fts_insert_trigger!`].
pub const FTS_INSERT_TRIGGER: &str = fts_insert_trigger!();

/// Version 1: the product's data model.
///
/// Invariants the triggers rely on: the text columns (command, prompt,
/// explanation) never change while an entry is live; a soft delete sets
/// `deleted_at` and clears them in the same UPDATE, and an entry is in the
/// full-text index exactly while `deleted_at IS NULL`.
const V1: &str = concat!(
    r#"
CREATE TABLE devices (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    platform     TEXT NOT NULL,
    is_current   INTEGER NOT NULL DEFAULT 0 CHECK (is_current IN (0, 1)),
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    last_seen_at INTEGER
);
CREATE UNIQUE INDEX devices_one_current ON devices (is_current) WHERE is_current = 1;

CREATE TABLE command_history (
    id                TEXT PRIMARY KEY,
    prompt            TEXT,
    command           TEXT NOT NULL,
    explanation       TEXT,
    executed          INTEGER NOT NULL DEFAULT 0,
    success           INTEGER,
    exit_code         INTEGER,
    execution_time_ms INTEGER,
    working_dir       TEXT,
    shell_type        TEXT,
    platform          TEXT,
    safety_level      TEXT NOT NULL DEFAULT 'safe'
                      CHECK (safety_level IN ('safe', 'moderate', 'high', 'critical')),
    safety_warnings   TEXT NOT NULL DEFAULT '[]',
    device_id         TEXT NOT NULL,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    synced_at         INTEGER,
    deleted_at        INTEGER,
    schema_version    INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX command_history_created_at ON command_history (created_at);
CREATE INDEX command_history_synced_at ON command_history (synced_at);
-- Partial: it serves tombstone housekeeping, and as a full index the planner
-- would pick it for `deleted_at IS NULL` and sort every live row.
CREATE INDEX command_history_deleted_at ON command_history (deleted_at)
    WHERE deleted_at IS NOT NULL;

CREATE VIRTUAL TABLE command_history_fts USING fts5 (
    command, prompt, explanation,
    content = 'command_history', content_rowid = 'rowid'
);
-- A hit in the command counts most, then the prompt, then the explanation.
INSERT INTO command_history_fts (command_history_fts, rank) VALUES ('rank', 'bm25(10.0, 4.0, 2.0)');
"#,
    fts_insert_trigger!(),
    r#";
CREATE TRIGGER command_history_fts_soft_delete AFTER UPDATE OF deleted_at ON command_history
WHEN old.deleted_at IS NULL AND new.deleted_at IS NOT NULL BEGIN
    INSERT INTO command_history_fts (command_history_fts, rowid, command, prompt, explanation)
    VALUES ('delete', old.rowid, old.command, old.prompt, old.explanation);
END;
CREATE TRIGGER command_history_fts_delete AFTER DELETE ON command_history
WHEN old.deleted_at IS NULL BEGIN
    INSERT INTO command_history_fts (command_history_fts, rowid, command, prompt, explanation)
    VALUES ('delete', old.rowid, old.command, old.prompt, old.explanation);
END;

CREATE TABLE sync_identity (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    key_id     TEXT NOT NULL,
    account_id TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE sync_queue (
    id              INTEGER PRIMARY KEY,
    operation       TEXT NOT NULL CHECK (operation IN ('upsert', 'delete')),
    entity_type     TEXT NOT NULL CHECK (entity_type IN ('command', 'preference', 'device')),
    entity_id       TEXT NOT NULL,
    payload         TEXT,
    created_at      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_attempt_at INTEGER,
    error           TEXT
);
CREATE INDEX sync_queue_entity ON sync_queue (entity_type, entity_id);

CREATE TABLE sync_preferences (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_by TEXT NOT NULL,
    synced_at  INTEGER
);
"#
);

/// Version 2: what `caro sync` remembers about its account: the relay, the
/// daemon's pull cursor (written in the same transaction as the entries it
/// covers) and when the last sync finished.
const V2_SYNC_STATE: &str = r#"
ALTER TABLE sync_identity ADD COLUMN relay_url TEXT;
ALTER TABLE sync_identity ADD COLUMN pull_cursor TEXT;
ALTER TABLE sync_identity ADD COLUMN last_sync_at INTEGER;
"#;

/// Version 3: what imports already brought in, by a local key (a hash of the
/// source, the command's time, text and occurrence). Re-imports add nothing,
/// while the entries' ids stay random: two devices importing the same file
/// keep separate entries. Never synced.
const V3_IMPORT_KEYS: &str = r#"
CREATE TABLE import_keys (key BLOB PRIMARY KEY) WITHOUT ROWID;
"#;

/// Version 4: where an entry was typed (the shell session from the hooks'
/// `CARO_SESSION`, the host name), for the search filters, and the indexes
/// that keep those filters off a full scan. Partial on live rows: tombstones
/// are never searched. Each index ends in `created_at` so a filtered listing
/// walks it newest first and stops at the limit (checked with EXPLAIN QUERY
/// PLAN: `SEARCH h USING INDEX ... (working_dir=?)`, no temp B-tree).
const V4_WHERE: &str = r#"
ALTER TABLE command_history ADD COLUMN session_id TEXT;
ALTER TABLE command_history ADD COLUMN hostname TEXT;
CREATE INDEX command_history_cwd ON command_history (working_dir, created_at)
    WHERE deleted_at IS NULL;
CREATE INDEX command_history_session ON command_history (session_id, created_at)
    WHERE deleted_at IS NULL AND session_id IS NOT NULL;
CREATE INDEX command_history_device ON command_history (device_id, created_at)
    WHERE deleted_at IS NULL;
"#;

/// Version 5: sync protocol v2 (issue 10). This home's own log: its chain
/// (`sync_own_chain`: account, device id, next seq, last hash, and the highest stamp
/// seen, the hybrid clock of preferences and device records) and its outbox
/// (every record it sealed, by seq, with the daemon's last refusal of it; an
/// acknowledged one keeps only its seq and hash, the proof of what this home
/// wrote). What it verified of every
/// device's log (`sync_chains`, this device's included; `broken_at` stops a
/// device whose chain broke). What the last pull found wrong
/// (`sync_findings`: gaps, withheld tails, forks) and the records it rejected
/// (`sync_rejections`). Preferences get the seq of the record that set them,
/// the last tie-break of last-writer-wins. The v1 pull cursor means nothing
/// to a v2 daemon: dropped. Entries, preferences and the queue stay as they
/// were: the queue is sealed into the outbox by the next sync.
const V5_CHAINS: &str = r#"
CREATE TABLE sync_own_chain (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    account_id TEXT,
    device_id  TEXT NOT NULL,
    next_seq   INTEGER NOT NULL,
    last_hash  TEXT NOT NULL,
    clock      INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE sync_outbox (
    seq      INTEGER PRIMARY KEY,
    kind     TEXT NOT NULL,
    id       TEXT NOT NULL,
    epoch    INTEGER NOT NULL,
    envelope BLOB,
    hash     TEXT NOT NULL,
    acked    INTEGER NOT NULL DEFAULT 0 CHECK (acked IN (0, 1)),
    error    TEXT
);
CREATE INDEX sync_outbox_pending ON sync_outbox (seq) WHERE acked = 0;
CREATE TABLE sync_chains (
    device_id  TEXT PRIMARY KEY,
    next_seq   INTEGER NOT NULL,
    last_hash  TEXT NOT NULL,
    broken_at  INTEGER,
    updated_at INTEGER NOT NULL
);
CREATE TABLE sync_findings (
    kind      TEXT NOT NULL CHECK (kind IN ('gap', 'withheld', 'fork')),
    device_id TEXT NOT NULL,
    seq_from  INTEGER NOT NULL,
    seq_to    INTEGER NOT NULL,
    found_at  INTEGER NOT NULL,
    PRIMARY KEY (kind, device_id, seq_from)
);
CREATE TABLE sync_rejections (
    device_id   TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    record_kind TEXT NOT NULL,
    record_id   TEXT NOT NULL,
    reason      TEXT NOT NULL,
    message     TEXT NOT NULL,
    found_at    INTEGER NOT NULL,
    PRIMARY KEY (device_id, seq)
);
ALTER TABLE sync_preferences ADD COLUMN updated_seq INTEGER NOT NULL DEFAULT 0;
UPDATE sync_identity SET pull_cursor = NULL;
"#;

/// All migrations in order; the database's `user_version` is how many ran.
pub const MIGRATIONS: &[&str] = &[V1, V2_SYNC_STATE, V3_IMPORT_KEYS, V4_WHERE, V5_CHAINS];

/// The `user_version` of a fully migrated database.
pub const LATEST_VERSION: i64 = MIGRATIONS.len() as i64;
