//! `test-vectors/records-v2.json`: sync protocol v2 records (V2.md §1) of every
//! kind, a chain, the padding buckets' edges, and every way opening must fail.
//! Keys come from the fixed phrase `abandon` ×23 `art` (its keys are also in
//! kdf.json); nonces from labels, like every other vector file.

use std::collections::BTreeMap;

use crypto_core::record::encode;
use crypto_core::{
    check_link, check_time, key_for, open_record, record_aad, record_hash, seal_record_with_nonce,
    seal_with_nonce, Body, CryptoError, DeviceBody, EntryBody, Hints, KeySet, PrefBody, Record,
    RecordKind, RetiredBody, RetiredReason, GENESIS_PREV,
};
use serde::Serialize;
use serde_json::{json, Value};

use super::{array, bytes_from, count, notes, number, phrase, Group, VectorFile, BIP39_REFERENCE};

/// The reader's clock in every case: 2025-12-02T00:00:00Z.
const NOW: i64 = 1_764_633_600_000;
const DEVICE_A: &str = "0190f0a0-0000-7000-8000-00000000000a";
const DEVICE_B: &str = "0190f0a0-0000-7000-8000-00000000000b";

#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub(super) struct RecordTest {
    tc_id: usize,
    comment: String,
    flags: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    key_name: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hints: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    aad: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    record: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    plaintext: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    envelope: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hash: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    items: Option<Vec<Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    head: Option<Value>,
    result: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fails_at: Option<usize>,
}

/// A record as the vectors write it: the plaintext's fields without `v` and `pad`.
fn record_value(record: &Record) -> Value {
    json!({
        "kind": record.kind.as_str(),
        "id": record.id,
        "deviceId": record.device_id,
        "seq": record.seq,
        "epoch": record.epoch,
        "prev": record.prev,
        "createdAt": record.created_at,
        "body": record.body,
    })
}

fn hints_value(hints: &Hints) -> Value {
    json!({
        "kind": hints.kind.as_str(),
        "id": hints.id,
        "deviceId": hints.device_id,
        "seq": hints.seq,
        "epoch": hints.epoch,
    })
}

fn key_name(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Entry | RecordKind::Delete => "commandKey",
        RecordKind::Pref => "preferenceKey",
        RecordKind::Device | RecordKind::Head | RecordKind::Retired => "deviceKey",
    }
}

/// The decision every reader must reach: open under the hints, then the time policy.
fn decide(key: &[u8], hints: &Hints, envelope: &[u8]) -> Result<Record, CryptoError> {
    let key = crypto_core::SecretKey::from_bytes(key)?;
    let record = open_record(&key, hints, envelope)?;
    check_time(record.created_at, NOW)?;
    Ok(record)
}

struct Gen {
    keys: KeySet,
    nonces: usize,
}

impl Gen {
    fn nonce(&mut self) -> [u8; 12] {
        self.nonces += 1;
        array(&bytes_from(
            &format!("caro-sync record-v2 nonce {}", self.nonces),
            12,
        ))
    }

    fn key_bytes(&self, kind: RecordKind) -> Vec<u8> {
        key_for(kind, &self.keys).expose_secret().to_vec()
    }

    /// A valid case: `record` sealed properly.
    fn valid(&mut self, comment: &str, flag: &'static str, record: &Record) -> RecordTest {
        let nonce = self.nonce();
        let key = key_for(record.kind, &self.keys);
        let envelope = seal_record_with_nonce(key, &nonce, record)
            .unwrap_or_else(|e| panic!("{comment}: {e}"));
        let opened = decide(key.expose_secret(), &record.hints(), &envelope);
        assert_eq!(opened.as_ref(), Ok(record), "{comment}");
        RecordTest {
            comment: comment.into(),
            flags: vec![flag],
            key_name: Some(key_name(record.kind)),
            key: Some(hex::encode(key.expose_secret())),
            nonce: Some(hex::encode(nonce)),
            hints: Some(hints_value(&record.hints())),
            aad: Some(hex::encode(record_aad(&record.hints()))),
            record: Some(record_value(record)),
            plaintext: Some(hex::encode(encode(record).unwrap_or_default())),
            hash: Some(record_hash(&envelope)),
            envelope: Some(hex::encode(envelope)),
            result: "valid",
            ..Default::default()
        }
    }

    /// An invalid case: `plaintext` sealed under `key_kind`'s key for the AAD of `sealed_for`,
    /// opened under the key of `hints.kind` with `hints`.
    fn invalid(
        &mut self,
        comment: &str,
        flag: &'static str,
        plaintext: &[u8],
        key_kind: RecordKind,
        sealed_for: &Hints,
        hints: &Hints,
    ) -> RecordTest {
        let nonce = self.nonce();
        let seal_key = key_for(key_kind, &self.keys);
        let envelope = seal_with_nonce(seal_key, &nonce, plaintext, &record_aad(sealed_for))
            .unwrap_or_else(|e| panic!("{comment}: {e}"));
        self.invalid_envelope(comment, flag, plaintext, &nonce, envelope, hints)
    }

    fn invalid_envelope(
        &mut self,
        comment: &str,
        flag: &'static str,
        plaintext: &[u8],
        nonce: &[u8],
        envelope: Vec<u8>,
        hints: &Hints,
    ) -> RecordTest {
        let key = self.key_bytes(hints.kind);
        let error = match decide(&key, hints, &envelope) {
            Ok(_) => panic!("{comment}: opened"),
            Err(error) => error,
        };
        RecordTest {
            comment: comment.into(),
            flags: vec![flag],
            key_name: Some(key_name(hints.kind)),
            key: Some(hex::encode(key)),
            nonce: Some(hex::encode(nonce)),
            hints: Some(hints_value(hints)),
            aad: Some(hex::encode(record_aad(hints))),
            plaintext: Some(hex::encode(plaintext)),
            envelope: Some(hex::encode(envelope)),
            result: "invalid",
            error: Some(error.kind()),
            field: match error {
                CryptoError::HintMismatch(field) => Some(field),
                _ => None,
            },
            ..Default::default()
        }
    }

    /// A chain item: the wire item's hints and envelope, and what opening it gives.
    fn item(&mut self, record: &Record) -> (Value, String) {
        let nonce = self.nonce();
        let envelope = seal_record_with_nonce(key_for(record.kind, &self.keys), &nonce, record)
            .unwrap_or_else(|e| panic!("{e}"));
        let hash = record_hash(&envelope);
        let mut item = hints_value(&record.hints());
        item["envelope"] = Value::from(hex::encode(&envelope));
        item["hash"] = Value::from(hash.clone());
        item["record"] = record_value(record);
        (item, hash)
    }
}

fn entry(device: &str, seq: u64, prev: &str, body: EntryBody) -> Record {
    Record {
        kind: RecordKind::Entry,
        id: format!("0190f0a1-7c2e-7b3a-9f10-{:012x}", seq + 1),
        device_id: device.into(),
        seq,
        epoch: 1,
        prev: prev.into(),
        created_at: NOW - 600_000,
        body: body.to_value(),
    }
}

fn short_entry(seq: u64) -> Record {
    entry(DEVICE_A, seq, GENESIS_PREV, EntryBody::new("ls -la"))
}

/// An entry whose unpadded plaintext plus `,"pad":""` is exactly `len` bytes.
fn entry_needing(len: usize) -> Record {
    let base = encode_unpadded_len(&short_entry(7));
    let command_len = "ls -la".len() + len - base;
    entry(
        DEVICE_A,
        7,
        GENESIS_PREV,
        EntryBody::new("x".repeat(command_len)),
    )
}

/// The unpadded length plus the 9 bytes of `,"pad":""`, read back from a padded plaintext.
fn encode_unpadded_len(record: &Record) -> usize {
    let plaintext = encode(record).unwrap_or_default();
    let spaces = String::from_utf8_lossy(&plaintext)
        .split(r#""pad":""#)
        .nth(1)
        .map(|rest| rest.len() - rest.trim_start_matches(' ').len())
        .unwrap_or_default();
    plaintext.len() - spaces
}

fn text_of(record: &Record) -> String {
    String::from_utf8(encode(record).unwrap_or_default()).unwrap_or_default()
}

fn edit(record: &Record, from: &str, to: &str) -> Vec<u8> {
    let text = text_of(record);
    assert!(text.contains(from), "{from} not in {text}");
    text.replacen(from, to, 1).into_bytes()
}

/// The record with its command's second byte replaced by 0xff, which no UTF-8 string holds.
fn invalid_utf8(record: &Record) -> Vec<u8> {
    let mut bytes = edit(record, "ls -la", "l#s -la");
    if let Some(at) = bytes.iter().position(|&b| b == b'#') {
        bytes[at] = 0xff;
    }
    bytes
}

fn valid_cases(g: &mut Gen) -> Vec<RecordTest> {
    let full = EntryBody {
        prompt: Some("rust files changed since the manifest".into()),
        explanation: Some("Lists .rs files modified after Cargo.toml.".into()),
        executed: Some(true),
        success: Some(true),
        exit_code: Some(0),
        duration_ms: Some(42),
        cwd: Some("/home/ada/caro".into()),
        shell: Some("zsh".into()),
        platform: Some("linux".into()),
        hostname: Some("ada-laptop".into()),
        safety_level: Some("safe".into()),
        safety_warnings: Some(vec!["reads the whole tree".into()]),
        tags: Some(vec!["rust".into(), "find".into()]),
        ..EntryBody::new("find . -name '*.rs' -newer Cargo.toml")
    };
    let unicode = EntryBody {
        prompt: Some("liste les fichiers de l'été 📁".into()),
        explanation: Some("列出文件 — قائمة الملفات — e\u{301}te\u{301}".into()),
        tags: Some(vec!["日本語".into(), "🚀".into()]),
        ..EntryBody::new("printf \"a\\tb\\n\" \t\n\u{1}\u{7f}\u{2028} </script> ~/été/写真")
    };
    let base = |kind, id: &str, body: Value| Record {
        kind,
        id: id.into(),
        body,
        ..short_entry(3)
    };
    let mut tests = vec![
        g.valid("entry with every body field", "Entry", &entry(DEVICE_A, 0, GENESIS_PREV, full)),
        g.valid("entry with the command only", "Entry", &short_entry(1)),
        g.valid("entry: unicode and characters JSON escapes", "Entry", &entry(DEVICE_B, 2, GENESIS_PREV, unicode)),
        g.valid(
            "entry: unknown and null body fields are kept in the body, ignored by the typed body",
            "ForwardCompatible",
            &base(
                RecordKind::Entry,
                "0190f0a1-7c2e-7b3a-9f10-0000000000ff",
                json!({"command": "pwd", "prompt": null, "colour": "teal", "future": {"nested": [1, -2, null]}}),
            ),
        ),
        g.valid(
            "delete of an entry: as long as a short entry",
            "Delete",
            &base(RecordKind::Delete, "0190f0a1-7c2e-7b3a-9f10-000000000001", json!({})),
        ),
        g.valid("pref: a boolean", "Pref", &base(RecordKind::Pref, "secrets_filter", PrefBody { value: json!(true) }.to_value())),
        g.valid(
            "pref: an object",
            "Pref",
            &base(RecordKind::Pref, "exclude_patterns", PrefBody { value: json!({"patterns": ["^export AWS_", "password"]}) }.to_value()),
        ),
        g.valid("pref: null is a value", "Pref", &base(RecordKind::Pref, "theme", PrefBody { value: Value::Null }.to_value())),
        g.valid(
            "device record: id is the author's device id",
            "Device",
            &base(RecordKind::Device, DEVICE_A, DeviceBody { name: "ada-laptop".into(), platform: "linux".into() }.to_value()),
        ),
        g.valid(
            "head: seq and prev of the log's last record",
            "Head",
            &Record { prev: record_hash(b"the last record"), ..base(RecordKind::Head, "head", json!({})) },
        ),
        g.valid(
            "largest seq JS numbers hold exactly (2^53 - 1), largest epoch (2^32 - 1)",
            "Integers",
            &Record { seq: (1 << 53) - 1, epoch: u32::MAX, ..short_entry(0) },
        ),
        g.valid(
            "id of 256 characters, deviceId of 128 (non-ASCII counts one per character)",
            "Lengths",
            &Record { id: "é".repeat(256), device_id: "d".repeat(128), ..short_entry(4) },
        ),
        g.valid("createdAt exactly 1990-01-01", "TimeEdge", &Record { created_at: 631_152_000_000, ..short_entry(5) }),
        g.valid("createdAt exactly a day ahead of the reader", "TimeEdge", &Record { created_at: NOW + 86_400_000, ..short_entry(6) }),
    ];
    for (needed, comment) in [
        (512, "unpadded + 9 bytes exactly 512: empty pad"),
        (513, "one byte over 512: the next bucket, 1024"),
        (1024, "exactly 1024"),
        (4097, "one byte over 4096: 8192"),
        (16384, "exactly 16384"),
        (
            16385,
            "one byte over 16384: the next multiple of 16384, 32768",
        ),
    ] {
        tests.push(g.valid(comment, "Padding", &entry_needing(needed)));
    }
    tests
}

fn chain_cases(g: &mut Gen) -> Vec<RecordTest> {
    let chain = |g: &mut Gen, records: Vec<Record>| -> (Vec<Value>, Vec<String>) {
        records.iter().map(|r| g.item(r)).unzip()
    };
    let mut tests = Vec::new();

    // A valid chain: entry, pref, delete, then the head.
    let r0 = short_entry(0);
    let (i0, h0) = g.item(&r0);
    let r1 = Record {
        kind: RecordKind::Pref,
        id: "secrets_filter".into(),
        seq: 1,
        prev: h0.clone(),
        body: PrefBody {
            value: json!(false),
        }
        .to_value(),
        ..short_entry(1)
    };
    let (i1, h1) = g.item(&r1);
    let r2 = Record {
        kind: RecordKind::Delete,
        id: r0.id.clone(),
        seq: 2,
        prev: h1.clone(),
        body: json!({}),
        ..short_entry(2)
    };
    let (i2, h2) = g.item(&r2);
    let head = Record {
        kind: RecordKind::Head,
        id: "head".into(),
        seq: 2,
        prev: h2,
        body: json!({}),
        ..short_entry(2)
    };
    let (head_item, _) = g.item(&head);
    tests.push(chain_test(
        "three records of one device, then its head",
        "Chain",
        vec![i0.clone(), i1, i2],
        Some(head_item),
        None,
    ));

    // Two devices interleaved, each its own chain.
    let a0 = short_entry(0);
    let b0 = entry(DEVICE_B, 0, GENESIS_PREV, EntryBody::new("whoami"));
    let (ia0, ha0) = g.item(&a0);
    let (ib0, hb0) = g.item(&b0);
    let (items_rest, _) = chain(
        g,
        vec![
            entry(DEVICE_A, 1, &ha0, EntryBody::new("cd /tmp")),
            entry(DEVICE_B, 1, &hb0, EntryBody::new("id")),
        ],
    );
    let mut items = vec![ia0, ib0];
    items.extend(items_rest);
    tests.push(chain_test(
        "two devices interleaved: each device its own chain",
        "Chain",
        items,
        None,
        None,
    ));

    // Broken: seq 1's prev is not the hash of seq 0.
    let (bad, _) = g.item(&Record {
        prev: record_hash(b"another record"),
        ..short_entry(1)
    });
    tests.push(chain_test(
        "prev of seq 1 is not the hash of seq 0: a fork or forgery",
        "BrokenChain",
        vec![i0.clone(), bad],
        None,
        Some((1, "BrokenChain")),
    ));
    // Broken: seq 0 with a prev other than the genesis.
    let (bad0, _) = g.item(&Record {
        prev: record_hash(b"before the start"),
        ..short_entry(0)
    });
    tests.push(chain_test(
        "seq 0 whose prev is not 64 zeros",
        "BrokenChain",
        vec![bad0],
        None,
        Some((0, "BrokenChain")),
    ));
    // A hole: seq 2 follows seq 0.
    let (skip, _) = g.item(&Record {
        prev: h0,
        ..short_entry(2)
    });
    tests.push(chain_test(
        "seq 2 right after seq 0: a hole",
        "OutOfSequence",
        vec![i0, skip],
        None,
        Some((1, "OutOfSequence")),
    ));
    tests
}

fn chain_test(
    comment: &str,
    flag: &'static str,
    items: Vec<Value>,
    head: Option<Value>,
    failure: Option<(usize, &'static str)>,
) -> RecordTest {
    // The generator checks its own claim the way every harness must.
    let mut state: BTreeMap<String, (u64, String)> = BTreeMap::new();
    let mut found = None;
    for (index, item) in items.iter().enumerate() {
        let record = &item["record"];
        let device = record["deviceId"].as_str().unwrap_or_default().to_owned();
        let (next, last) = state.entry(device).or_insert((0, GENESIS_PREV.to_owned()));
        let parsed = Record {
            kind: RecordKind::Entry,
            id: String::new(),
            device_id: String::new(),
            seq: record["seq"].as_u64().unwrap_or_default(),
            epoch: 1,
            prev: record["prev"].as_str().unwrap_or_default().to_owned(),
            created_at: 0,
            body: json!({}),
        };
        if let Err(error) = check_link(&parsed, *next, last) {
            found = Some((index, error.kind()));
            break;
        }
        *next += 1;
        *last = item["hash"].as_str().unwrap_or_default().to_owned();
    }
    assert_eq!(found, failure, "{comment}");
    RecordTest {
        comment: comment.into(),
        flags: vec![flag],
        items: Some(items),
        head,
        result: if failure.is_some() {
            "invalid"
        } else {
            "valid"
        },
        error: failure.map(|f| f.1),
        fails_at: failure.map(|f| f.0),
        ..Default::default()
    }
}

fn invalid_cases(g: &mut Gen) -> Vec<RecordTest> {
    let r = short_entry(5);
    let h = r.hints();
    let plain = encode(&r).unwrap_or_default();
    let mut tests = Vec::new();

    // Wrong AAD: every hint changed on the wire.
    for (field, hints) in [
        (
            "deviceId",
            Hints {
                device_id: DEVICE_B.into(),
                ..h.clone()
            },
        ),
        (
            "epoch",
            Hints {
                epoch: 2,
                ..h.clone()
            },
        ),
        (
            "id",
            Hints {
                id: "0190f0a1-7c2e-7b3a-9f10-0000000000aa".into(),
                ..h.clone()
            },
        ),
        (
            "kind",
            Hints {
                kind: RecordKind::Delete,
                ..h.clone()
            },
        ),
        (
            "seq",
            Hints {
                seq: 6,
                ..h.clone()
            },
        ),
    ] {
        tests.push(g.invalid(
            &format!("the wire's {field} hint changed: the AAD differs"),
            "WrongAad",
            &plain,
            RecordKind::Entry,
            &h,
            &hints,
        ));
    }
    // Wrong key.
    tests.push(g.invalid(
        "an entry sealed under the device key",
        "WrongKey",
        &plain,
        RecordKind::Device,
        &h,
        &h,
    ));
    let pref = Record {
        kind: RecordKind::Pref,
        id: "theme".into(),
        body: PrefBody {
            value: json!("dark"),
        }
        .to_value(),
        ..short_entry(5)
    };
    tests.push(g.invalid(
        "a pref sealed under the command key",
        "WrongKey",
        &encode(&pref).unwrap_or_default(),
        RecordKind::Entry,
        &pref.hints(),
        &pref.hints(),
    ));
    // Tampered.
    let nonce = g.nonce();
    let mut envelope = seal_with_nonce(
        key_for(RecordKind::Entry, &g.keys),
        &nonce,
        &plain,
        &record_aad(&h),
    )
    .unwrap_or_default();
    if let Some(byte) = envelope.get_mut(40) {
        *byte ^= 0x01;
    }
    tests.push(g.invalid_envelope(
        "one ciphertext bit flipped",
        "Tampered",
        &plain,
        &nonce,
        envelope,
        &h,
    ));

    // Sealed by a key holder for one place with a plaintext that names another.
    for (field, content) in [
        (
            "deviceId",
            Record {
                device_id: DEVICE_B.into(),
                ..r.clone()
            },
        ),
        (
            "epoch",
            Record {
                epoch: 2,
                ..r.clone()
            },
        ),
        (
            "id",
            Record {
                id: "0190f0a1-7c2e-7b3a-9f10-0000000000aa".into(),
                ..r.clone()
            },
        ),
        (
            "kind",
            Record {
                kind: RecordKind::Delete,
                body: json!({}),
                ..r.clone()
            },
        ),
        (
            "seq",
            Record {
                seq: 9,
                ..r.clone()
            },
        ),
    ] {
        let text = encode(&content).unwrap_or_default();
        tests.push(g.invalid(
            &format!("plaintext {field} differs from the hints it was sealed for"),
            "HintMismatch",
            &text,
            RecordKind::Entry,
            &h,
            &h,
        ));
    }

    // Plaintexts no writer writes, sealed correctly for their hints.
    let long_id = Hints {
        id: "x".repeat(257),
        ..h.clone()
    };
    let long_device = Hints {
        device_id: "d".repeat(129),
        ..h.clone()
    };
    let empty_id = Hints {
        id: String::new(),
        ..h.clone()
    };
    let epoch0 = Hints {
        epoch: 0,
        ..h.clone()
    };
    let big_seq = Hints {
        seq: 1 << 53,
        ..h.clone()
    };
    let dev = Record {
        kind: RecordKind::Device,
        id: DEVICE_A.into(),
        body: DeviceBody {
            name: "n".into(),
            platform: "p".into(),
        }
        .to_value(),
        ..short_entry(5)
    };
    let head = Record {
        kind: RecordKind::Head,
        id: "head".into(),
        body: json!({}),
        ..short_entry(5)
    };
    let pref_text = encode(&pref).unwrap_or_default();
    let bad: Vec<(&str, &'static str, Vec<u8>, Hints)> = vec![
        (
            "v is 1",
            "WrongVersion",
            edit(&r, r#""v":2"#, r#""v":1"#),
            h.clone(),
        ),
        (
            "v is 3",
            "WrongVersion",
            edit(&r, r#""v":2"#, r#""v":3"#),
            h.clone(),
        ),
        (
            "v is the string \"2\"",
            "WrongType",
            edit(&r, r#""v":2"#, r#""v":"2""#),
            h.clone(),
        ),
        (
            "v is missing",
            "MissingField",
            edit(&r, r#","v":2"#, ""),
            h.clone(),
        ),
        (
            "an unknown top-level field",
            "UnknownField",
            edit(&r, r#""pad":"#, r#""extra":true,"pad":"#),
            h.clone(),
        ),
        (
            "a kind this build does not know",
            "UnknownKind",
            edit(&r, r#""kind":"entry""#, r#""kind":"future""#),
            h.clone(),
        ),
        (
            "kind is a number",
            "WrongType",
            edit(&r, r#""kind":"entry""#, r#""kind":1"#),
            h.clone(),
        ),
        (
            "body is missing",
            "MissingField",
            edit(&r, r#""body":{"command":"ls -la"},"#, ""),
            h.clone(),
        ),
        (
            "prev is missing",
            "MissingField",
            edit(&r, &format!(r#","prev":"{GENESIS_PREV}""#), ""),
            h.clone(),
        ),
        (
            "pad is missing",
            "MissingField",
            {
                let text = text_of(&r);
                let start = text.find(r#","pad":""#).unwrap_or_default();
                let end = text[start + 8..].find('"').map_or(0, |e| start + 8 + e + 1);
                format!("{}{}", &text[..start], &text[end..]).into_bytes()
            },
            h.clone(),
        ),
        (
            "pad holds a letter",
            "BadPad",
            edit(&r, r#""pad":" "#, r#""pad":"x"#),
            h.clone(),
        ),
        (
            "seq given twice",
            "Duplicate",
            edit(&r, r#""seq":5"#, r#""seq":5,"seq":5"#),
            h.clone(),
        ),
        (
            "a body key given twice",
            "Duplicate",
            edit(
                &r,
                r#""command":"ls -la""#,
                r#""command":"ls -la","command":"rm -rf /""#,
            ),
            h.clone(),
        ),
        (
            "seq written 5.0",
            "NotInteger",
            edit(&r, r#""seq":5"#, r#""seq":5.0"#),
            h.clone(),
        ),
        (
            "createdAt in exponent notation",
            "NotInteger",
            edit(
                &r,
                &format!(r#""createdAt":{}"#, r.created_at),
                r#""createdAt":1.7646330e12"#,
            ),
            h.clone(),
        ),
        (
            "seq negative",
            "WrongType",
            edit(&r, r#""seq":5"#, r#""seq":-5"#),
            h.clone(),
        ),
        (
            "seq 2^53, beyond what JS numbers hold",
            "Integers",
            edit(&r, r#""seq":5"#, r#""seq":9007199254740992"#),
            big_seq,
        ),
        (
            "epoch 0",
            "Integers",
            edit(&r, r#""epoch":1"#, r#""epoch":0"#),
            epoch0,
        ),
        (
            "epoch beyond 32 bits",
            "Integers",
            edit(&r, r#""epoch":1"#, r#""epoch":4294967296"#),
            h.clone(),
        ),
        (
            "createdAt beyond 2^53 - 1",
            "Integers",
            edit(
                &r,
                &format!(r#""createdAt":{}"#, r.created_at),
                r#""createdAt":-9007199254740992"#,
            ),
            h.clone(),
        ),
        (
            "prev in uppercase hex",
            "BadPrev",
            edit(
                &r,
                &format!(r#""prev":"{GENESIS_PREV}""#),
                &format!(r#""prev":"{}""#, "A".repeat(64)),
            ),
            h.clone(),
        ),
        (
            "prev of 63 hex digits",
            "BadPrev",
            edit(
                &r,
                &format!(r#""prev":"{GENESIS_PREV}""#),
                &format!(r#""prev":"{}""#, "0".repeat(63)),
            ),
            h.clone(),
        ),
        (
            "id empty",
            "Lengths",
            edit(&r, &format!(r#""id":"{}""#, r.id), r#""id":"""#),
            empty_id,
        ),
        (
            "id of 257 characters",
            "Lengths",
            edit(
                &r,
                &format!(r#""id":"{}""#, r.id),
                &format!(r#""id":"{}""#, "x".repeat(257)),
            ),
            long_id,
        ),
        (
            "deviceId of 129 characters",
            "Lengths",
            edit(
                &r,
                &format!(r#""deviceId":"{DEVICE_A}""#),
                &format!(r#""deviceId":"{}""#, "d".repeat(129)),
            ),
            long_device,
        ),
        (
            "entry body without command",
            "BadBody",
            edit(
                &r,
                r#""body":{"command":"ls -la"}"#,
                r#""body":{"prompt":"ls"}"#,
            ),
            h.clone(),
        ),
        (
            "entry command is a number",
            "BadBody",
            edit(&r, r#""command":"ls -la""#, r#""command":7"#),
            h.clone(),
        ),
        (
            "entry exitCode is a string",
            "BadBody",
            edit(
                &r,
                r#""command":"ls -la""#,
                r#""command":"ls -la","exitCode":"0""#,
            ),
            h.clone(),
        ),
        (
            "entry tags hold a number",
            "BadBody",
            edit(
                &r,
                r#""command":"ls -la""#,
                r#""command":"ls -la","tags":["a",1]"#,
            ),
            h.clone(),
        ),
        (
            "body is an array",
            "BadBody",
            edit(&r, r#""body":{"command":"ls -la"}"#, r#""body":["ls -la"]"#),
            h.clone(),
        ),
        (
            "pref body without value",
            "BadBody",
            String::from_utf8_lossy(&pref_text)
                .replacen(r#""body":{"value":"dark"}"#, r#""body":{"val":"dark"}"#, 1)
                .into_bytes(),
            pref.hints(),
        ),
        (
            "device body without name",
            "BadBody",
            edit(&dev, r#""name":"n","#, ""),
            dev.hints(),
        ),
        (
            "device record for another device's id",
            "BadBody",
            edit(
                &dev,
                &format!(r#""id":"{DEVICE_A}""#),
                &format!(r#""id":"{DEVICE_B}""#),
            ),
            Hints {
                id: DEVICE_B.into(),
                ..dev.hints()
            },
        ),
        (
            "head whose id is not \"head\"",
            "BadBody",
            edit(&head, r#""id":"head""#, r#""id":"tail""#),
            Hints {
                id: "tail".into(),
                ..head.hints()
            },
        ),
        (
            "a JSON array",
            "NotJson",
            b"[2,\"entry\"]".to_vec(),
            h.clone(),
        ),
        ("empty plaintext", "NotJson", Vec::new(), h.clone()),
        (
            "truncated JSON",
            "NotJson",
            plain[..100].to_vec(),
            h.clone(),
        ),
        (
            "invalid UTF-8 in a string",
            "NotJson",
            invalid_utf8(&r),
            h.clone(),
        ),
    ];
    for (comment, flag, text, hints) in bad {
        tests.push(g.invalid(
            &format!("{comment} (sealed correctly)"),
            flag,
            &text,
            hints.kind,
            &hints,
            &hints,
        ));
    }

    // The clock: opens, then fails the time policy.
    for (comment, created_at) in [
        ("createdAt a millisecond before 1990", 631_151_999_999),
        (
            "createdAt a day and a millisecond ahead of the reader",
            NOW + 86_400_001,
        ),
        ("createdAt before 1970", -1),
    ] {
        let late = Record {
            created_at,
            ..r.clone()
        };
        tests.push(g.invalid(
            comment,
            "Time",
            &encode(&late).unwrap_or_default(),
            RecordKind::Entry,
            &h,
            &h,
        ));
    }
    tests
}

/// Key rotation (issue 11): the retirement notice and a record of a later
/// epoch. Generated after every other case, so their nonces stay as they were.
fn rotation_cases(g: &mut Gen) -> (Vec<RecordTest>, Vec<RecordTest>) {
    let retired = |reason, removed_devices| Record {
        kind: RecordKind::Retired,
        id: "retired".into(),
        body: RetiredBody {
            reason,
            removed_devices,
        }
        .to_value(),
        ..short_entry(9)
    };
    let removed = retired(RetiredReason::DeviceRemoved, vec![DEVICE_B.into()]);
    let valid = vec![
        g.valid(
            "retired: a plain rotation, no device removed",
            "Retired",
            &retired(RetiredReason::Rotated, vec![]),
        ),
        g.valid("retired: device B removed", "Retired", &removed),
        g.valid(
            "an entry of epoch 2 (the account after one rotation)",
            "Epoch",
            &Record {
                epoch: 2,
                ..short_entry(8)
            },
        ),
    ];
    let bad: Vec<(&str, Vec<u8>, Hints)> = vec![
        (
            "retired record whose id is not \"retired\"",
            edit(&removed, r#""id":"retired""#, r#""id":"rotated""#),
            Hints {
                id: "rotated".into(),
                ..removed.hints()
            },
        ),
        (
            "retired body with an unknown reason",
            edit(
                &removed,
                r#""reason":"device-removed""#,
                r#""reason":"lost""#,
            ),
            removed.hints(),
        ),
        (
            "retired body without removedDevices",
            edit(
                &removed,
                &format!(r#","removedDevices":["{DEVICE_B}"]"#),
                "",
            ),
            removed.hints(),
        ),
        (
            "retired body whose removedDevices holds a number",
            edit(&removed, &format!(r#""{DEVICE_B}""#), "7"),
            removed.hints(),
        ),
    ];
    let mut invalid: Vec<RecordTest> = bad
        .into_iter()
        .map(|(comment, text, hints)| {
            g.invalid(
                &format!("{comment} (sealed correctly)"),
                "BadBody",
                &text,
                hints.kind,
                &hints,
                &hints,
            )
        })
        .collect();
    let epoch_2 = Record {
        epoch: 2,
        ..short_entry(8)
    };
    invalid.push(g.invalid(
        "a record of epoch 2 read as epoch 1 (an old device's hints)",
        "WrongAad",
        &encode(&epoch_2).unwrap_or_default(),
        RecordKind::Entry,
        &epoch_2.hints(),
        &Hints {
            epoch: 1,
            ..epoch_2.hints()
        },
    ));
    (valid, invalid)
}

pub(super) fn records_v2_file() -> VectorFile<Group<RecordTest>> {
    let (_, phrase_text) = BIP39_REFERENCE[0];
    let keys = KeySet::derive(&phrase(phrase_text)).unwrap_or_else(|e| panic!("{e}"));
    let mut params = BTreeMap::new();
    params.insert("phrase", Value::from(phrase_text));
    params.insert("now", Value::from(NOW));
    for (name, key) in [
        ("commandKey", &keys.command_key),
        ("preferenceKey", &keys.preference_key),
        ("deviceKey", &keys.device_key),
    ] {
        params.insert(name, Value::from(hex::encode(key.expose_secret())));
    }
    let mut g = Gen { keys, nonces: 0 };
    let valid = valid_cases(&mut g);
    let chains = chain_cases(&mut g);
    let invalid = invalid_cases(&mut g);
    let (rotation_valid, rotation_invalid) = rotation_cases(&mut g);
    let group = |group_type, tests| Group {
        group_type,
        params: params.clone(),
        tests,
    };
    let mut groups = vec![
        group("RecordTest", valid),
        group("RecordChainTest", chains),
        group("RecordOpenTest", invalid),
        group("RecordTest", rotation_valid),
        group("RecordOpenTest", rotation_invalid),
    ];
    number(&mut groups, |t, id| t.tc_id = id);
    VectorFile {
        algorithm: "caro-sync-record-v2",
        schema: "README.md#records-v2json",
        number_of_tests: count(&groups, |g| &g.tests),
        header: vec![
            "Sync protocol v2 records (V2.md §1): canonical JSON {v:2, kind, id, deviceId, seq, epoch, prev, createdAt, body, pad} padded to 512/1024/2048/4096/8192/16384 bytes or the next multiple of 16384, sealed in an envelope v1 under the kind's key with aad = canonical JSON of the hints {deviceId, epoch, id, kind, seq, v:2}.",
            "RecordTest: aad(hints) = aad, plaintext(record) = plaintext, sealRecordWithNonce(key, nonce, record) = envelope, openRecord(key, hints, envelope) = record, checkTime(createdAt, now) passes, recordHash(envelope) = hash.",
            "RecordChainTest: every item opens under its hints; per device, seq runs 0, 1, 2… and prev is 64 zeros, then the previous item's hash; an invalid chain fails at item failsAt with error. A head's seq and prev are its log's last record's.",
            "RecordOpenTest: opening under hints with the key of hints.kind, then checkTime(createdAt, now), fails with error (HintMismatch names the field).",
        ],
        notes: notes(&[
            ("Entry", "Functionality", "An entry record."),
            ("ForwardCompatible", "Functionality", "Body fields this build does not know are kept, not refused."),
            ("Delete", "Functionality", "A delete record."),
            ("Pref", "Functionality", "A preference record."),
            ("Device", "Functionality", "A device record."),
            ("Head", "Functionality", "A head record."),
            ("Retired", "Functionality", "An account's retirement notice (key rotation): why, and the devices removed."),
            ("Epoch", "Functionality", "A record of a later key epoch."),
            ("Integers", "EdgeCase", "Integer bounds: seq and createdAt within ±(2^53 - 1), epoch 1 to 2^32 - 1."),
            ("Lengths", "EdgeCase", "id 1–256 and deviceId 1–128 characters (Unicode scalar values)."),
            ("TimeEdge", "EdgeCase", "createdAt at the edges of the time policy."),
            ("Padding", "EdgeCase", "Plaintexts at the edges of the padding buckets."),
            ("Chain", "Functionality", "A well-linked log."),
            ("BrokenChain", "ModifiedInput", "A prev that is not the hash of the record before."),
            ("OutOfSequence", "ModifiedInput", "A seq that is not the next of its device."),
            ("WrongAad", "ModifiedInput", "A hint changed on the wire: authentication fails."),
            ("WrongKey", "ModifiedInput", "Sealed under another kind's key."),
            ("Tampered", "ModifiedInput", "A flipped ciphertext bit."),
            ("HintMismatch", "ModifiedInput", "A key holder sealed a plaintext whose field contradicts its hints."),
            ("WrongVersion", "ModifiedInput", "v is not 2."),
            ("WrongType", "ModifiedInput", "A field of the wrong JSON type."),
            ("MissingField", "ModifiedInput", "A required field is absent."),
            ("UnknownField", "ModifiedInput", "A top-level field this format does not have."),
            ("UnknownKind", "ModifiedInput", "A kind this build does not know."),
            ("BadPad", "ModifiedInput", "pad holds something other than spaces."),
            ("Duplicate", "ModifiedInput", "A key given twice."),
            ("NotInteger", "ModifiedInput", "A number that is not an integer literal."),
            ("BadPrev", "ModifiedInput", "prev is not 64 lowercase hex digits."),
            ("BadBody", "ModifiedInput", "A body its kind cannot have."),
            ("NotJson", "ModifiedInput", "Not a single valid JSON object."),
            ("Time", "ModifiedInput", "createdAt outside the time policy."),
        ]),
        test_groups: groups,
    }
}
