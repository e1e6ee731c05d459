//! Sync protocol v2's record: every synced operation (an entry, a deletion, a
//! preference, a device's name, a log's head) is one sealed record in its
//! author's log. The plaintext is canonical JSON padded to a size bucket, so
//! the relay learns neither what a record is nor, within a bucket, how long;
//! the AAD is built from the hints the wire carries in the clear, so a record
//! cannot be moved; `prev` chains each record to the hash of the envelope
//! before it, so a log cannot be cut or forked unnoticed.

use std::fmt;
use std::str::FromStr;

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::aad::record_aad;
use crate::body::{check_body, Body};
use crate::canonical::{parse_strict, to_canonical};
use crate::envelope::{open, seal, MIN_ENVELOPE_LEN};
#[cfg(feature = "testing")]
use crate::envelope::{seal_with_nonce, NONCE_LEN};
use crate::kdf::to_hex;
use crate::{CryptoError, KeySet, SecretKey};

/// The `v` of every record this build writes and the only one it reads.
pub const RECORD_VERSION: u64 = 2;
/// The `prev` of a log's first record (seq 0): 64 zeros.
pub const GENESIS_PREV: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// The earliest `createdAt` accepted: 1990-01-01T00:00:00Z in Unix ms.
pub const MIN_CREATED_AT: i64 = 631_152_000_000;
/// How far ahead of the reader's clock a `createdAt` may be: one day.
pub const MAX_CLOCK_AHEAD_MS: i64 = 86_400_000;
/// Longest `id`, in characters (Unicode scalar values).
pub const MAX_ID_CHARS: usize = 256;
/// Longest `deviceId`, in characters (Unicode scalar values).
pub const MAX_DEVICE_ID_CHARS: usize = 128;
/// Largest `seq` and `|createdAt|`: integers JavaScript numbers hold exactly.
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;
/// The small plaintext sizes; above the last, every multiple of it is one.
pub const PADDING_BUCKETS: [usize; 6] = [512, 1024, 2048, 4096, 8192, 16384];
/// Largest padded plaintext: the largest bucket whose envelope fits the
/// wire's 512 KiB (31 × 16384 bytes).
pub const MAX_RECORD_PLAINTEXT_LEN: usize = 31 * 16384;

/// Bytes `,"pad":""` adds to an object before its spaces.
const PAD_OVERHEAD: usize = 9;
const FIELDS: [&str; 10] = [
    "body",
    "createdAt",
    "deviceId",
    "epoch",
    "id",
    "kind",
    "pad",
    "prev",
    "seq",
    "v",
];

/// What a record is; each kind is sealed under one key ([`key_for`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RecordKind {
    /// A command of history; `id` is the entry's UUIDv7.
    Entry,
    /// The deletion of an entry; `id` is the deleted entry's id.
    Delete,
    /// A preference's new value; `id` is the preference's name.
    Pref,
    /// A device's name and platform; `id` is the device id.
    Device,
    /// The latest seq and hash of a log; `id` is `head`. Not itself in the chain.
    Head,
    /// The account's retirement notice (its keys were rotated, issue 11): the
    /// last record of its author's log; `id` is `retired`. Says why and which
    /// devices were removed, nothing of the new keys.
    Retired,
}

impl RecordKind {
    /// Every kind, in the order of the protocol.
    pub const ALL: [RecordKind; 6] = [
        RecordKind::Entry,
        RecordKind::Delete,
        RecordKind::Pref,
        RecordKind::Device,
        RecordKind::Head,
        RecordKind::Retired,
    ];

    /// The kind's name on the wire and in the plaintext.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Entry => "entry",
            Self::Delete => "delete",
            Self::Pref => "pref",
            Self::Device => "device",
            Self::Head => "head",
            Self::Retired => "retired",
        }
    }
}

impl FromStr for RecordKind {
    type Err = CryptoError;

    fn from_str(name: &str) -> Result<Self, CryptoError> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == name)
            .ok_or_else(|| CryptoError::UnknownRecordKind(name.to_owned()))
    }
}

impl fmt::Display for RecordKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The fields of a record the wire carries in the clear beside its envelope.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Hints {
    /// What the record is.
    pub kind: RecordKind,
    /// Its id (see [`RecordKind`]).
    pub id: String,
    /// The author, whose log holds it.
    pub device_id: String,
    /// Its position in the author's log.
    pub seq: u64,
    /// The key epoch it was sealed under.
    pub epoch: u32,
}

/// One v2 record, opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// What the record is.
    pub kind: RecordKind,
    /// Its id: 1–256 characters (see [`RecordKind`]).
    pub id: String,
    /// The author: 1–128 characters.
    pub device_id: String,
    /// Its position in the author's log: 0, 1, 2… without holes.
    pub seq: u64,
    /// The key epoch: 1 until keys rotate.
    pub epoch: u32,
    /// [`record_hash`] of the previous record in the author's log, or [`GENESIS_PREV`].
    pub prev: String,
    /// When the operation happened, in Unix ms.
    pub created_at: i64,
    /// The kind's body, a JSON object; read it with [`Record::body_as`].
    pub body: Value,
}

impl Record {
    /// The record's hints: what the wire carries beside its envelope.
    pub fn hints(&self) -> Hints {
        Hints {
            kind: self.kind,
            id: self.id.clone(),
            device_id: self.device_id.clone(),
            seq: self.seq,
            epoch: self.epoch,
        }
    }

    /// The typed body, when the record is of the body's kind.
    pub fn body_as<B: Body>(&self) -> Result<B, CryptoError> {
        if self.kind != B::KIND {
            return Err(CryptoError::InvalidRecord(format!(
                "a {} record has no {} body",
                self.kind,
                B::KIND
            )));
        }
        B::from_value(&self.body)
    }
}

/// The padded length of a plaintext that needs at least `len` bytes.
pub fn padded_len(len: usize) -> usize {
    match PADDING_BUCKETS.into_iter().find(|&bucket| bucket >= len) {
        Some(bucket) => bucket,
        None => len.div_ceil(16384) * 16384,
    }
}

/// The record's plaintext: canonical JSON with `"v":2` and `pad`, exactly a
/// bucket long. Refuses a record [`decode`] would refuse.
pub fn encode(record: &Record) -> Result<Vec<u8>, CryptoError> {
    check_fields(record)?;
    let mut object = Map::new();
    object.insert("v".into(), Value::from(RECORD_VERSION));
    object.insert("kind".into(), Value::from(record.kind.as_str()));
    object.insert("id".into(), Value::from(record.id.as_str()));
    object.insert("deviceId".into(), Value::from(record.device_id.as_str()));
    object.insert("seq".into(), Value::from(record.seq));
    object.insert("epoch".into(), Value::from(record.epoch));
    object.insert("prev".into(), Value::from(record.prev.as_str()));
    object.insert("createdAt".into(), Value::from(record.created_at));
    object.insert("body".into(), record.body.clone());
    let unpadded = to_canonical(&Value::Object(object.clone()))?.len();
    let target = padded_len(unpadded + PAD_OVERHEAD);
    if target > MAX_RECORD_PLAINTEXT_LEN {
        return Err(CryptoError::InputTooLarge {
            len: unpadded + PAD_OVERHEAD,
            max: MAX_RECORD_PLAINTEXT_LEN,
        });
    }
    let pad = " ".repeat(target - unpadded - PAD_OVERHEAD);
    object.insert("pad".into(), Value::from(pad));
    Ok(to_canonical(&Value::Object(object))?.into_bytes())
}

/// Reads a record's plaintext: one JSON object with exactly the record's
/// fields (a wrong `v` is [`CryptoError::UnsupportedRecordVersion`]), the
/// body of its kind readable. Whitespace, key order and the padding's length
/// are not checked: the tag already vouches for the bytes.
pub fn decode(plaintext: &[u8]) -> Result<Record, CryptoError> {
    let Value::Object(object) = parse_strict(plaintext)? else {
        return Err(invalid("a record is a JSON object"));
    };
    match object.get("v") {
        None => return Err(invalid("missing field `v`")),
        Some(v) => match v.as_u64() {
            Some(RECORD_VERSION) => {}
            Some(other) => return Err(CryptoError::UnsupportedRecordVersion(other)),
            None => return Err(invalid("`v` is not a version number")),
        },
    }
    if let Some(unknown) = object.keys().find(|key| !FIELDS.contains(&key.as_str())) {
        return Err(CryptoError::InvalidRecord(format!(
            "unknown field `{unknown}`"
        )));
    }
    let field = |name: &str| {
        object
            .get(name)
            .ok_or_else(|| CryptoError::InvalidRecord(format!("missing field `{name}`")))
    };
    let text = |name: &str| {
        field(name)?
            .as_str()
            .ok_or_else(|| CryptoError::InvalidRecord(format!("`{name}` is not a string")))
    };
    let unsigned = |name: &str| {
        field(name)?
            .as_u64()
            .ok_or_else(|| CryptoError::InvalidRecord(format!("`{name}` is not an integer ≥ 0")))
    };
    let kind = text("kind")?.parse()?;
    let id = text("id")?.to_owned();
    let device_id = text("deviceId")?.to_owned();
    let seq = unsigned("seq")?;
    let epoch =
        u32::try_from(unsigned("epoch")?).map_err(|_| invalid("`epoch` is larger than 32 bits"))?;
    let prev = text("prev")?.to_owned();
    let created_at = field("createdAt")?
        .as_i64()
        .ok_or_else(|| invalid("`createdAt` is not a 64-bit integer"))?;
    let body = field("body")?.clone();
    if text("pad")?.bytes().any(|b| b != b' ') {
        return Err(invalid("`pad` holds something other than spaces"));
    }
    let record = Record {
        kind,
        id,
        device_id,
        seq,
        epoch,
        prev,
        created_at,
        body,
    };
    check_fields(&record)?;
    Ok(record)
}

/// The rules on a record's values, the same for writing and reading.
fn check_fields(record: &Record) -> Result<(), CryptoError> {
    let chars = |s: &str| s.chars().count();
    if !(1..=MAX_ID_CHARS).contains(&chars(&record.id)) {
        return Err(invalid("`id` is 1 to 256 characters"));
    }
    if !(1..=MAX_DEVICE_ID_CHARS).contains(&chars(&record.device_id)) {
        return Err(invalid("`deviceId` is 1 to 128 characters"));
    }
    if record.seq > MAX_SAFE_INTEGER {
        return Err(invalid("`seq` is larger than 2^53 - 1"));
    }
    if record.epoch == 0 {
        return Err(invalid("`epoch` starts at 1"));
    }
    if record.created_at.unsigned_abs() > MAX_SAFE_INTEGER {
        return Err(invalid("`createdAt` is beyond ±(2^53 - 1)"));
    }
    let is_hash = record.prev.len() == 64
        && record
            .prev
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !is_hash {
        return Err(invalid("`prev` is 64 lowercase hex digits"));
    }
    if record.kind == RecordKind::Head && record.id != "head" {
        return Err(invalid("a head record's id is \"head\""));
    }
    if record.kind == RecordKind::Retired && record.id != "retired" {
        return Err(invalid("a retired record's id is \"retired\""));
    }
    if record.kind == RecordKind::Device && record.id != record.device_id {
        return Err(invalid("a device record's id is its author's device id"));
    }
    check_body(record.kind, &record.body)
}

/// Every plaintext field that is also a hint must equal it. The AAD already
/// binds the hints; this catches a key holder who sealed a plaintext that
/// contradicts the place it was sealed for.
pub fn check_hints(record: &Record, hints: &Hints) -> Result<(), CryptoError> {
    let mismatch = if record.device_id != hints.device_id {
        Some("deviceId")
    } else if record.epoch != hints.epoch {
        Some("epoch")
    } else if record.id != hints.id {
        Some("id")
    } else if record.kind != hints.kind {
        Some("kind")
    } else if record.seq != hints.seq {
        Some("seq")
    } else {
        None
    };
    mismatch.map_or(Ok(()), |field| Err(CryptoError::HintMismatch(field)))
}

/// Encodes and seals a record under `key` (see [`key_for`]), its AAD built
/// from its own hints, under a fresh nonce.
pub fn seal_record(key: &SecretKey, record: &Record) -> Result<Vec<u8>, CryptoError> {
    seal(key, &encode(record)?, &record_aad(&record.hints()))
}

/// [`seal_record`] with a caller-chosen nonce, for test vectors only (see
/// [`seal_with_nonce`]).
#[cfg(feature = "testing")]
pub fn seal_record_with_nonce(
    key: &SecretKey,
    nonce: &[u8; NONCE_LEN],
    record: &Record,
) -> Result<Vec<u8>, CryptoError> {
    seal_with_nonce(key, nonce, &encode(record)?, &record_aad(&record.hints()))
}

/// Opens a record delivered under `hints`: authenticates it against the AAD
/// of those hints, decodes it, and checks its fields against them.
pub fn open_record(key: &SecretKey, hints: &Hints, envelope: &[u8]) -> Result<Record, CryptoError> {
    let max = MAX_RECORD_PLAINTEXT_LEN + MIN_ENVELOPE_LEN;
    if envelope.len() > max {
        return Err(CryptoError::InputTooLarge {
            len: envelope.len(),
            max,
        });
    }
    let record = decode(&open(key, envelope, &record_aad(hints))?)?;
    check_hints(&record, hints)?;
    Ok(record)
}

/// Lowercase hex SHA-256 of an envelope's bytes: what the next record's
/// `prev` holds. Needs no key.
pub fn record_hash(envelope: &[u8]) -> String {
    to_hex(&Sha256::digest(envelope))
}

/// The time policy every reader applies: a `createdAt` before 1990 or more
/// than a day ahead of `now_ms` is [`CryptoError::TimeOutOfRange`].
pub fn check_time(created_at: i64, now_ms: i64) -> Result<(), CryptoError> {
    if created_at < MIN_CREATED_AT || created_at > now_ms.saturating_add(MAX_CLOCK_AHEAD_MS) {
        return Err(CryptoError::TimeOutOfRange(created_at));
    }
    Ok(())
}

/// Checks that `record` is the next of its author's log, given what the
/// reader verified so far: seq `next_seq`, after the record whose hash is
/// `last_hash` ([`GENESIS_PREV`] before seq 0).
pub fn check_link(record: &Record, next_seq: u64, last_hash: &str) -> Result<(), CryptoError> {
    if record.seq != next_seq {
        return Err(CryptoError::OutOfSequence {
            expected: next_seq,
            got: record.seq,
        });
    }
    if record.prev != last_hash {
        return Err(CryptoError::BrokenChain(record.seq));
    }
    Ok(())
}

/// The key a kind is sealed under: entries and deletions under the command
/// key, preferences under the preference key, device records, heads and the
/// retirement notice under the device key.
pub fn key_for(kind: RecordKind, keys: &KeySet) -> &SecretKey {
    match kind {
        RecordKind::Entry | RecordKind::Delete => &keys.command_key,
        RecordKind::Pref => &keys.preference_key,
        RecordKind::Device | RecordKind::Head | RecordKind::Retired => &keys.device_key,
    }
}

fn invalid(message: &str) -> CryptoError {
    CryptoError::InvalidRecord(message.to_owned())
}
