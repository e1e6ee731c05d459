//! What crosses to the daemon, and back (sync protocol v2, V2.md §1): every
//! operation of this home sealed as one record carrying all its metadata
//! (kind, id, device, seq, epoch, the previous record's hash, its time) under
//! its kind's key, with an AAD built from the hints; heads sealed under the
//! device key; and pulled records opened under the hints they came with. The
//! wire carries hints and envelopes only.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use crypto_core::{
    open_record, record_hash, seal_record, Body, CryptoError, DeviceBody, EntryBody, Hints,
    PrefBody, Record, RecordKind, RetiredBody,
};
use serde_json::{json, Value};

use super::keys::SyncKeys;
use crate::daemon::protocol::{DeviceHead, WireHead, WireRecord};
use crate::safety;
use crate::store::{HistoryEntry, LocalOp, OutboxRecord, RetiredToSeal, Sealed, ToSeal};

/// The longest device id the wire carries (the daemon's `MAX_DEVICE_ID_CHARS`).
const MAX_DEVICE_ID_LEN: usize = 128;

/// The id of every head record.
pub const HEAD_ID: &str = "head";

/// The id of every retirement notice.
pub const RETIRED_ID: &str = "retired";

/// Why a pulled record was not applied: a stable name and a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// crypto-core's kind (`AuthenticationFailed`, `HintMismatch`,
    /// `TimeOutOfRange`, …), `invalid-base64`, or a guard's (`secret`, …).
    pub reason: String,
    pub message: String,
}

impl From<CryptoError> for Refusal {
    fn from(err: CryptoError) -> Self {
        Refusal {
            reason: err.kind().to_string(),
            message: err.to_string(),
        }
    }
}

/// Seals one queued change as the record `to_seal` places in this home's log.
pub fn seal(keys: &SyncKeys, to_seal: &ToSeal<'_>) -> Result<Sealed, CryptoError> {
    let (kind, body) = match to_seal.op {
        LocalOp::Entry(entry) => (
            RecordKind::Entry,
            entry_body(entry, to_seal.device_id).to_value(),
        ),
        LocalOp::Delete { .. } => (RecordKind::Delete, json!({})),
        LocalOp::Preference(pref) => (
            RecordKind::Pref,
            PrefBody {
                value: pref.value.clone(),
            }
            .to_value(),
        ),
        LocalOp::Device { name, platform } => (
            RecordKind::Device,
            DeviceBody {
                name: name.clone(),
                platform: platform.clone(),
            }
            .to_value(),
        ),
    };
    let record = Record {
        kind,
        id: to_seal.id.to_string(),
        device_id: to_seal.device_id.to_string(),
        seq: to_seal.seq,
        epoch: keys.epoch,
        prev: to_seal.prev.to_string(),
        created_at: to_seal.created_at,
        body,
    };
    let envelope = seal_record(keys.for_kind(kind), &record)?;
    Ok(Sealed {
        epoch: keys.epoch,
        hash: record_hash(&envelope),
        envelope,
    })
}

/// A sealed head: this home's log ends with record `seq`, whose hash is `hash`.
pub fn seal_head(
    keys: &SyncKeys,
    device_id: &str,
    seq: u64,
    hash: &str,
    created_at: i64,
) -> Result<WireHead, CryptoError> {
    seal_head_with(keys, device_id, seq, hash, created_at, json!({}))
}

/// The head of a log that ends with the account's retirement notice says so
/// in its body (a field readers of an older caro ignore), so that every
/// device learns of the rotation from the heads before it pushes anything
/// more into the retired account.
pub fn seal_final_head(
    keys: &SyncKeys,
    device_id: &str,
    seq: u64,
    hash: &str,
    created_at: i64,
) -> Result<WireHead, CryptoError> {
    seal_head_with(
        keys,
        device_id,
        seq,
        hash,
        created_at,
        json!({ RETIRED_ID: true }),
    )
}

/// Whether a device's head says its log ends with a retirement notice.
pub fn head_says_retired(keys: &SyncKeys, head: &DeviceHead) -> bool {
    let item = WireRecord {
        device_id: head.device_id.clone(),
        seq: head.seq,
        kind: RecordKind::Head.as_str().to_string(),
        id: HEAD_ID.to_string(),
        epoch: head.epoch,
        envelope: head.envelope.clone(),
    };
    envelope_of(&item)
        .and_then(|(bytes, _)| open(keys, &item, &bytes))
        .is_ok_and(|record| record.body.get(RETIRED_ID) == Some(&Value::Bool(true)))
}

fn seal_head_with(
    keys: &SyncKeys,
    device_id: &str,
    seq: u64,
    hash: &str,
    created_at: i64,
    body: Value,
) -> Result<WireHead, CryptoError> {
    let record = Record {
        kind: RecordKind::Head,
        id: HEAD_ID.to_string(),
        device_id: device_id.to_string(),
        seq,
        epoch: keys.epoch,
        prev: hash.to_string(),
        created_at,
        body,
    };
    let envelope = seal_record(keys.for_kind(RecordKind::Head), &record)?;
    Ok(WireHead {
        seq,
        epoch: keys.epoch,
        envelope: BASE64.encode(envelope),
    })
}

/// An outbox record as `sync.push` carries it.
pub fn to_wire(device_id: &str, record: &OutboxRecord) -> WireRecord {
    WireRecord {
        device_id: device_id.to_string(),
        seq: record.seq,
        kind: record.kind.clone(),
        id: record.id.clone(),
        epoch: record.epoch,
        envelope: BASE64.encode(&record.envelope),
    }
}

/// A pulled record's envelope bytes and their hash (known even when the
/// record does not open, so its device's chain can move past it).
pub fn envelope_of(item: &WireRecord) -> Result<(Vec<u8>, String), Refusal> {
    let bytes = BASE64.decode(&item.envelope).map_err(|e| Refusal {
        reason: "invalid-base64".into(),
        message: format!("the envelope is not base64: {e}"),
    })?;
    let hash = record_hash(&bytes);
    Ok((bytes, hash))
}

/// Opens a pulled record under the hints it came with and the key of the
/// kind it claims: a hint that lies fails to authenticate.
pub fn open(keys: &SyncKeys, item: &WireRecord, envelope: &[u8]) -> Result<Record, Refusal> {
    let kind: RecordKind = item.kind.parse()?;
    let hints = Hints {
        kind,
        id: item.id.clone(),
        device_id: item.device_id.clone(),
        seq: item.seq,
        epoch: item.epoch,
    };
    if item.epoch != keys.epoch {
        // Another epoch's record belongs to another account's keys: one a
        // rotation replaced, or a device of it that has not joined again.
        return Err(Refusal {
            reason: "wrong-epoch".into(),
            message: format!(
                "the record is of key epoch {}, this account's keys are epoch {}",
                item.epoch, keys.epoch
            ),
        });
    }
    Ok(open_record(keys.for_kind(kind), &hints, envelope)?)
}

/// Opens a pulled record under the epoch its hints claim, for a device that
/// joined an account and does not know its epoch yet (the record must still
/// authenticate under this account's keys).
pub fn open_any_epoch(keys: &SyncKeys, item: &WireRecord) -> Result<Record, Refusal> {
    let (bytes, _) = envelope_of(item)?;
    let kind: RecordKind = item.kind.parse()?;
    let hints = Hints {
        kind,
        id: item.id.clone(),
        device_id: item.device_id.clone(),
        seq: item.seq,
        epoch: item.epoch,
    };
    Ok(open_record(keys.for_kind(kind), &hints, &bytes)?)
}

/// The retirement notice `to_seal` places in this home's log: why the account
/// was retired and which devices were removed; nothing of the new keys.
pub fn seal_retired(
    keys: &SyncKeys,
    to_seal: &RetiredToSeal<'_>,
    body: &RetiredBody,
) -> Result<Sealed, CryptoError> {
    let record = Record {
        kind: RecordKind::Retired,
        id: RETIRED_ID.to_string(),
        device_id: to_seal.device_id.to_string(),
        seq: to_seal.seq,
        epoch: keys.epoch,
        prev: to_seal.prev.to_string(),
        created_at: to_seal.created_at,
        body: body.to_value(),
    };
    let envelope = seal_record(keys.for_kind(RecordKind::Retired), &record)?;
    Ok(Sealed {
        epoch: keys.epoch,
        hash: record_hash(&envelope),
        envelope,
    })
}

/// Opens a device's head: the seq and hash of its last record.
pub fn open_head(keys: &SyncKeys, head: &DeviceHead) -> Result<(u64, String), Refusal> {
    let item = WireRecord {
        device_id: head.device_id.clone(),
        seq: head.seq,
        kind: RecordKind::Head.as_str().to_string(),
        id: HEAD_ID.to_string(),
        epoch: head.epoch,
        envelope: head.envelope.clone(),
    };
    let (bytes, _) = envelope_of(&item)?;
    let record = open(keys, &item, &bytes)?;
    Ok((record.seq, record.prev))
}

/// An entry's synced fields, sealed into `author`'s log. Session ids stay
/// local.
fn entry_body(entry: &HistoryEntry, author: &str) -> EntryBody {
    let mut body = EntryBody::new(entry.command.clone());
    body.prompt.clone_from(&entry.prompt);
    body.explanation.clone_from(&entry.explanation);
    body.executed = Some(entry.executed);
    body.success = entry.success;
    body.exit_code = entry.exit_code;
    body.duration_ms = entry.duration_ms;
    body.cwd.clone_from(&entry.cwd);
    body.shell.clone_from(&entry.shell);
    body.platform.clone_from(&entry.platform);
    body.hostname.clone_from(&entry.hostname);
    body.safety_level = Some(entry.safety_level.as_str().to_string());
    body.safety_warnings =
        (!entry.safety_warnings.is_empty()).then(|| entry.safety_warnings.clone());
    body.recorded_by = (entry.device_id != author).then(|| entry.device_id.clone());
    body
}

/// An opened entry record as a stored entry, rated by this device's rules:
/// the sender's risk level is never trusted (a `rm -rf /` labelled safe is
/// stored as critical, with the local warnings).
pub fn entry_from_record(record: &Record) -> Result<HistoryEntry, Refusal> {
    let body: EntryBody = record.body_as()?;
    let assessment = safety::assess(&body.command);
    // Who recorded it, if another device did; an id no device could have is
    // ignored.
    let recorded_by = body
        .recorded_by
        .filter(|id| (1..=MAX_DEVICE_ID_LEN).contains(&id.len()))
        .unwrap_or_else(|| record.device_id.clone());
    Ok(HistoryEntry {
        id: record.id.clone(),
        command: body.command,
        prompt: body.prompt,
        explanation: body.explanation,
        safety_level: assessment.level,
        safety_warnings: assessment.warnings,
        exit_code: body.exit_code,
        duration_ms: body.duration_ms,
        cwd: body.cwd,
        shell: body.shell,
        device_id: recorded_by,
        created_at: record.created_at,
        executed: body.executed.unwrap_or(false),
        success: body.success,
        platform: body.platform,
        session_id: None,
        hostname: body.hostname,
    })
}

/// An opened pref record's value.
pub fn pref_value(record: &Record) -> Result<Value, Refusal> {
    Ok(record.body_as::<PrefBody>()?.value)
}

/// An opened device record's name and platform.
pub fn device_info(record: &Record) -> Result<DeviceBody, Refusal> {
    Ok(record.body_as()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::safety::RiskLevel;
    use crypto_core::{check_link, KeySet, SecretKey, GENESIS_PREV};

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
            hostname: Some("laptop".into()),
        }
    }

    fn sealed(k: &SyncKeys, op: &LocalOp, id: &str, seq: u64, prev: &str) -> (WireRecord, Sealed) {
        let s = seal(
            k,
            &ToSeal {
                op,
                id,
                device_id: "dev-a",
                seq,
                prev,
                created_at: 1_763_790_000_000,
            },
        )
        .unwrap();
        let wire = to_wire(
            "dev-a",
            &OutboxRecord {
                seq,
                kind: op.kind().to_string(),
                id: id.to_string(),
                epoch: s.epoch,
                envelope: s.envelope.clone(),
                hash: s.hash.clone(),
            },
        );
        (wire, s)
    }

    #[test]
    fn an_entry_round_trips_and_is_rated_here() {
        let k = keys(1);
        let op = LocalOp::Entry(Box::new(entry()));
        let (wire, s) = sealed(&k, &op, &entry().id, 0, GENESIS_PREV);
        let (bytes, hash) = envelope_of(&wire).unwrap();
        assert_eq!(hash, s.hash);
        let record = open(&k, &wire, &bytes).unwrap();
        check_link(&record, 0, GENESIS_PREV).unwrap();
        let assessment = safety::assess(&entry().command);
        let expected = HistoryEntry {
            safety_level: assessment.level,
            safety_warnings: assessment.warnings,
            ..entry()
        };
        assert_eq!(entry_from_record(&record).unwrap(), expected);
    }

    #[test]
    fn an_entry_another_device_recorded_keeps_its_device_through_anothers_log() {
        // A key rotation seals dev-b's entry into dev-a's log.
        let k = keys(1);
        let recorded_on_b = HistoryEntry {
            device_id: "dev-b".into(),
            ..entry()
        };
        let op = LocalOp::Entry(Box::new(recorded_on_b));
        let (wire, _) = sealed(&k, &op, &entry().id, 0, GENESIS_PREV);
        let (bytes, _) = envelope_of(&wire).unwrap();
        let record = open(&k, &wire, &bytes).unwrap();
        assert_eq!(record.device_id, "dev-a", "the author is the log's device");
        assert_eq!(entry_from_record(&record).unwrap().device_id, "dev-b");
        // Its own entries carry no such field.
        let own = LocalOp::Entry(Box::new(entry()));
        let (wire, _) = sealed(&k, &own, &entry().id, 1, GENESIS_PREV);
        let (bytes, _) = envelope_of(&wire).unwrap();
        let body: EntryBody = open(&k, &wire, &bytes).unwrap().body_as().unwrap();
        assert_eq!(body.recorded_by, None);
    }

    #[test]
    fn a_wrong_key_or_a_lying_hint_does_not_open() {
        let k = keys(1);
        let op = LocalOp::Delete { id: "e1".into() };
        let (wire, _) = sealed(&k, &op, "e1", 3, GENESIS_PREV);
        let (bytes, _) = envelope_of(&wire).unwrap();
        assert_eq!(
            open(&keys(2), &wire, &bytes).unwrap_err().reason,
            "AuthenticationFailed"
        );
        for lie in [
            WireRecord {
                id: "e2".into(),
                ..wire.clone()
            },
            WireRecord {
                seq: 4,
                ..wire.clone()
            },
            WireRecord {
                kind: "entry".into(),
                ..wire.clone()
            },
            WireRecord {
                device_id: "dev-b".into(),
                ..wire.clone()
            },
        ] {
            assert_eq!(
                open(&k, &lie, &bytes).unwrap_err().reason,
                "AuthenticationFailed",
                "{lie:?}"
            );
        }
        let unknown = WireRecord {
            kind: "account".into(),
            ..wire.clone()
        };
        assert_eq!(
            open(&k, &unknown, &bytes).unwrap_err().reason,
            "UnknownRecordKind"
        );
        let not_base64 = WireRecord {
            envelope: "%%%".into(),
            ..wire
        };
        assert_eq!(
            envelope_of(&not_base64).unwrap_err().reason,
            "invalid-base64"
        );
    }

    #[test]
    fn prefs_devices_and_heads_open_under_their_own_keys() {
        let k = keys(3);
        let pref = LocalOp::Preference(crate::store::StoredPreference {
            key: "secrets_filter".into(),
            value: Value::Bool(true),
            updated_at: 1,
            updated_by: "dev-a".into(),
            updated_seq: 0,
            synced_at: None,
        });
        let (wire, first) = sealed(&k, &pref, "secrets_filter", 0, GENESIS_PREV);
        let (bytes, _) = envelope_of(&wire).unwrap();
        assert_eq!(
            pref_value(&open(&k, &wire, &bytes).unwrap()).unwrap(),
            Value::Bool(true)
        );
        let device = LocalOp::Device {
            name: "laptop".into(),
            platform: "linux".into(),
        };
        let (wire, second) = sealed(&k, &device, "dev-a", 1, &first.hash);
        let (bytes, _) = envelope_of(&wire).unwrap();
        let record = open(&k, &wire, &bytes).unwrap();
        assert_eq!(record.prev, first.hash);
        assert_eq!(device_info(&record).unwrap().name, "laptop");
        let head = seal_head(&k, "dev-a", 1, &second.hash, 1_763_790_000_000).unwrap();
        let head = DeviceHead {
            device_id: "dev-a".into(),
            seq: head.seq,
            epoch: head.epoch,
            envelope: head.envelope,
        };
        assert_eq!(open_head(&k, &head).unwrap(), (1, second.hash.clone()));
        let moved = DeviceHead {
            device_id: "dev-b".into(),
            ..head
        };
        assert_eq!(
            open_head(&k, &moved).unwrap_err().reason,
            "AuthenticationFailed"
        );
    }

    #[test]
    fn only_the_head_of_a_retired_log_says_so() {
        let k = keys(4);
        let as_pulled = |head: WireHead, device_id: &str| DeviceHead {
            device_id: device_id.into(),
            seq: head.seq,
            epoch: head.epoch,
            envelope: head.envelope,
        };
        let final_head = seal_final_head(&k, "dev-a", 7, GENESIS_PREV, 1_763_790_000_000).unwrap();
        let plain = seal_head(&k, "dev-a", 7, GENESIS_PREV, 1_763_790_000_000).unwrap();
        assert!(head_says_retired(
            &k,
            &as_pulled(final_head.clone(), "dev-a")
        ));
        assert!(!head_says_retired(&k, &as_pulled(plain, "dev-a")));
        // Moved to another device, or read with other keys, it says nothing.
        assert!(!head_says_retired(
            &k,
            &as_pulled(final_head.clone(), "dev-b")
        ));
        assert!(!head_says_retired(
            &keys(5),
            &as_pulled(final_head, "dev-a")
        ));
        // It opens as an ordinary head too: older readers see seq and hash.
        let final_head = seal_final_head(&k, "dev-a", 7, GENESIS_PREV, 1_763_790_000_000).unwrap();
        assert_eq!(
            open_head(&k, &as_pulled(final_head, "dev-a")).unwrap(),
            (7, GENESIS_PREV.to_string())
        );
    }
}
