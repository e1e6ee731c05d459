//! What crosses to the daemon, and back: entries as sealed command records
//! (AAD bound to the entry id), preferences sealed with the preference key
//! (AAD bound to the key name), device records sealed with the device key
//! (AAD bound to the device id). Opening failures are typed so a sync can
//! count and report them without stopping.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use crypto_core::{
    device_aad, open, open_command, preference_aad, seal, seal_command, CommandRecord, CryptoError,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::keys::SyncKeys;
use crate::daemon::protocol::{WireItem, OP_DELETE};
use crate::safety::{self, RiskLevel};
use crate::store::{HistoryEntry, RemoteTombstone};

/// Why a pulled item could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub id: String,
    pub device_id: String,
    /// `invalid-base64`, `missing-envelope`, or a crypto-core error kind
    /// (`AuthenticationFailed`, `InvalidRecord`, …).
    pub kind: String,
    pub message: String,
}

/// A pulled item, opened.
#[derive(Debug)]
pub enum Opened {
    Entry(Box<HistoryEntry>),
    Tombstone(RemoteTombstone),
}

/// The plaintext of a device record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceInfo {
    pub name: String,
    pub platform: String,
}

/// An entry's synced fields as crypto-core's canonical record.
pub fn record_from_entry(entry: &HistoryEntry) -> CommandRecord {
    let mut record = CommandRecord::new(entry.command.clone(), entry.created_at);
    record.prompt.clone_from(&entry.prompt);
    record.explanation.clone_from(&entry.explanation);
    record.executed = Some(entry.executed);
    record.success = entry.success;
    record.exit_code = entry.exit_code;
    record.duration_ms = entry.duration_ms;
    record.cwd.clone_from(&entry.cwd);
    record.shell.clone_from(&entry.shell);
    record.platform.clone_from(&entry.platform);
    record.safety_level = Some(entry.safety_level.as_str().to_string());
    record.safety_warnings =
        (!entry.safety_warnings.is_empty()).then(|| entry.safety_warnings.clone());
    record
}

/// A record from another device as a stored entry. A record without a risk
/// level this caro knows (another tool wrote it, or a newer caro) is rated here.
pub fn entry_from_record(id: &str, device_id: &str, record: CommandRecord) -> HistoryEntry {
    let known_level = record
        .safety_level
        .as_deref()
        .and_then(|level| level.parse::<RiskLevel>().ok());
    let (safety_level, safety_warnings) = match known_level {
        Some(level) => (level, record.safety_warnings.unwrap_or_default()),
        None => {
            let assessment = safety::assess(&record.command);
            (assessment.level, assessment.warnings)
        }
    };
    HistoryEntry {
        id: id.to_string(),
        command: record.command,
        prompt: record.prompt,
        explanation: record.explanation,
        safety_level,
        safety_warnings,
        exit_code: record.exit_code,
        duration_ms: record.duration_ms,
        cwd: record.cwd,
        shell: record.shell,
        device_id: device_id.to_string(),
        created_at: record.created_at,
        executed: record.executed.unwrap_or(false),
        success: record.success,
        platform: record.platform,
        // Not in the synced record format: local to the device that ran it.
        session_id: None,
        hostname: None,
    }
}

/// Seals an entry for `sync.push`.
pub fn seal_entry(keys: &SyncKeys, entry: &HistoryEntry) -> Result<WireItem, CryptoError> {
    let envelope = seal_command(&keys.command_key, &entry.id, &record_from_entry(entry))?;
    Ok(WireItem {
        id: entry.id.clone(),
        device_id: entry.device_id.clone(),
        created_at: entry.created_at,
        envelope: Some(BASE64.encode(envelope)),
        op: None,
    })
}

/// A tombstone for `sync.push`: the entry `id` was deleted at `deleted_at`
/// on `device_id`.
pub fn tombstone(id: &str, device_id: &str, deleted_at: i64) -> WireItem {
    WireItem {
        id: id.to_string(),
        device_id: device_id.to_string(),
        created_at: deleted_at,
        envelope: None,
        op: Some(OP_DELETE.to_string()),
    }
}

/// Opens a pulled item. Never panics; a bad item is an [`Unreadable`].
pub fn open_item(keys: &SyncKeys, item: WireItem) -> Result<Opened, Unreadable> {
    if item.op.as_deref() == Some(OP_DELETE) {
        return Ok(Opened::Tombstone(RemoteTombstone {
            id: item.id,
            device_id: item.device_id,
            created_at: item.created_at,
            deleted_at: item.created_at,
        }));
    }
    let unreadable = |kind: &str, message: String| Unreadable {
        id: item.id.clone(),
        device_id: item.device_id.clone(),
        kind: kind.to_string(),
        message,
    };
    let Some(envelope) = item.envelope.as_deref() else {
        return Err(unreadable(
            "missing-envelope",
            "the item has no envelope".into(),
        ));
    };
    let bytes = BASE64
        .decode(envelope)
        .map_err(|e| unreadable("invalid-base64", e.to_string()))?;
    let record = open_command(&keys.command_key, &item.id, &bytes)
        .map_err(|e| unreadable(e.kind(), e.to_string()))?;
    Ok(Opened::Entry(Box::new(entry_from_record(
        &item.id,
        &item.device_id,
        record,
    ))))
}

/// Seals a preference's JSON value, bound to its key.
pub fn seal_preference(keys: &SyncKeys, key: &str, value: &Value) -> Result<String, CryptoError> {
    let envelope = seal(
        &keys.preference_key,
        value.to_string().as_bytes(),
        &preference_aad(key),
    )?;
    Ok(BASE64.encode(envelope))
}

/// Opens a preference's value sealed by [`seal_preference`].
pub fn open_preference(keys: &SyncKeys, key: &str, envelope: &str) -> Result<Value, String> {
    let bytes = BASE64.decode(envelope).map_err(|e| e.to_string())?;
    let plain =
        open(&keys.preference_key, &bytes, &preference_aad(key)).map_err(|e| e.to_string())?;
    serde_json::from_slice(&plain).map_err(|e| e.to_string())
}

/// Seals this device's name and platform, bound to its id.
pub fn seal_device(
    keys: &SyncKeys,
    device_id: &str,
    info: &DeviceInfo,
) -> Result<String, CryptoError> {
    let plain = serde_json::to_vec(info).map_err(|e| CryptoError::InvalidRecord(e.to_string()))?;
    let envelope = seal(&keys.device_key, &plain, &device_aad(device_id))?;
    Ok(BASE64.encode(envelope))
}

/// Opens a device record sealed by [`seal_device`].
pub fn open_device(keys: &SyncKeys, device_id: &str, envelope: &str) -> Result<DeviceInfo, String> {
    let bytes = BASE64.decode(envelope).map_err(|e| e.to_string())?;
    let plain =
        open(&keys.device_key, &bytes, &device_aad(device_id)).map_err(|e| e.to_string())?;
    serde_json::from_slice(&plain).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crypto_core::{KeySet, SecretKey};

    fn keys(seed: u8) -> SyncKeys {
        SyncKeys::from(
            KeySet::from_master_key(&SecretKey::from_bytes(&[seed; 32]).unwrap()).unwrap(),
        )
    }

    fn entry() -> HistoryEntry {
        HistoryEntry {
            id: "0193a000-0000-7000-8000-000000000001".into(),
            command: "git push --force".into(),
            prompt: Some("push it".into()),
            explanation: None,
            safety_level: RiskLevel::Moderate,
            safety_warnings: vec!["rewrites remote history".into()],
            exit_code: Some(0),
            duration_ms: Some(120),
            cwd: Some("/src".into()),
            shell: Some("zsh".into()),
            device_id: "dev-a".into(),
            created_at: 1_763_790_000_000,
            executed: true,
            success: Some(true),
            platform: Some("linux".into()),
            session_id: None,
            hostname: None,
        }
    }

    #[test]
    fn an_entry_round_trips_through_its_envelope() {
        let k = keys(1);
        let item = seal_entry(&k, &entry()).unwrap();
        match open_item(&k, item).unwrap() {
            Opened::Entry(opened) => assert_eq!(*opened, entry()),
            Opened::Tombstone(_) => panic!("not a tombstone"),
        }
    }

    #[test]
    fn a_wrong_key_or_a_moved_envelope_is_unreadable() {
        let item = seal_entry(&keys(1), &entry()).unwrap();
        let err = open_item(&keys(2), item.clone()).unwrap_err();
        assert_eq!(err.kind, "AuthenticationFailed");
        let moved = WireItem {
            id: "another-id".into(),
            ..item
        };
        assert_eq!(
            open_item(&keys(1), moved).unwrap_err().kind,
            "AuthenticationFailed"
        );
    }

    #[test]
    fn a_record_without_a_known_level_is_rated_here() {
        let mut record = CommandRecord::new("rm -rf /", 1);
        record.safety_level = Some("apocalyptic".into());
        let entry = entry_from_record("id", "dev", record);
        assert_eq!(entry.safety_level, RiskLevel::Critical);
        assert!(!entry.safety_warnings.is_empty());
    }

    #[test]
    fn preferences_and_devices_are_bound_to_their_names() {
        let k = keys(3);
        let sealed = seal_preference(&k, "auto_sync", &Value::Bool(true)).unwrap();
        assert_eq!(
            open_preference(&k, "auto_sync", &sealed).unwrap(),
            Value::Bool(true)
        );
        assert!(open_preference(&k, "secrets_filter", &sealed).is_err());
        let info = DeviceInfo {
            name: "laptop".into(),
            platform: "linux".into(),
        };
        let sealed = seal_device(&k, "dev-a", &info).unwrap();
        assert_eq!(open_device(&k, "dev-a", &sealed).unwrap(), info);
        assert!(open_device(&k, "dev-b", &sealed).is_err());
    }
}
