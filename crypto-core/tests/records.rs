//! The v2 record API end to end: sealing and opening every kind, padding,
//! hint checks, the chain, the time policy and the key per kind. The byte-exact
//! contract is in `test-vectors/records-v2.json` (`tests/vectors.rs`); these
//! tests pin the rules in words.

use crypto_core::record::{decode, encode, padded_len, MAX_RECORD_PLAINTEXT_LEN};
use crypto_core::{
    check_link, check_time, key_for, open_record, record_aad, record_hash, seal_record,
    seal_with_nonce, Body, CryptoError, DeviceBody, EntryBody, Hints, KeySet, PrefBody, Record,
    RecordKind, SecretKey, GENESIS_PREV,
};
use serde_json::{json, Value};

fn key(n: u8) -> SecretKey {
    SecretKey::from_bytes(&[n; 32]).expect("32 bytes")
}

fn entry(seq: u64, prev: &str) -> Record {
    Record {
        kind: RecordKind::Entry,
        id: format!("0190f0a1-7c2e-7b3a-9f10-{seq:012x}"),
        device_id: "0190f0a0-0000-7000-8000-000000000001".into(),
        seq,
        epoch: 1,
        prev: prev.into(),
        created_at: 1_763_800_000_000,
        body: EntryBody::new("ls -la").to_value(),
    }
}

fn kind_of<T: std::fmt::Debug>(result: Result<T, CryptoError>) -> &'static str {
    result.expect_err("expected an error").kind()
}

#[test]
fn every_kind_seals_and_opens_under_its_hints() {
    let device = "0190f0a0-0000-7000-8000-000000000001";
    let records = [
        entry(0, GENESIS_PREV),
        Record {
            kind: RecordKind::Delete,
            body: json!({}),
            ..entry(1, GENESIS_PREV)
        },
        Record {
            kind: RecordKind::Pref,
            id: "secrets_filter".into(),
            body: PrefBody { value: json!(true) }.to_value(),
            ..entry(2, GENESIS_PREV)
        },
        Record {
            kind: RecordKind::Device,
            id: device.into(),
            body: DeviceBody {
                name: "laptop".into(),
                platform: "linux".into(),
            }
            .to_value(),
            ..entry(3, GENESIS_PREV)
        },
        Record {
            kind: RecordKind::Head,
            id: "head".into(),
            body: json!({}),
            ..entry(3, GENESIS_PREV)
        },
    ];
    for record in records {
        let envelope = seal_record(&key(1), &record).expect("seal");
        assert_eq!(open_record(&key(1), &record.hints(), &envelope), Ok(record));
    }
}

#[test]
fn plaintexts_are_exactly_a_bucket_and_a_delete_looks_like_an_entry() {
    let delete = Record {
        kind: RecordKind::Delete,
        body: json!({}),
        ..entry(1, GENESIS_PREV)
    };
    assert_eq!(encode(&delete).unwrap().len(), 512);
    assert_eq!(encode(&entry(1, GENESIS_PREV)).unwrap().len(), 512);
    for command_len in [0, 100, 300, 1000, 5000, 20_000, 100_000] {
        let record = Record {
            body: EntryBody::new("x".repeat(command_len)).to_value(),
            ..entry(0, GENESIS_PREV)
        };
        let plaintext = encode(&record).unwrap();
        assert_eq!(
            padded_len(plaintext.len()),
            plaintext.len(),
            "{command_len}"
        );
        assert!(plaintext.len() >= command_len);
        assert_eq!(decode(&plaintext), Ok(record));
    }
    assert_eq!(padded_len(16385), 32768);
    assert_eq!(padded_len(1), 512);
    assert_eq!(padded_len(513), 1024);
}

#[test]
fn a_record_too_large_for_the_wire_is_refused() {
    let record = Record {
        body: EntryBody::new("x".repeat(MAX_RECORD_PLAINTEXT_LEN)).to_value(),
        ..entry(0, GENESIS_PREV)
    };
    assert_eq!(kind_of(seal_record(&key(1), &record)), "InputTooLarge");
}

#[test]
fn every_changed_hint_fails_authentication() {
    let record = entry(5, GENESIS_PREV);
    let envelope = seal_record(&key(1), &record).unwrap();
    let hints = record.hints();
    let changed = [
        Hints {
            kind: RecordKind::Delete,
            ..hints.clone()
        },
        Hints {
            id: "other".into(),
            ..hints.clone()
        },
        Hints {
            device_id: "other".into(),
            ..hints.clone()
        },
        Hints {
            seq: 6,
            ..hints.clone()
        },
        Hints {
            epoch: 2,
            ..hints.clone()
        },
    ];
    for wrong in changed {
        assert_eq!(
            kind_of(open_record(&key(1), &wrong, &envelope)),
            "AuthenticationFailed"
        );
    }
    assert_eq!(
        kind_of(open_record(&key(2), &hints, &envelope)),
        "AuthenticationFailed"
    );
}

#[test]
fn a_plaintext_that_contradicts_its_hints_is_a_hint_mismatch() {
    let record = entry(5, GENESIS_PREV);
    let plaintext = encode(&record).unwrap();
    let claimed = Hints {
        seq: 9,
        ..record.hints()
    };
    let envelope = seal_with_nonce(&key(1), &[7; 12], &plaintext, &record_aad(&claimed)).unwrap();
    assert_eq!(
        open_record(&key(1), &claimed, &envelope),
        Err(CryptoError::HintMismatch("seq"))
    );
}

#[test]
fn the_chain_links_by_envelope_hash() {
    let first = seal_record(&key(1), &entry(0, GENESIS_PREV)).unwrap();
    let second_record = entry(1, &record_hash(&first));
    assert_eq!(check_link(&entry(0, GENESIS_PREV), 0, GENESIS_PREV), Ok(()));
    assert_eq!(check_link(&second_record, 1, &record_hash(&first)), Ok(()));
    assert_eq!(
        kind_of(check_link(&second_record, 1, GENESIS_PREV)),
        "BrokenChain"
    );
    assert_eq!(
        kind_of(check_link(&second_record, 2, &record_hash(&first))),
        "OutOfSequence"
    );
    assert_eq!(record_hash(&first).len(), 64);
    assert_ne!(
        record_hash(&first),
        record_hash(&seal_record(&key(1), &entry(0, GENESIS_PREV)).unwrap())
    );
}

#[test]
fn time_bounds_are_1990_and_a_day_ahead() {
    let now = 1_763_800_000_000;
    assert_eq!(check_time(631_152_000_000, now), Ok(()));
    assert_eq!(kind_of(check_time(631_151_999_999, now)), "TimeOutOfRange");
    assert_eq!(check_time(now + 86_400_000, now), Ok(()));
    assert_eq!(kind_of(check_time(now + 86_400_001, now)), "TimeOutOfRange");
    assert_eq!(kind_of(check_time(i64::MAX, now)), "TimeOutOfRange");
}

#[test]
fn each_kind_has_its_key() {
    let keys = KeySet::from_master_key(&key(9)).unwrap();
    let expose = |kind| key_for(kind, &keys).expose_secret().to_vec();
    assert_eq!(expose(RecordKind::Entry), keys.command_key.expose_secret());
    assert_eq!(expose(RecordKind::Delete), keys.command_key.expose_secret());
    assert_eq!(
        expose(RecordKind::Pref),
        keys.preference_key.expose_secret()
    );
    assert_eq!(expose(RecordKind::Device), keys.device_key.expose_secret());
    assert_eq!(expose(RecordKind::Head), keys.device_key.expose_secret());
    assert_eq!(expose(RecordKind::Retired), keys.device_key.expose_secret());
}

#[test]
fn typed_bodies_read_what_they_know_and_ignore_the_rest() {
    let record = Record {
        body: json!({"command": "pwd", "hostname": "box", "colour": "teal", "tags": null}),
        ..entry(0, GENESIS_PREV)
    };
    let body: EntryBody = record.body_as().unwrap();
    assert_eq!(
        body,
        EntryBody {
            hostname: Some("box".into()),
            ..EntryBody::new("pwd")
        }
    );
    assert_eq!(kind_of(record.body_as::<DeviceBody>()), "InvalidRecord");
    assert_eq!(
        PrefBody::from_value(&json!({"value": null})),
        Ok(PrefBody { value: Value::Null })
    );
    assert_eq!(kind_of(PrefBody::from_value(&json!({}))), "InvalidRecord");
}

#[test]
fn invalid_records_are_refused_when_sealing() {
    let bad = [
        Record {
            id: String::new(),
            ..entry(0, GENESIS_PREV)
        },
        Record {
            id: "x".repeat(257),
            ..entry(0, GENESIS_PREV)
        },
        Record {
            device_id: "d".repeat(129),
            ..entry(0, GENESIS_PREV)
        },
        Record {
            epoch: 0,
            ..entry(0, GENESIS_PREV)
        },
        Record {
            seq: 1 << 53,
            ..entry(0, GENESIS_PREV)
        },
        Record {
            prev: GENESIS_PREV.to_uppercase().replace('0', "A"),
            ..entry(0, GENESIS_PREV)
        },
        Record {
            body: json!({"prompt": "no command"}),
            ..entry(0, GENESIS_PREV)
        },
        Record {
            body: json!([]),
            ..entry(0, GENESIS_PREV)
        },
        Record {
            kind: RecordKind::Head,
            body: json!({}),
            ..entry(0, GENESIS_PREV)
        },
        Record {
            kind: RecordKind::Device,
            body: json!({"name": "a", "platform": "b"}),
            ..entry(0, GENESIS_PREV)
        },
    ];
    for record in bad {
        assert_eq!(
            kind_of(seal_record(&key(1), &record)),
            "InvalidRecord",
            "{record:?}"
        );
    }
    assert_eq!(
        encode(&Record {
            id: "é".repeat(256),
            ..entry(0, GENESIS_PREV)
        })
        .map(drop),
        Ok(())
    );
}

#[test]
fn decoding_refuses_what_no_writer_writes() {
    let good = String::from_utf8(encode(&entry(0, GENESIS_PREV)).unwrap()).unwrap();
    let cases = [
        (
            good.replace(r#""v":2"#, r#""v":3"#),
            "UnsupportedRecordVersion",
        ),
        (good.replace(r#""v":2"#, r#""v":"2""#), "InvalidRecord"),
        (
            good.replace(r#""kind":"entry""#, r#""kind":"future""#),
            "UnknownRecordKind",
        ),
        (
            good.replace(r#""pad":""#, r#""extra":1,"pad":""#),
            "InvalidRecord",
        ),
        (
            good.replace(r#""seq":0"#, r#""seq":0,"seq":0"#),
            "InvalidRecord",
        ),
        (good.replace(r#""seq":0"#, r#""seq":0.0"#), "InvalidRecord"),
        (good.replace(r#""pad":" "#, r#""pad":"x"#), "InvalidRecord"),
        (
            good.replace(r#""command":"ls -la""#, r#""command":"ls","command":"rm""#),
            "InvalidRecord",
        ),
        ("[]".to_owned(), "InvalidRecord"),
    ];
    for (text, kind) in cases {
        assert_eq!(kind_of(decode(text.as_bytes())), kind, "{text}");
    }
}
