//! Frozen wire formats: bytes written by this version must open, byte for byte,
//! in every later one. If a test here fails, a refactor changed what devices
//! exchange: that needs a new envelope version, not a new expected value.

use crypto_core::envelope::{HEADER_LEN, MIN_ENVELOPE_LEN, NONCE_LEN, TAG_LEN};
use crypto_core::{
    derive_master_key, open, parse_envelope, seal_with_nonce, KeySet, Phrase, SecretKey,
};

/// A command entry's JSON sealed under the path-style AAD sync v1 used; the
/// envelope takes any AAD, so these bytes pin its layout whatever a record
/// binds it to.
const FROZEN_AAD: &[u8] = b"caro-sync/v1/command/0190f0a1-7c2e-7b3a-9f10-5d6c7e8f9a0b";
const FROZEN_RECORD_JSON: &str = r#"{"command":"git push --force-with-lease","createdAt":1763800000000,"exitCode":0,"success":true,"tags":["git"]}"#;
const FROZEN_COMMAND_ENVELOPE: &str = "01a0a1a2a3a4a5a6a7a8a9aaab9d3a1f4228a663d10647bdf16013b4fe00d92a78b29a6f0af37c45e352dc1c75ba5b2b9ace51361f73be67ba6c1bf79c235a326a58e12d4872663b6e9440b580848ca94d55dd8d94b78d9b7dadf4fc96ef78dec7a6a4ea09cc4f4ae8c4ff61b6fbe54cd82194d4b9f9b27272d8f557096e1c3a1bb9a1263b0a7195a62083";
/// An empty preference value, AAD `caro-sync/v1/preference/theme`.
const FROZEN_EMPTY_ENVELOPE: &str = "01a0a1a2a3a4a5a6a7a8a9aaabc72bfe7a286c77e9a2046c7b7a5d29ca";

fn frozen_key() -> SecretKey {
    SecretKey::from_bytes(&(0u8..32).collect::<Vec<_>>()).expect("32 bytes")
}

fn frozen_nonce() -> [u8; NONCE_LEN] {
    std::array::from_fn(|i| 0xa0 + i as u8)
}

#[test]
fn envelope_v1_layout_is_version_nonce_ciphertext_tag() {
    let envelope = hex::decode(FROZEN_COMMAND_ENVELOPE).expect("hex");
    assert_eq!(envelope[0], 0x01);
    assert_eq!(envelope[1..HEADER_LEN], frozen_nonce());
    assert_eq!(
        envelope.len(),
        1 + NONCE_LEN + FROZEN_RECORD_JSON.len() + TAG_LEN
    );
    assert_eq!((HEADER_LEN, MIN_ENVELOPE_LEN), (13, 29));
    let info = parse_envelope(&envelope).expect("parses");
    assert_eq!(info.ciphertext_len, FROZEN_RECORD_JSON.len());
}

#[test]
fn frozen_command_envelope_opens_and_is_reproduced() {
    let envelope = hex::decode(FROZEN_COMMAND_ENVELOPE).expect("hex");
    assert_eq!(
        open(&frozen_key(), &envelope, FROZEN_AAD).expect("opens"),
        FROZEN_RECORD_JSON.as_bytes()
    );
    let sealed = seal_with_nonce(
        &frozen_key(),
        &frozen_nonce(),
        FROZEN_RECORD_JSON.as_bytes(),
        FROZEN_AAD,
    )
    .expect("seals");
    assert_eq!(hex::encode(sealed), FROZEN_COMMAND_ENVELOPE);
}

#[test]
fn frozen_empty_envelope_opens_and_is_reproduced() {
    let aad = b"caro-sync/v1/preference/theme";
    let envelope = hex::decode(FROZEN_EMPTY_ENVELOPE).expect("hex");
    assert_eq!(open(&frozen_key(), &envelope, aad).expect("opens"), b"");
    let sealed = seal_with_nonce(&frozen_key(), &frozen_nonce(), b"", aad).expect("seals");
    assert_eq!(hex::encode(sealed), FROZEN_EMPTY_ENVELOPE);
}

#[test]
fn frozen_keys_of_abandon_art() {
    let phrase = Phrase::parse(&format!("{}art", "abandon ".repeat(23))).expect("valid");
    let master = derive_master_key(&phrase).expect("derives");
    assert_eq!(
        hex::encode(master.expose_secret()),
        "b4cd9f964d8b85bbf951b38a24d5e02848c89aba427dd77ad114b17141c2a66e"
    );
    let keys = KeySet::derive(&phrase).expect("derives");
    assert_eq!(keys.key_id, "53699f7e94b2b954");
    assert_eq!(
        hex::encode(keys.command_key.expose_secret()),
        "845b54dd6b7ce261f6dd21fdfba81a2ed8b9f7b20b0cd43b6e2af2fc5a1219b2"
    );
}

#[test]
fn secrets_do_not_print_their_bytes() {
    let keys = KeySet::from_master_key(&frozen_key()).expect("derives");
    let printed = format!("{:?} {:?} {keys:?}", frozen_key(), keys.command_key);
    assert!(!printed.contains("0, 1, 2"), "{printed}");
    assert!(!printed.contains(&hex::encode(keys.command_key.expose_secret())));
    assert!(
        printed.contains(&keys.key_id),
        "key id is safe to show: {printed}"
    );
}
