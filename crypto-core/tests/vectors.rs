//! Reads every file of `test-vectors/` (except `rpc/`) and checks crypto-core
//! against it in both directions: valid cases must open to their plaintext AND
//! seal to their exact bytes; invalid cases must fail with the named error kind.
//! Also checks that the committed files are exactly what the generator writes.
//! records-v2.json's decisions (open under the hints, then the clock) are the
//! ones every reader of sync protocol v2 must reach.

mod generate;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crypto_core::envelope::nonce_from_slice;
use crypto_core::{
    check_link, check_time, derive_master_key, key_for, open, open_record, parse_envelope,
    phrase_salt, record_aad, record_hash, seal_record_with_nonce, seal_with_nonce, CryptoError,
    Hints, KeySet, Phrase, Record, SecretKey, GENESIS_PREV,
};
use serde_json::Value;

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../test-vectors")
}

/// Every test of a vector file, labelled `file/tcId`, with its group.
fn tests(file: &str) -> Vec<(String, Value, Value)> {
    let text = std::fs::read_to_string(vectors_dir().join(file)).unwrap_or_else(|e| {
        panic!("{file}: {e} (run `cargo run -p crypto-core --example gen_vectors`)")
    });
    let root: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
    let mut out = Vec::new();
    for group in root["testGroups"].as_array().into_iter().flatten() {
        for test in group["tests"].as_array().into_iter().flatten() {
            out.push((
                format!("{file}/{}", test["tcId"]),
                group.clone(),
                test.clone(),
            ));
        }
    }
    assert_eq!(
        Some(out.len() as u64),
        root["numberOfTests"].as_u64(),
        "{file}: numberOfTests"
    );
    out
}

fn text<'a>(test: &'a Value, field: &str) -> &'a str {
    test[field]
        .as_str()
        .unwrap_or_else(|| panic!("missing string field {field} in {test}"))
}

fn bytes(test: &Value, field: &str) -> Vec<u8> {
    hex::decode(text(test, field)).unwrap_or_else(|e| panic!("{field}: {e}"))
}

fn key(test: &Value, field: &str) -> SecretKey {
    SecretKey::from_bytes(&bytes(test, field)).unwrap_or_else(|e| panic!("{field}: {e}"))
}

fn is_valid(id: &str, test: &Value) -> bool {
    match text(test, "result") {
        "valid" => true,
        "invalid" => false,
        other => panic!("{id}: result {other}"),
    }
}

fn assert_error<T>(id: &str, test: &Value, result: Result<T, CryptoError>) -> CryptoError {
    match result {
        Ok(_) => panic!("{id}: expected {}, got success", text(test, "error")),
        Err(error) => {
            assert_eq!(error.kind(), text(test, "error"), "{id}: {error}");
            error
        }
    }
}

#[test]
fn committed_vectors_are_what_the_generator_writes() {
    for (name, expected) in generate::vector_files() {
        let committed = std::fs::read_to_string(vectors_dir().join(name)).unwrap_or_default();
        assert!(
            committed == expected,
            "test-vectors/{name} differs from the generator: run `cargo run -p crypto-core --example gen_vectors`"
        );
    }
}

#[test]
fn vector_counts_meet_the_bar() {
    let files = [
        "mnemonic.json",
        "kdf.json",
        "envelope.json",
        "records-v2.json",
    ];
    let all: Vec<_> = files.iter().flat_map(|f| tests(f)).collect();
    let invalid = all.iter().filter(|(id, _, t)| !is_valid(id, t)).count();
    assert!(all.len() >= 100, "{} cases", all.len());
    assert!(
        invalid * 3 >= all.len(),
        "{invalid} of {} negative",
        all.len()
    );
}

#[test]
fn mnemonic_vectors() {
    for (id, group, test) in tests("mnemonic.json") {
        match (text(&group, "type"), is_valid(&id, &test)) {
            ("MnemonicEntropyTest", true) => {
                let entropy: [u8; 32] = bytes(&test, "entropy").try_into().expect("32 bytes");
                let phrase = Phrase::from_entropy(&entropy);
                assert_eq!(phrase.expose_secret(), text(&test, "phrase"), "{id}");
                let parsed = Phrase::parse(text(&test, "phrase")).expect(&id);
                assert_eq!(*parsed.to_entropy(), entropy, "{id}");
            }
            ("MnemonicNormalizationTest", true) => {
                let parsed = Phrase::parse(text(&test, "input")).expect(&id);
                assert_eq!(parsed.expose_secret(), text(&test, "phrase"), "{id}");
            }
            ("MnemonicParseTest", false) => {
                match assert_error(&id, &test, Phrase::parse(text(&test, "input"))) {
                    CryptoError::InvalidWordCount(n) => {
                        assert_eq!(Some(n as u64), test["wordCount"].as_u64(), "{id}")
                    }
                    CryptoError::UnknownWord { word, position } => {
                        assert_eq!(word, text(&test, "word"), "{id}");
                        assert_eq!(Some(position as u64), test["position"].as_u64(), "{id}");
                    }
                    _ => {}
                }
            }
            (kind, valid) => panic!("{id}: unexpected {kind} valid={valid}"),
        }
    }
}

fn assert_key_set(id: &str, test: &Value, keys: &KeySet) {
    for (field, key) in [
        ("commandKey", &keys.command_key),
        ("preferenceKey", &keys.preference_key),
        ("jazzAuthKey", &keys.jazz_auth_key),
        ("deviceKey", &keys.device_key),
    ] {
        assert_eq!(
            hex::encode(key.expose_secret()),
            text(test, field),
            "{id}: {field}"
        );
    }
    assert_eq!(keys.key_id, text(test, "keyId"), "{id}: keyId");
}

#[test]
fn kdf_vectors() {
    for (id, group, test) in tests("kdf.json") {
        match (text(&group, "type"), is_valid(&id, &test)) {
            ("PhraseKdfTest", true) => {
                let phrase = Phrase::parse(text(&test, "phrase")).expect(&id);
                assert_eq!(
                    phrase.expose_secret(),
                    text(&test, "normalizedPhrase"),
                    "{id}"
                );
                assert_eq!(
                    hex::encode(phrase_salt(&phrase)),
                    text(&test, "salt"),
                    "{id}"
                );
                let master = derive_master_key(&phrase).expect(&id);
                assert_eq!(
                    hex::encode(master.expose_secret()),
                    text(&test, "masterKey"),
                    "{id}"
                );
                assert_key_set(&id, &test, &KeySet::from_master_key(&master).expect(&id));
            }
            ("SubkeyTest", true) => {
                let keys = KeySet::from_master_key(&key(&test, "masterKey")).expect(&id);
                assert_key_set(&id, &test, &keys);
            }
            ("PhraseKdfTest", false) => {
                assert_error(&id, &test, Phrase::parse(text(&test, "phrase")));
            }
            (kind, valid) => panic!("{id}: unexpected {kind} valid={valid}"),
        }
    }
}

#[test]
fn envelope_vectors() {
    for (id, _, test) in tests("envelope.json") {
        let (nonce, plaintext, aad) = (
            bytes(&test, "nonce"),
            bytes(&test, "plaintext"),
            bytes(&test, "aad"),
        );
        if is_valid(&id, &test) {
            let (key, envelope) = (key(&test, "key"), bytes(&test, "envelope"));
            assert_eq!(open(&key, &envelope, &aad).expect(&id), plaintext, "{id}");
            let nonce = nonce_from_slice(&nonce).expect(&id);
            let sealed = seal_with_nonce(&key, &nonce, &plaintext, &aad).expect(&id);
            assert_eq!(hex::encode(sealed), text(&test, "envelope"), "{id}");
            let info = parse_envelope(&envelope).expect(&id);
            assert_eq!((info.version, info.nonce), (1, nonce), "{id}");
            assert_eq!(info.ciphertext_len, plaintext.len(), "{id}");
        } else if test.get("envelope").is_some() {
            let envelope = bytes(&test, "envelope");
            let result =
                SecretKey::from_bytes(&bytes(&test, "key")).and_then(|k| open(&k, &envelope, &aad));
            assert_error(&id, &test, result);
        } else {
            let result = SecretKey::from_bytes(&bytes(&test, "key"))
                .and_then(|k| seal_with_nonce(&k, &nonce_from_slice(&nonce)?, &plaintext, &aad));
            assert_error(&id, &test, result);
        }
    }
}

fn hints_of(value: &Value) -> Hints {
    Hints {
        kind: text(value, "kind").parse().expect("kind"),
        id: text(value, "id").to_owned(),
        device_id: text(value, "deviceId").to_owned(),
        seq: value["seq"].as_u64().expect("seq"),
        epoch: value["epoch"]
            .as_u64()
            .and_then(|e| e.try_into().ok())
            .expect("epoch"),
    }
}

fn record_of(value: &Value) -> Record {
    let hints = hints_of(value);
    Record {
        kind: hints.kind,
        id: hints.id,
        device_id: hints.device_id,
        seq: hints.seq,
        epoch: hints.epoch,
        prev: text(value, "prev").to_owned(),
        created_at: value["createdAt"].as_i64().expect("createdAt"),
        body: value["body"].clone(),
    }
}

/// What every reader decides for a delivered record: open, then the clock.
fn decide(keys: &KeySet, hints: &Hints, envelope: &[u8], now: i64) -> Result<Record, CryptoError> {
    let record = open_record(key_for(hints.kind, keys), hints, envelope)?;
    check_time(record.created_at, now)?;
    Ok(record)
}

#[test]
fn records_v2_vectors() {
    let cases = tests("records-v2.json");
    let group = &cases[0].1;
    let keys =
        KeySet::derive(&Phrase::parse(text(group, "phrase")).expect("phrase")).expect("keys");
    for (field, key) in [
        ("commandKey", &keys.command_key),
        ("preferenceKey", &keys.preference_key),
        ("deviceKey", &keys.device_key),
    ] {
        assert_eq!(
            hex::encode(key.expose_secret()),
            text(group, field),
            "{field}"
        );
    }
    for (id, group, test) in cases {
        let now = group["now"].as_i64().expect("now");
        match (text(&group, "type"), is_valid(&id, &test)) {
            ("RecordTest", true) => {
                let (hints, record) = (hints_of(&test["hints"]), record_of(&test["record"]));
                assert_eq!(record.hints(), hints, "{id}");
                let key = key_for(record.kind, &keys);
                assert_eq!(hex::encode(key.expose_secret()), text(&test, "key"), "{id}");
                assert_eq!(
                    text(&group, text(&test, "keyName")),
                    text(&test, "key"),
                    "{id}"
                );
                assert_eq!(hex::encode(record_aad(&hints)), text(&test, "aad"), "{id}");
                let plaintext = crypto_core::record::encode(&record).expect(&id);
                assert_eq!(hex::encode(&plaintext), text(&test, "plaintext"), "{id}");
                let nonce = nonce_from_slice(&bytes(&test, "nonce")).expect(&id);
                let sealed = seal_record_with_nonce(key, &nonce, &record).expect(&id);
                assert_eq!(hex::encode(&sealed), text(&test, "envelope"), "{id}");
                assert_eq!(
                    decide(&keys, &hints, &sealed, now).expect(&id),
                    record,
                    "{id}"
                );
                assert_eq!(record_hash(&sealed), text(&test, "hash"), "{id}");
            }
            ("RecordChainTest", valid) => {
                let mut state: HashMap<String, (u64, String)> = HashMap::new();
                let mut failure = None;
                for (index, item) in test["items"].as_array().expect("items").iter().enumerate() {
                    let envelope = bytes(item, "envelope");
                    assert_eq!(record_hash(&envelope), text(item, "hash"), "{id}/{index}");
                    let record = decide(&keys, &hints_of(item), &envelope, now).expect(&id);
                    assert_eq!(record, record_of(&item["record"]), "{id}/{index}");
                    let (next, last) = state
                        .entry(record.device_id.clone())
                        .or_insert((0, GENESIS_PREV.to_owned()));
                    if let Err(error) = check_link(&record, *next, last) {
                        failure = Some((index as u64, error.kind()));
                        break;
                    }
                    *next += 1;
                    *last = record_hash(&envelope);
                }
                if valid {
                    assert_eq!(failure, None, "{id}");
                } else {
                    let expected = (
                        test["failsAt"].as_u64().expect("failsAt"),
                        text(&test, "error"),
                    );
                    assert_eq!(failure, Some(expected), "{id}");
                }
                if let Some(head) = test.get("head") {
                    let opened =
                        decide(&keys, &hints_of(head), &bytes(head, "envelope"), now).expect(&id);
                    let (next, last) = &state[&opened.device_id];
                    assert_eq!((opened.seq + 1, &opened.prev), (*next, last), "{id}: head");
                }
            }
            ("RecordOpenTest", false) => {
                let hints = hints_of(&test["hints"]);
                assert_eq!(hex::encode(record_aad(&hints)), text(&test, "aad"), "{id}");
                assert_eq!(
                    hex::encode(key_for(hints.kind, &keys).expose_secret()),
                    text(&test, "key"),
                    "{id}"
                );
                let error = assert_error(
                    &id,
                    &test,
                    decide(&keys, &hints, &bytes(&test, "envelope"), now),
                );
                if let CryptoError::HintMismatch(field) = error {
                    assert_eq!(field, text(&test, "field"), "{id}");
                }
            }
            (kind, valid) => panic!("{id}: unexpected {kind} valid={valid}"),
        }
    }
}
