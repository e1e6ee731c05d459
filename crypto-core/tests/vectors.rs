//! Reads every file of `test-vectors/` (except `rpc/`) and checks crypto-core
//! against it in both directions: valid cases must open to their plaintext AND
//! seal to their exact bytes; invalid cases must fail with the named error kind.
//! Also checks that the committed files are exactly what the generator writes.

mod generate;

use std::path::{Path, PathBuf};

use crypto_core::envelope::nonce_from_slice;
use crypto_core::{
    command_aad, decode_record, derive_master_key, encode_record, open, open_command,
    parse_envelope, phrase_salt, seal_command_with_nonce, seal_with_nonce, CommandRecord,
    CryptoError, KeySet, Phrase, SecretKey,
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
    let files = ["mnemonic.json", "kdf.json", "envelope.json", "record.json"];
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

#[test]
fn record_vectors() {
    for (id, group, test) in tests("record.json") {
        let entry = || -> CommandRecord {
            serde_json::from_value(test["entry"].clone()).unwrap_or_else(|e| panic!("{id}: {e}"))
        };
        match (text(&group, "type"), is_valid(&id, &test)) {
            ("CommandRecordTest", true) => {
                let (key, entry_id, record) = (key(&test, "key"), text(&test, "entryId"), entry());
                assert_eq!(
                    hex::encode(command_aad(entry_id)),
                    text(&test, "aad"),
                    "{id}"
                );
                let plaintext = encode_record(&record).expect(&id);
                assert_eq!(hex::encode(&plaintext), text(&test, "plaintext"), "{id}");
                let nonce = nonce_from_slice(&bytes(&test, "nonce")).expect(&id);
                let sealed = seal_command_with_nonce(&key, &nonce, entry_id, &record).expect(&id);
                assert_eq!(hex::encode(sealed), text(&test, "envelope"), "{id}");
                let opened = open_command(&key, entry_id, &bytes(&test, "envelope")).expect(&id);
                assert_eq!(opened, record, "{id}");
            }
            ("CommandRecordDecodeTest", true) => {
                let decoded = decode_record(&bytes(&test, "plaintext")).expect(&id);
                assert_eq!(decoded, entry(), "{id}");
                let canonical = encode_record(&decoded).expect(&id);
                assert_eq!(hex::encode(canonical), text(&test, "canonical"), "{id}");
            }
            ("CommandRecordTest", false) => {
                let (key, entry_id) = (key(&test, "key"), text(&test, "entryId"));
                let result = open_command(&key, entry_id, &bytes(&test, "envelope"));
                assert_error(&id, &test, result);
            }
            (kind, valid) => panic!("{id}: unexpected {kind} valid={valid}"),
        }
    }
}
