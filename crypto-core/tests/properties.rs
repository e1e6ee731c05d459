//! Property tests: parsing untrusted bytes and text never panics (a panic in
//! WASM poisons the module), and what is sealed opens again.

use crypto_core::envelope::MIN_ENVELOPE_LEN;
use crypto_core::mnemonic::normalize;
use crypto_core::{open, parse_envelope, seal, CryptoError, Phrase, SecretKey};
use crypto_core::{open_record, seal_record, Body, EntryBody, Record, RecordKind, GENESIS_PREV};
use proptest::prelude::*;

fn key() -> SecretKey {
    SecretKey::from_bytes(&[0x42; 32]).expect("32 bytes")
}

/// Strings that look like phrases: list words, near-words and noise, joined by
/// assorted whitespace.
fn phrase_like() -> impl Strategy<Value = String> {
    let words = bip39::Language::English.word_list();
    let word = prop_oneof![
        4 => (0usize..2048).prop_map(move |i| words[i].to_owned()),
        1 => (0usize..2048).prop_map(move |i| words[i].to_uppercase()),
        1 => "[a-z]{1,9}",
        1 => "\\PC{0,6}",
    ];
    let space = prop_oneof![
        Just(" "),
        Just("  "),
        Just("\t"),
        Just("\n"),
        Just("\u{a0}")
    ];
    prop::collection::vec((word, space), 0..30).prop_map(|parts| {
        parts
            .into_iter()
            .map(|(w, s)| format!("{w}{s}"))
            .collect::<String>()
    })
}

proptest! {
    #[test]
    fn parse_envelope_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..128)) {
        match parse_envelope(&bytes) {
            Ok(info) => {
                prop_assert_eq!(bytes.first(), Some(&1));
                prop_assert_eq!(info.ciphertext_len + MIN_ENVELOPE_LEN, bytes.len());
            }
            Err(CryptoError::EnvelopeTooShort(_) | CryptoError::UnsupportedVersion(_)) => {}
            Err(other) => prop_assert!(false, "unexpected {other:?}"),
        }
    }

    #[test]
    fn opening_random_bytes_fails_cleanly(
        key_bytes in prop::collection::vec(any::<u8>(), 0..40),
        envelope in prop::collection::vec(any::<u8>(), 0..128),
        aad in prop::collection::vec(any::<u8>(), 0..40),
    ) {
        let result = SecretKey::from_bytes(&key_bytes).and_then(|k| open(&k, &envelope, &aad));
        prop_assert!(result.is_err());
    }

    #[test]
    fn sealed_opens_and_every_bit_flip_is_caught(
        plaintext in prop::collection::vec(any::<u8>(), 0..300),
        aad in prop::collection::vec(any::<u8>(), 0..64),
        flip in any::<prop::sample::Index>(),
    ) {
        let envelope = seal(&key(), &plaintext, &aad).expect("seals");
        prop_assert_eq!(open(&key(), &envelope, &aad).expect("opens"), plaintext);
        let mut tampered = envelope.clone();
        let at = flip.index(tampered.len());
        tampered[at] ^= 1;
        prop_assert!(open(&key(), &tampered, &aad).is_err());
    }

    #[test]
    fn phrase_parsing_never_panics(input in "\\PC{0,300}") {
        let _ = Phrase::parse(&input);
    }

    #[test]
    fn phrase_like_input_parses_or_names_the_mistake(input in phrase_like()) {
        match Phrase::parse(&input) {
            Ok(phrase) => {
                prop_assert_eq!(phrase.expose_secret(), normalize(&input));
                prop_assert_eq!(phrase.expose_secret().split(' ').count(), 24);
            }
            Err(CryptoError::InvalidWordCount(n)) => prop_assert_ne!(n, 24),
            Err(CryptoError::UnknownWord { position, .. }) => prop_assert!((1..=24).contains(&position)),
            Err(CryptoError::InvalidChecksum) => {}
            Err(other) => prop_assert!(false, "unexpected {other:?}"),
        }
    }

    #[test]
    fn phrases_agree_with_the_bip39_crate(entropy in any::<[u8; 32]>()) {
        let ours = Phrase::from_entropy(&entropy);
        let theirs = bip39::Mnemonic::from_entropy(&entropy).expect("32 bytes");
        prop_assert_eq!(ours.expose_secret(), theirs.to_string());
        prop_assert_eq!(*Phrase::parse(ours.expose_secret()).expect("valid").to_entropy(), entropy);
    }
}

proptest! {
    #[test]
    fn v2_record_decoding_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = crypto_core::record::decode(&bytes);
    }

    #[test]
    fn v2_records_seal_to_a_bucket_and_open_under_their_hints(
        command in "\\PC{0,600}",
        seq in 0u64..(1 << 53),
        epoch in 1u32..,
        created_at in -(1i64 << 53) + 1..(1i64 << 53),
        hostname in prop::option::of("\\PC{0,20}"),
        value in prop::option::of(any::<i64>()),
    ) {
        let body = EntryBody { hostname, exit_code: value, ..EntryBody::new(command) };
        let record = Record {
            kind: RecordKind::Entry,
            id: "0190f0a1-7c2e-7b3a-9f10-000000000001".into(),
            device_id: "d".into(),
            seq,
            epoch,
            prev: GENESIS_PREV.into(),
            created_at,
            body: body.to_value(),
        };
        let plaintext = crypto_core::record::encode(&record).expect("encodes");
        prop_assert_eq!(crypto_core::record::padded_len(plaintext.len()), plaintext.len());
        let envelope = seal_record(&key(), &record).expect("seals");
        let opened = open_record(&key(), &record.hints(), &envelope).expect("opens");
        prop_assert_eq!(opened.body_as::<EntryBody>().expect("entry"), body);
        prop_assert_eq!(opened, record);
    }
}

#[test]
fn huge_inputs_are_refused_not_allocated() {
    let huge = vec![0u8; crypto_core::envelope::MAX_PLAINTEXT_LEN + 1];
    assert!(matches!(
        seal(&key(), &huge, b""),
        Err(CryptoError::InputTooLarge { .. })
    ));
    let mut envelope = huge;
    envelope[0] = 1;
    envelope.extend_from_slice(&[0; MIN_ENVELOPE_LEN]);
    assert!(matches!(
        open(&key(), &envelope, b""),
        Err(CryptoError::InputTooLarge { .. })
    ));
    assert!(matches!(
        Phrase::parse(&"a".repeat(5000)),
        Err(CryptoError::InputTooLarge { .. })
    ));
}
