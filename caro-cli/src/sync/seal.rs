//! What crosses to the daemon, and back: entries as sealed command records
//! (AAD bound to the entry id), preferences sealed with the preference key
//! (AAD bound to the key name), device records sealed with the device key
//! (AAD bound to the device id). Opening failures are typed ([`OpenError`])
//! so a sync can count and report them without stopping, each under its own
//! name: a bad base64 string is `invalid-base64`, not `AuthenticationFailed`.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use crypto_core::{
    device_aad, open, open_command, preference_aad, seal, seal_command, CommandRecord, CryptoError,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::keys::SyncKeys;
use crate::daemon::protocol::{WireItem, OP_DELETE};
use crate::safety;
use crate::store::{HistoryEntry, RemoteTombstone};

/// Why a sealed item did not open.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("the item has no envelope")]
    MissingEnvelope,
    #[error("the envelope is not base64: {0}")]
    Base64(#[from] base64::DecodeError),
    #[error("{0}")]
    Crypto(#[from] CryptoError),
    #[error("the opened value is not the expected JSON: {0}")]
    Json(#[from] serde_json::Error),
}

impl OpenError {
    /// A stable name for reports: `missing-envelope`, `invalid-base64`,
    /// `invalid-json`, or crypto-core's kind (`AuthenticationFailed`, …).
    pub fn kind(&self) -> &'static str {
        match self {
            OpenError::MissingEnvelope => "missing-envelope",
            OpenError::Base64(_) => "invalid-base64",
            OpenError::Crypto(e) => e.kind(),
            OpenError::Json(_) => "invalid-json",
        }
    }
}

/// Why a pulled item was not stored: it did not open, or this device's
/// checks refused it (`guard.rs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub id: String,
    pub device_id: String,
    /// [`OpenError::kind`].
    pub kind: String,
    pub message: String,
}

impl Skipped {
    /// The item `id` from `device_id` failed to open with `err`.
    pub fn new(id: String, device_id: String, err: &OpenError) -> Self {
        Skipped {
            id,
            device_id,
            kind: err.kind().to_string(),
            message: err.to_string(),
        }
    }
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
fn record_from_entry(entry: &HistoryEntry) -> CommandRecord {
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

/// A record from another device as a stored entry, rated by this device's
/// rules: the sender's risk level is never trusted (a `rm -rf /` labelled safe
/// is stored as critical, with the local warnings).
fn entry_from_record(id: &str, device_id: &str, record: CommandRecord) -> HistoryEntry {
    let assessment = safety::assess(&record.command);
    HistoryEntry {
        id: id.to_string(),
        command: record.command,
        prompt: record.prompt,
        explanation: record.explanation,
        safety_level: assessment.level,
        safety_warnings: assessment.warnings,
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

/// Opens a pulled item. Never panics; a bad item is an [`Skipped`].
pub fn open_item(keys: &SyncKeys, item: WireItem) -> Result<Opened, Skipped> {
    if item.op.as_deref() == Some(OP_DELETE) {
        return Ok(Opened::Tombstone(RemoteTombstone {
            id: item.id,
            device_id: item.device_id,
            created_at: item.created_at,
            deleted_at: item.created_at,
        }));
    }
    match open_entry(keys, &item) {
        Ok(entry) => Ok(Opened::Entry(Box::new(entry))),
        Err(err) => Err(Skipped::new(item.id, item.device_id, &err)),
    }
}

fn open_entry(keys: &SyncKeys, item: &WireItem) -> Result<HistoryEntry, OpenError> {
    let envelope = item.envelope.as_deref().ok_or(OpenError::MissingEnvelope)?;
    let bytes = BASE64.decode(envelope)?;
    let record = open_command(&keys.command_key, &item.id, &bytes)?;
    Ok(entry_from_record(&item.id, &item.device_id, record))
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
pub fn open_preference(keys: &SyncKeys, key: &str, envelope: &str) -> Result<Value, OpenError> {
    let bytes = BASE64.decode(envelope)?;
    let plain = open(&keys.preference_key, &bytes, &preference_aad(key))?;
    Ok(serde_json::from_slice(&plain)?)
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
pub fn open_device(
    keys: &SyncKeys,
    device_id: &str,
    envelope: &str,
) -> Result<DeviceInfo, OpenError> {
    let bytes = BASE64.decode(envelope)?;
    let plain = open(&keys.device_key, &bytes, &device_aad(device_id))?;
    Ok(serde_json::from_slice(&plain)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::safety::RiskLevel;
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
        let assessment = safety::assess(&entry().command);
        let expected = HistoryEntry {
            safety_level: assessment.level,
            safety_warnings: assessment.warnings,
            ..entry()
        };
        match open_item(&k, item).unwrap() {
            Opened::Entry(opened) => assert_eq!(*opened, expected),
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
    fn a_record_is_rated_here_whatever_level_it_carries() {
        for label in [Some("safe"), Some("apocalyptic"), None] {
            let mut record = CommandRecord::new("rm -rf /", 1);
            record.safety_level = label.map(str::to_string);
            record.safety_warnings = Some(vec!["all fine".into()]);
            let entry = entry_from_record("id", "dev", record);
            assert_eq!(entry.safety_level, RiskLevel::Critical, "{label:?}");
            assert_eq!(
                entry.safety_warnings,
                safety::assess("rm -rf /").warnings,
                "{label:?}"
            );
        }
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

    #[test]
    fn each_failure_is_named_for_what_went_wrong() {
        let k = keys(4);
        let sealed = seal_entry(&k, &entry()).unwrap();
        let no_envelope = WireItem {
            envelope: None,
            ..sealed.clone()
        };
        assert_eq!(
            open_item(&k, no_envelope).unwrap_err().kind,
            "missing-envelope"
        );
        let not_base64 = WireItem {
            envelope: Some("not base64!".into()),
            ..sealed
        };
        assert_eq!(
            open_item(&k, not_base64).unwrap_err().kind,
            "invalid-base64"
        );
        let err = open_preference(&k, "auto_sync", "%%%").unwrap_err();
        assert!(matches!(err, OpenError::Base64(_)), "{err:?}");
        let not_json = BASE64.encode(seal(&k.preference_key, b"{", &preference_aad("k")).unwrap());
        let err = open_preference(&k, "k", &not_json).unwrap_err();
        assert_eq!(err.kind(), "invalid-json");
        let err = open_device(&k, "dev-a", &not_json).unwrap_err();
        assert_eq!(err.kind(), "AuthenticationFailed");
    }
}
