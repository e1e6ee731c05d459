//! The WASM face of crypto-core, and the only file that knows wasm_bindgen.
//! It converts types and turns every `CryptoError` into a JS `Error` whose
//! `name` is the variant (`UnknownWord` also carries `word` and `position`,
//! `UnsupportedVersion` carries `version`, `HintMismatch` the `field`).
//! `sync-daemon/src/crypto.ts` wraps these raw exports in the typed JS API;
//! `sync-daemon/src/client/records.ts` wraps the v2 record exports (JSON text
//! in and out).

use js_sys::{Object, Reflect, Uint8Array};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use wasm_bindgen::prelude::*;

#[cfg(feature = "testing")]
use crate::envelope::nonce_from_slice;
use crate::{
    check_time, derive_master_key, open, open_record, parse_envelope, phrase_salt, record_aad,
    record_hash, seal, seal_record, CryptoError, Hints, KeySet, Phrase, Record, SecretKey,
};
#[cfg(feature = "testing")]
use crate::{seal_record_with_nonce, seal_with_nonce};

fn to_js(error: CryptoError) -> JsValue {
    let js_error = js_sys::Error::new(&error.to_string());
    js_error.set_name(error.kind());
    let details: Vec<(&str, JsValue)> = match &error {
        CryptoError::UnknownWord { word, position } => vec![
            ("word", JsValue::from_str(word)),
            ("position", JsValue::from_f64(*position as f64)),
        ],
        CryptoError::UnsupportedVersion(version) => {
            vec![("version", JsValue::from_f64(f64::from(*version)))]
        }
        CryptoError::HintMismatch(field) => vec![("field", JsValue::from_str(field))],
        _ => Vec::new(),
    };
    for (field, value) in details {
        // Setting a property on a fresh Error cannot fail; if it did, the name still says it all.
        let _ = Reflect::set(&js_error, &JsValue::from_str(field), &value);
    }
    js_error.into()
}

fn key(bytes: &[u8]) -> Result<SecretKey, JsValue> {
    SecretKey::from_bytes(bytes).map_err(to_js)
}

fn object(fields: &[(&str, JsValue)]) -> Result<JsValue, JsValue> {
    let object = Object::new();
    for (name, value) in fields {
        Reflect::set(&object, &JsValue::from_str(name), value)?;
    }
    Ok(object.into())
}

fn bytes(value: &[u8]) -> JsValue {
    Uint8Array::from(value).into()
}

/// A new 24-word phrase from `crypto.getRandomValues`.
#[wasm_bindgen(js_name = generatePhrase)]
pub fn generate_phrase() -> Result<String, JsValue> {
    Phrase::generate()
        .map(|p| p.expose_secret().to_owned())
        .map_err(to_js)
}

/// Validates a phrase and returns its normalized spelling.
#[wasm_bindgen(js_name = normalizePhrase)]
pub fn normalize_phrase(phrase: &str) -> Result<String, JsValue> {
    Phrase::parse(phrase)
        .map(|p| p.expose_secret().to_owned())
        .map_err(to_js)
}

/// The phrase that encodes 32 bytes of entropy.
#[wasm_bindgen(js_name = phraseFromEntropy)]
pub fn phrase_from_entropy(entropy: &[u8]) -> Result<String, JsValue> {
    let entropy: [u8; 32] = entropy
        .try_into()
        .map_err(|_| to_js(CryptoError::InvalidKeyLength(entropy.len())))?;
    Ok(Phrase::from_entropy(&entropy).expose_secret().to_owned())
}

/// The 32 bytes of entropy a phrase encodes.
#[wasm_bindgen(js_name = phraseToEntropy)]
pub fn phrase_to_entropy(phrase: &str) -> Result<Vec<u8>, JsValue> {
    let phrase = Phrase::parse(phrase).map_err(to_js)?;
    Ok(phrase.to_entropy().to_vec())
}

/// The Argon2id salt of a phrase.
#[wasm_bindgen(js_name = phraseSalt)]
pub fn phrase_salt_js(phrase: &str) -> Result<Vec<u8>, JsValue> {
    let phrase = Phrase::parse(phrase).map_err(to_js)?;
    Ok(phrase_salt(&phrase).to_vec())
}

/// The Argon2id master key of a phrase.
#[wasm_bindgen(js_name = deriveMasterKey)]
pub fn derive_master_key_js(phrase: &str) -> Result<Vec<u8>, JsValue> {
    let phrase = Phrase::parse(phrase).map_err(to_js)?;
    let master = derive_master_key(&phrase).map_err(to_js)?;
    Ok(master.expose_secret().to_vec())
}

fn key_set_object(keys: &KeySet) -> Result<JsValue, JsValue> {
    object(&[
        ("commandKey", bytes(keys.command_key.expose_secret())),
        ("preferenceKey", bytes(keys.preference_key.expose_secret())),
        ("jazzAuthKey", bytes(keys.jazz_auth_key.expose_secret())),
        ("deviceKey", bytes(keys.device_key.expose_secret())),
        ("keyId", JsValue::from_str(&keys.key_id)),
    ])
}

/// Subkeys and key id of a master key.
#[wasm_bindgen(js_name = keySetFromMasterKey)]
pub fn key_set_from_master_key(master_key: &[u8]) -> Result<JsValue, JsValue> {
    let keys = KeySet::from_master_key(&key(master_key)?).map_err(to_js)?;
    key_set_object(&keys)
}

/// Subkeys and key id of a phrase (Argon2id, then HKDF).
#[wasm_bindgen(js_name = deriveKeys)]
pub fn derive_keys(phrase: &str) -> Result<JsValue, JsValue> {
    let phrase = Phrase::parse(phrase).map_err(to_js)?;
    let keys = KeySet::derive(&phrase).map_err(to_js)?;
    key_set_object(&keys)
}

/// Seals under a fresh random nonce.
#[wasm_bindgen(js_name = seal)]
pub fn seal_js(key_bytes: &[u8], plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>, JsValue> {
    seal(&key(key_bytes)?, plaintext, aad).map_err(to_js)
}

/// Seals under a given nonce (test vectors only: the `testing` feature).
#[cfg(feature = "testing")]
#[wasm_bindgen(js_name = sealWithNonce)]
pub fn seal_with_nonce_js(
    key_bytes: &[u8],
    nonce: &[u8],
    plaintext: &[u8],
    aad: &[u8],
) -> Result<Vec<u8>, JsValue> {
    let nonce = nonce_from_slice(nonce).map_err(to_js)?;
    seal_with_nonce(&key(key_bytes)?, &nonce, plaintext, aad).map_err(to_js)
}

/// Opens an envelope.
#[wasm_bindgen(js_name = open)]
pub fn open_js(key_bytes: &[u8], envelope: &[u8], aad: &[u8]) -> Result<Vec<u8>, JsValue> {
    open(&key(key_bytes)?, envelope, aad).map_err(to_js)
}

/// `{ version, nonce, ciphertextLength }` of an envelope, read without a key.
#[wasm_bindgen(js_name = parseEnvelope)]
pub fn parse_envelope_js(envelope: &[u8]) -> Result<JsValue, JsValue> {
    let info = parse_envelope(envelope).map_err(to_js)?;
    object(&[
        ("version", JsValue::from_f64(f64::from(info.version))),
        ("nonce", bytes(&info.nonce)),
        (
            "ciphertextLength",
            JsValue::from_f64(info.ciphertext_len as f64),
        ),
    ])
}

/// Throws what [`parse_envelope_js`] would, and builds nothing: the daemon
/// checks every envelope of a push, where the header object is not needed.
#[wasm_bindgen(js_name = validateEnvelope)]
pub fn validate_envelope_js(envelope: &[u8]) -> Result<(), JsValue> {
    parse_envelope(envelope).map(drop).map_err(to_js)
}

/// A v2 record as JS writes and reads it: the plaintext's fields without `v`
/// and `pad`, which crypto-core adds and checks.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RecordJson {
    kind: String,
    id: String,
    device_id: String,
    seq: u64,
    epoch: u32,
    prev: String,
    created_at: i64,
    body: Value,
}

/// A record's hints as JS gives them: the wire item's fields but the envelope.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct HintsJson {
    kind: String,
    id: String,
    device_id: String,
    seq: u64,
    epoch: u32,
}

fn json_error(error: serde_json::Error) -> JsValue {
    to_js(CryptoError::InvalidRecord(error.to_string()))
}

fn record_from_json(record_json: &str) -> Result<Record, JsValue> {
    let r: RecordJson = serde_json::from_str(record_json).map_err(json_error)?;
    Ok(Record {
        kind: r.kind.parse().map_err(to_js)?,
        id: r.id,
        device_id: r.device_id,
        seq: r.seq,
        epoch: r.epoch,
        prev: r.prev,
        created_at: r.created_at,
        body: r.body,
    })
}

fn hints_from_json(hints_json: &str) -> Result<Hints, JsValue> {
    let h: HintsJson = serde_json::from_str(hints_json).map_err(json_error)?;
    Ok(Hints {
        kind: h.kind.parse().map_err(to_js)?,
        id: h.id,
        device_id: h.device_id,
        seq: h.seq,
        epoch: h.epoch,
    })
}

fn record_to_json(record: Record) -> Result<String, JsValue> {
    serde_json::to_string(&RecordJson {
        kind: record.kind.as_str().to_owned(),
        id: record.id,
        device_id: record.device_id,
        seq: record.seq,
        epoch: record.epoch,
        prev: record.prev,
        created_at: record.created_at,
        body: record.body,
    })
    .map_err(json_error)
}

/// Seals a v2 record (JSON text) under its kind's key, AAD from its own hints.
#[wasm_bindgen(js_name = sealRecord)]
pub fn seal_record_js(key_bytes: &[u8], record_json: &str) -> Result<Vec<u8>, JsValue> {
    seal_record(&key(key_bytes)?, &record_from_json(record_json)?).map_err(to_js)
}

/// [`seal_record_js`] under a given nonce (test vectors only: the `testing` feature).
#[cfg(feature = "testing")]
#[wasm_bindgen(js_name = sealRecordWithNonce)]
pub fn seal_record_with_nonce_js(
    key_bytes: &[u8],
    nonce: &[u8],
    record_json: &str,
) -> Result<Vec<u8>, JsValue> {
    let nonce = nonce_from_slice(nonce).map_err(to_js)?;
    seal_record_with_nonce(&key(key_bytes)?, &nonce, &record_from_json(record_json)?).map_err(to_js)
}

/// Opens a v2 record delivered under `hints_json`; returns it as JSON text.
#[wasm_bindgen(js_name = openRecord)]
pub fn open_record_js(
    key_bytes: &[u8],
    hints_json: &str,
    envelope: &[u8],
) -> Result<String, JsValue> {
    let record =
        open_record(&key(key_bytes)?, &hints_from_json(hints_json)?, envelope).map_err(to_js)?;
    record_to_json(record)
}

/// The padded canonical plaintext of a v2 record: what `sealRecord` encrypts.
#[wasm_bindgen(js_name = recordPlaintext)]
pub fn record_plaintext_js(record_json: &str) -> Result<Vec<u8>, JsValue> {
    crate::record::encode(&record_from_json(record_json)?).map_err(to_js)
}

/// The AAD of a v2 record's hints (JSON text).
#[wasm_bindgen(js_name = recordAad)]
pub fn record_aad_js(hints_json: &str) -> Result<Vec<u8>, JsValue> {
    Ok(record_aad(&hints_from_json(hints_json)?))
}

/// Lowercase hex SHA-256 of an envelope: the next record's `prev`.
#[wasm_bindgen(js_name = recordHash)]
pub fn record_hash_js(envelope: &[u8]) -> String {
    record_hash(envelope)
}

/// Throws `TimeOutOfRange` unless `created_at` is from 1990 to a day after `now_ms`.
#[wasm_bindgen(js_name = checkTime)]
pub fn check_time_js(created_at: f64, now_ms: f64) -> Result<(), JsValue> {
    check_time(integer(created_at)?, integer(now_ms)?).map_err(to_js)
}

/// A JS number that is an integer JS holds exactly.
fn integer(number: f64) -> Result<i64, JsValue> {
    const SAFE: f64 = 9_007_199_254_740_991.0;
    if number.fract() != 0.0 || !(-SAFE..=SAFE).contains(&number) {
        return Err(to_js(CryptoError::InvalidRecord(format!(
            "{number} is not a safe integer"
        ))));
    }
    Ok(number as i64)
}
