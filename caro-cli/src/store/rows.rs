//! How the store's structs map to rows, in one place: the entry column list,
//! a row to [`HistoryEntry`] and [`NewEntry`] to a row, a queue row to
//! [`SyncQueueItem`], a device row, and the SQL strings of the enums.

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use rusqlite::{params, Row, Transaction};

use super::error::UnknownRiskLevel;
use super::{HistoryEntry, NewEntry, Result};
use crate::safety::RiskLevel;

/// The columns [`entry_from_row`] reads, in its order (`h` is command_history).
pub(super) const ENTRY_COLUMNS: &str = "h.id, h.command, h.prompt, h.explanation, \
     h.safety_level, h.safety_warnings, h.exit_code, h.execution_time_ms, h.working_dir, \
     h.shell_type, h.device_id, h.created_at, h.executed, h.success, h.platform, h.session_id, \
     h.hostname";

const INSERT_ENTRY: &str = "INSERT OR IGNORE INTO command_history (
        id, prompt, command, explanation, executed, success, exit_code, execution_time_ms,
        working_dir, shell_type, platform, safety_level, safety_warnings, device_id,
        created_at, updated_at, synced_at, session_id, hostname)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)";

/// The columns [`queue_item_from_row`] reads, in its order.
pub(super) const QUEUE_COLUMNS: &str =
    "id, operation, entity_type, entity_id, payload, created_at, attempts, last_attempt_at, error";

/// The columns [`device_from_row`] reads, in its order.
pub(super) const DEVICE_COLUMNS: &str =
    "id, name, platform, is_current, created_at, updated_at, last_seen_at";

/// What happened to an entity (`sync_queue.operation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncOperation {
    Upsert,
    Delete,
}

/// Which table an enqueued item refers to (`sync_queue.entity_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntityType {
    /// `command_history`, by entry id.
    Command,
    /// `sync_preferences`, by key.
    Preference,
    /// `devices`, by device id.
    Device,
}

/// One pending change to push. An upsert carries no payload: the pusher reads
/// the entity's current state. A delete's payload is `{"deletedAt": ms}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncQueueItem {
    pub id: i64,
    pub operation: SyncOperation,
    pub entity_type: EntityType,
    pub entity_id: String,
    pub payload: Option<String>,
    pub created_at: i64,
    pub attempts: i64,
    pub last_attempt_at: Option<i64>,
    pub error: Option<String>,
}

impl SyncQueueItem {
    /// When a queued delete happened: its payload's `deletedAt`, else the
    /// time it was queued.
    pub fn deleted_at(&self) -> i64 {
        self.payload
            .as_deref()
            .and_then(|p| serde_json::from_str::<serde_json::Value>(p).ok())
            .and_then(|p| p.get("deletedAt").and_then(serde_json::Value::as_i64))
            .unwrap_or(self.created_at)
    }
}

/// A device this installation knows of: itself, or one learnt from the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownDevice {
    pub id: String,
    pub name: String,
    pub platform: String,
    pub is_current: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_seen_at: Option<i64>,
}

/// The enums stored as text: each name is written and read here only.
macro_rules! sql_text_enum {
    ($ty:ty { $($variant:path => $text:literal),+ $(,)? }) => {
        impl $ty {
            pub fn as_str(self) -> &'static str {
                match self {
                    $($variant => $text),+
                }
            }
        }

        impl ToSql for $ty {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.as_str()))
            }
        }

        impl FromSql for $ty {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                match value.as_str()? {
                    $($text => Ok($variant),)+
                    other => Err(FromSqlError::Other(
                        format!("unknown {} {other:?}", stringify!($ty)).into(),
                    )),
                }
            }
        }
    };
}

sql_text_enum!(SyncOperation {
    SyncOperation::Upsert => "upsert",
    SyncOperation::Delete => "delete",
});

sql_text_enum!(EntityType {
    EntityType::Command => "command",
    EntityType::Preference => "preference",
    EntityType::Device => "device",
});

/// `command_history.safety_level`: a level the schema does not allow is an
/// error, never quietly "safe".
impl FromSql for RiskLevel {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let text = value.as_str()?;
        text.parse()
            .map_err(|_| FromSqlError::Other(Box::new(UnknownRiskLevel(text.to_string()))))
    }
}

/// The fields of an entry that a new row takes (an entry from another device
/// is stored under its own id and device id).
impl From<&HistoryEntry> for NewEntry {
    fn from(entry: &HistoryEntry) -> Self {
        NewEntry {
            command: entry.command.clone(),
            prompt: entry.prompt.clone(),
            explanation: entry.explanation.clone(),
            safety_level: entry.safety_level,
            safety_warnings: entry.safety_warnings.clone(),
            executed: entry.executed,
            success: entry.success,
            exit_code: entry.exit_code,
            duration_ms: entry.duration_ms,
            cwd: entry.cwd.clone(),
            shell: entry.shell.clone(),
            platform: entry.platform.clone(),
            created_at: entry.created_at,
            session_id: entry.session_id.clone(),
            hostname: entry.hostname.clone(),
        }
    }
}

/// A row of [`ENTRY_COLUMNS`] as an entry.
pub(super) fn entry_from_row(row: &Row<'_>) -> rusqlite::Result<HistoryEntry> {
    let warnings: String = row.get(5)?;
    Ok(HistoryEntry {
        id: row.get(0)?,
        command: row.get(1)?,
        prompt: row.get(2)?,
        explanation: row.get(3)?,
        safety_level: row.get(4)?,
        safety_warnings: serde_json::from_str(&warnings).unwrap_or_default(),
        exit_code: row.get(6)?,
        duration_ms: row.get(7)?,
        cwd: row.get(8)?,
        shell: row.get(9)?,
        device_id: row.get(10)?,
        created_at: row.get(11)?,
        executed: row.get(12)?,
        success: row.get(13)?,
        platform: row.get(14)?,
        session_id: row.get(15)?,
        hostname: row.get(16)?,
    })
}

/// Inserts an entry row unless the id exists; returns whether it was inserted.
pub(super) fn insert_entry(
    tx: &Transaction<'_>,
    id: &str,
    entry: &NewEntry,
    device_id: &str,
    now: i64,
    synced_at: Option<i64>,
) -> Result<bool> {
    let warnings = serde_json::to_string(&entry.safety_warnings).unwrap_or_else(|_| "[]".into());
    let inserted = tx.prepare_cached(INSERT_ENTRY)?.execute(params![
        id,
        entry.prompt,
        entry.command,
        entry.explanation,
        entry.executed,
        entry.success,
        entry.exit_code,
        entry.duration_ms,
        entry.cwd,
        entry.shell,
        entry.platform,
        entry.safety_level.as_str(),
        warnings,
        device_id,
        entry.created_at,
        now,
        synced_at,
        entry.session_id,
        entry.hostname,
    ])?;
    Ok(inserted == 1)
}

/// A row of [`QUEUE_COLUMNS`] as a queue item: the one queue-row parser.
pub(super) fn queue_item_from_row(r: &Row<'_>) -> rusqlite::Result<SyncQueueItem> {
    Ok(SyncQueueItem {
        id: r.get(0)?,
        operation: r.get(1)?,
        entity_type: r.get(2)?,
        entity_id: r.get(3)?,
        payload: r.get(4)?,
        created_at: r.get(5)?,
        attempts: r.get(6)?,
        last_attempt_at: r.get(7)?,
        error: r.get(8)?,
    })
}

/// A row of [`DEVICE_COLUMNS`] as a device.
pub(super) fn device_from_row(r: &Row<'_>) -> rusqlite::Result<KnownDevice> {
    Ok(KnownDevice {
        id: r.get(0)?,
        name: r.get(1)?,
        platform: r.get(2)?,
        is_current: r.get(3)?,
        created_at: r.get(4)?,
        updated_at: r.get(5)?,
        last_seen_at: r.get(6)?,
    })
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    use super::*;

    fn read<T: FromSql>(text: &str) -> rusqlite::Result<T> {
        let conn = Connection::open_in_memory().unwrap();
        conn.query_row("SELECT ?1", [text], |r| r.get(0))
    }

    #[test]
    fn stored_enum_text_reads_back_and_unknown_text_is_an_error() {
        assert_eq!(read::<RiskLevel>("high").unwrap(), RiskLevel::High);
        assert!(read::<RiskLevel>("apocalyptic").is_err());
        assert_eq!(
            read::<SyncOperation>("delete").unwrap(),
            SyncOperation::Delete
        );
        assert!(read::<SyncOperation>("Delete").is_err());
        for entity in [
            EntityType::Command,
            EntityType::Preference,
            EntityType::Device,
        ] {
            assert_eq!(read::<EntityType>(entity.as_str()).unwrap(), entity);
        }
        assert!(read::<EntityType>("account").is_err());
    }

    #[test]
    fn a_queued_delete_is_dated_by_its_payload() {
        let mut item = SyncQueueItem {
            id: 1,
            operation: SyncOperation::Delete,
            entity_type: EntityType::Command,
            entity_id: "e".into(),
            payload: Some(r#"{"deletedAt": 42}"#.into()),
            created_at: 7,
            attempts: 0,
            last_attempt_at: None,
            error: None,
        };
        assert_eq!(item.deleted_at(), 42);
        item.payload = None;
        assert_eq!(item.deleted_at(), 7);
    }
}
