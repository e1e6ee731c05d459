//! The generator of `test-vectors/*.json` (except `rpc/`). Every input is
//! either a published vector or derived from a label with SHA-256, so the
//! output is the same on every run: `cargo run -p crypto-core --example
//! gen_vectors` writes the files, and `tests/vectors.rs` checks that the
//! committed files equal what this produces, byte for byte.

mod records_v2;

use std::collections::BTreeMap;

use crypto_core::envelope::{nonce_from_slice, MIN_ENVELOPE_LEN};
use crypto_core::kdf::{
    ARGON2_ITERATIONS, ARGON2_MEMORY_KIB, ARGON2_PARALLELISM, INFO_COMMAND_KEY, INFO_DEVICE_KEY,
    INFO_JAZZ_AUTH_KEY, INFO_KEY_ID, INFO_PREFERENCE_KEY,
};
use crypto_core::{
    derive_master_key, phrase_salt, seal_with_nonce, CryptoError, KeySet, Phrase, SecretKey,
};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Published BIP39 vectors with 256-bit entropy (trezor/python-mnemonic `vectors.json`).
pub const BIP39_REFERENCE: [(&str, &str); 8] = [
    (
        "0000000000000000000000000000000000000000000000000000000000000000",
        "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon art",
    ),
    (
        "7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f",
        "legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth title",
    ),
    (
        "8080808080808080808080808080808080808080808080808080808080808080",
        "letter advice cage absurd amount doctor acoustic avoid letter advice cage absurd amount doctor acoustic avoid letter advice cage absurd amount doctor acoustic bless",
    ),
    (
        "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo vote",
    ),
    (
        "68a79eaca2324873eacc50cb9c6eca8cc68ea5d936f98787c60c7ebc74e6ce7c",
        "hamster diagram private dutch cause delay private meat slide toddler razor book happy fancy gospel tennis maple dilemma loan word shrug inflict delay length",
    ),
    (
        "9f6a2878b2520799a44ef18bc7df394e7061a224d2c33cd015b157d746869863",
        "panda eyebrow bullet gorilla call smoke muffin taste mesh discover soft ostrich alcohol speed nation flash devote level hobby quick inner drive ghost inside",
    ),
    (
        "066dca1a2bb7e8a1db2832148ce9933eee0f3ac9548d6a7e5b4a8ef52f8f1d8f",
        "all hour make first leader extend hole alien behind guard gospel lava thought output census museum heavy version sport bulb fancy shy involve truth",
    ),
    (
        "f585c11aec520db57dd353c69554b21a89b20fb0650966fa0a9d6f74fd989d8f",
        "void come effort suffer camp survey warrior heavy shoot primary clutch crush open amazing screen patrol group space point ten exist slush involve unfold",
    ),
];

/// `(file name, contents)` of every vector file, in a fixed order.
pub fn vector_files() -> Vec<(&'static str, String)> {
    vec![
        ("mnemonic.json", render(&mnemonic_file())),
        ("kdf.json", render(&kdf_file())),
        ("envelope.json", render(&envelope_file())),
        ("records-v2.json", render(&records_v2::records_v2_file())),
    ]
}

fn render<T: Serialize>(file: &T) -> String {
    let mut text = serde_json::to_string_pretty(file).unwrap_or_default();
    text.push('\n');
    text
}

// ---------------------------------------------------------------- shapes

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct VectorFile<G> {
    algorithm: &'static str,
    schema: &'static str,
    number_of_tests: usize,
    header: Vec<&'static str>,
    notes: BTreeMap<&'static str, Note>,
    test_groups: Vec<G>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Note {
    bug_type: &'static str,
    description: &'static str,
}

fn notes(entries: &[(&'static str, &'static str, &'static str)]) -> BTreeMap<&'static str, Note> {
    entries
        .iter()
        .map(|&(flag, bug_type, description)| {
            (
                flag,
                Note {
                    bug_type,
                    description,
                },
            )
        })
        .collect()
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Group<T> {
    #[serde(rename = "type")]
    group_type: &'static str,
    #[serde(flatten)]
    params: BTreeMap<&'static str, Value>,
    tests: Vec<T>,
}

fn count<G, T>(groups: &[G], tests: impl Fn(&G) -> &Vec<T>) -> usize {
    groups.iter().map(|g| tests(g).len()).sum()
}

/// Fills in `tcId`s 1, 2, 3… across all groups of a file.
fn number<T>(groups: &mut [Group<T>], set: impl Fn(&mut T, usize)) {
    let mut id = 0;
    for group in groups {
        for test in &mut group.tests {
            id += 1;
            set(test, id);
        }
    }
}

// ---------------------------------------------------------------- inputs

/// `len` bytes derived from `label`: SHA-256(label ‖ counter) blocks.
fn bytes_from(label: &str, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 32);
    let mut counter: u32 = 0;
    while out.len() < len {
        let mut hasher = Sha256::new();
        hasher.update(label.as_bytes());
        hasher.update(counter.to_be_bytes());
        out.extend_from_slice(&hasher.finalize());
        counter += 1;
    }
    out.truncate(len);
    out
}

fn array<const N: usize>(bytes: &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    out.copy_from_slice(bytes);
    out
}

fn key_from(label: &str) -> SecretKey {
    SecretKey::from_bytes(&bytes_from(label, 32)).unwrap_or_else(|_| unreachable!())
}

fn phrase(text: &str) -> Phrase {
    Phrase::parse(text).unwrap_or_else(|e| panic!("generator phrase {text:?}: {e}"))
}

fn error_kind<T>(result: Result<T, CryptoError>) -> &'static str {
    match result {
        Ok(_) => panic!("generator expected an error"),
        Err(error) => error.kind(),
    }
}

// ---------------------------------------------------------------- mnemonic.json

#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct MnemonicTest {
    tc_id: usize,
    comment: String,
    flags: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    entropy: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    input: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    phrase: Option<String>,
    result: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    word_count: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    word: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    position: Option<usize>,
}

fn mnemonic_file() -> VectorFile<Group<MnemonicTest>> {
    let mut entropy_tests = Vec::new();
    for (entropy, phrase_text) in BIP39_REFERENCE {
        entropy_tests.push(MnemonicTest {
            comment: "BIP39 reference vector (trezor/python-mnemonic vectors.json)".into(),
            flags: vec!["Bip39Reference"],
            entropy: Some(entropy.into()),
            phrase: Some(phrase_text.into()),
            result: "valid",
            ..Default::default()
        });
    }
    for n in 1..=6 {
        let entropy = bytes_from(&format!("caro-sync mnemonic entropy {n}"), 32);
        let phrase_text = Phrase::from_entropy(&array(&entropy))
            .expose_secret()
            .to_owned();
        entropy_tests.push(MnemonicTest {
            comment: format!("entropy = SHA-256(\"caro-sync mnemonic entropy {n}\" || 00000000)"),
            flags: vec!["Generated"],
            entropy: Some(hex::encode(entropy)),
            phrase: Some(phrase_text),
            result: "valid",
            ..Default::default()
        });
    }

    let abandon_art = BIP39_REFERENCE[0].1;
    let hamster = BIP39_REFERENCE[4].1;
    let spellings: Vec<(&str, String)> = vec![
        (
            "leading and trailing spaces",
            format!("   {abandon_art}   "),
        ),
        ("upper case", abandon_art.to_uppercase()),
        ("mixed case", capitalize_each(hamster)),
        ("tabs between words", hamster.replace(' ', "\t")),
        (
            "CRLF line breaks between words",
            hamster.replace(' ', "\r\n"),
        ),
        ("runs of spaces", abandon_art.replace(' ', "    ")),
        (
            "no-break spaces (U+00A0) and ideographic spaces (U+3000)",
            abandon_art
                .replacen(' ', "\u{a0}", 11)
                .replace(' ', "\u{3000}"),
        ),
        (
            "one word per line, trailing newline",
            format!("{}\n", abandon_art.replace(' ', "\n")),
        ),
    ];
    let normalization_tests = spellings
        .into_iter()
        .map(|(comment, input)| MnemonicTest {
            comment: comment.into(),
            flags: vec!["Normalization"],
            phrase: Some(phrase(&input).expose_secret().to_owned()),
            input: Some(input),
            result: "valid",
            ..Default::default()
        })
        .collect();

    let words: Vec<&str> = abandon_art.split(' ').collect();
    let with_word = |position: usize, word: &str| {
        let mut w = words.clone();
        w[position - 1] = word;
        w.join(" ")
    };
    let mut hamster_swapped: Vec<&str> = hamster.split(' ').collect();
    hamster_swapped.swap(0, 1);
    let invalid: Vec<(&str, &'static str, String)> = vec![
        ("empty input", "WordCount", String::new()),
        ("whitespace only", "WordCount", " \t\n ".into()),
        (
            "valid 12-word BIP39 phrase: caro uses 24 words",
            "WordCount",
            format!("{}about", "abandon ".repeat(11)),
        ),
        ("23 words", "WordCount", words[..23].join(" ")),
        ("25 words", "WordCount", format!("{abandon_art} abandon")),
        (
            "two phrases",
            "WordCount",
            format!("{abandon_art} {hamster}"),
        ),
        (
            "comma-separated words",
            "WordCount",
            abandon_art.replace(' ', ","),
        ),
        (
            "typo in the first word",
            "UnknownWord",
            with_word(1, "abandn"),
        ),
        ("typo in word 13", "UnknownWord", with_word(13, "abandonn")),
        (
            "typo in the last word",
            "UnknownWord",
            with_word(24, "artt"),
        ),
        (
            "four-letter prefix instead of the word",
            "UnknownWord",
            with_word(5, "aban"),
        ),
        ("digit in a word", "UnknownWord", with_word(2, "abandon1")),
        (
            "word of the Spanish list",
            "UnknownWord",
            with_word(7, "ábaco"),
        ),
        (
            "abandon x24",
            "Checksum",
            "abandon ".repeat(24).trim_end().into(),
        ),
        ("zoo x24", "Checksum", "zoo ".repeat(24).trim_end().into()),
        ("last word changed", "Checksum", with_word(24, "ability")),
        (
            "first two words swapped",
            "Checksum",
            hamster_swapped.join(" "),
        ),
        (
            "input longer than 4096 bytes",
            "InputTooLarge",
            format!("{abandon_art}{}", " ".repeat(4096)),
        ),
    ];
    let invalid_tests = invalid
        .into_iter()
        .map(|(comment, flag, input)| {
            let error = Phrase::parse(&input).err();
            let (word_count, word, position) = match &error {
                Some(CryptoError::InvalidWordCount(n)) => (Some(*n), None, None),
                Some(CryptoError::UnknownWord { word, position }) => {
                    (None, Some(word.clone()), Some(*position))
                }
                _ => (None, None, None),
            };
            MnemonicTest {
                comment: comment.into(),
                flags: vec![flag],
                input: Some(input),
                result: "invalid",
                error: Some(error_kind(error.map_or(Ok(()), Err))),
                word_count,
                word,
                position,
                ..Default::default()
            }
        })
        .collect();

    let mut groups = vec![
        Group {
            group_type: "MnemonicEntropyTest",
            params: BTreeMap::new(),
            tests: entropy_tests,
        },
        Group {
            group_type: "MnemonicNormalizationTest",
            params: BTreeMap::new(),
            tests: normalization_tests,
        },
        Group {
            group_type: "MnemonicParseTest",
            params: BTreeMap::new(),
            tests: invalid_tests,
        },
    ];
    number(&mut groups, |t, id| t.tc_id = id);
    VectorFile {
        algorithm: "BIP39-English-24",
        schema: "README.md#mnemonicjson",
        number_of_tests: count(&groups, |g| &g.tests),
        header: vec![
            "Recovery phrases: 24 BIP39 English words encoding 32 bytes of entropy.",
            "entropy <-> phrase both ways; input normalizes to phrase (trim, lowercase, one space between words);",
            "invalid inputs fail with the named error kind, checked in this order: InputTooLarge, InvalidWordCount, UnknownWord (first unknown word, 1-based position), InvalidChecksum.",
        ],
        notes: notes(&[
            ("Bip39Reference", "Functionality", "Published BIP39 test vector with 256-bit entropy."),
            ("Generated", "Functionality", "Entropy derived from a label with SHA-256."),
            ("Normalization", "Functionality", "An unnormalized spelling of a valid phrase."),
            ("WordCount", "ModifiedInput", "A word count other than 24."),
            ("UnknownWord", "ModifiedInput", "A word that is not in the BIP39 English list."),
            ("Checksum", "ModifiedInput", "All words known, checksum wrong."),
            ("InputTooLarge", "EdgeCase", "Input longer than the 4096 bytes a phrase parser reads."),
        ]),
        test_groups: groups,
    }
}

fn capitalize_each(text: &str) -> String {
    text.split(' ')
        .map(|w| {
            let mut chars = w.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect::<String>())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

// ---------------------------------------------------------------- kdf.json

#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct KdfTest {
    tc_id: usize,
    comment: String,
    flags: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    phrase: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    normalized_phrase: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    salt: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    master_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    command_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    preference_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    jazz_auth_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    device_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    key_id: Option<String>,
    result: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'static str>,
}

fn with_subkeys(test: KdfTest, master_key: &SecretKey) -> KdfTest {
    let keys = KeySet::from_master_key(master_key).unwrap_or_else(|e| panic!("hkdf: {e}"));
    KdfTest {
        master_key: Some(hex::encode(master_key.expose_secret())),
        command_key: Some(hex::encode(keys.command_key.expose_secret())),
        preference_key: Some(hex::encode(keys.preference_key.expose_secret())),
        jazz_auth_key: Some(hex::encode(keys.jazz_auth_key.expose_secret())),
        device_key: Some(hex::encode(keys.device_key.expose_secret())),
        key_id: Some(keys.key_id.clone()),
        ..test
    }
}

fn kdf_file() -> VectorFile<Group<KdfTest>> {
    let abandon_art = BIP39_REFERENCE[0].1;
    let mut inputs: Vec<(String, &'static str, String)> = BIP39_REFERENCE
        .iter()
        .map(|(_, p)| {
            (
                "BIP39 reference phrase".to_owned(),
                "Bip39Reference",
                (*p).to_owned(),
            )
        })
        .collect();
    for (comment, spelling) in [
        (
            "abandon x23 art, upper case with surrounding spaces",
            format!("  {}  ", abandon_art.to_uppercase()),
        ),
        (
            "abandon x23 art, tabs and newlines",
            abandon_art.replacen(' ', "\t", 12).replace(' ', "\n"),
        ),
        (
            "abandon x23 art, runs of spaces and mixed case",
            capitalize_each(abandon_art).replace(' ', "   "),
        ),
    ] {
        inputs.push((comment.to_owned(), "Unnormalized", spelling));
    }

    let phrase_tests = inputs
        .into_iter()
        .map(|(comment, flag, input)| {
            let parsed = phrase(&input);
            let master = derive_master_key(&parsed).unwrap_or_else(|e| panic!("argon2: {e}"));
            with_subkeys(
                KdfTest {
                    comment,
                    flags: vec![flag],
                    normalized_phrase: Some(parsed.expose_secret().to_owned()),
                    salt: Some(hex::encode(phrase_salt(&parsed))),
                    phrase: Some(input),
                    result: "valid",
                    ..Default::default()
                },
                &master,
            )
        })
        .collect();

    let mut master_keys: Vec<(String, SecretKey)> = vec![
        (
            "all-zero master key".into(),
            SecretKey::from_bytes(&[0; 32]).unwrap_or_else(|_| unreachable!()),
        ),
        (
            "all-ones master key".into(),
            SecretKey::from_bytes(&[0xff; 32]).unwrap_or_else(|_| unreachable!()),
        ),
    ];
    for n in 1..=8 {
        let label = format!("caro-sync master key {n}");
        master_keys.push((
            format!("master key = SHA-256(\"{label}\" || 00000000)"),
            key_from(&label),
        ));
    }
    let hkdf_tests = master_keys
        .into_iter()
        .map(|(comment, master)| {
            with_subkeys(
                KdfTest {
                    comment,
                    flags: vec!["HkdfOnly"],
                    result: "valid",
                    ..Default::default()
                },
                &master,
            )
        })
        .collect();

    let invalid_tests = [
        ("empty phrase", String::new()),
        ("12-word phrase", format!("{}about", "abandon ".repeat(11))),
        ("unknown word", abandon_art.replace("art", "arts")),
        ("bad checksum", "abandon ".repeat(24).trim_end().to_owned()),
        ("25 words", format!("{abandon_art} art")),
        ("words joined by underscores", abandon_art.replace(' ', "_")),
    ]
    .into_iter()
    .map(|(comment, input)| KdfTest {
        comment: comment.into(),
        flags: vec!["InvalidPhrase"],
        error: Some(error_kind(Phrase::parse(&input))),
        phrase: Some(input),
        result: "invalid",
        ..Default::default()
    })
    .collect();

    let argon2_params = BTreeMap::from([
        ("argon2Type", Value::from("argon2id")),
        ("argon2Version", Value::from(0x13)),
        ("memoryKib", Value::from(ARGON2_MEMORY_KIB)),
        ("iterations", Value::from(ARGON2_ITERATIONS)),
        ("parallelism", Value::from(ARGON2_PARALLELISM)),
        ("saltSize", Value::from(128)),
        ("keySize", Value::from(256)),
    ]);
    let hkdf_params = BTreeMap::from([
        ("hkdfHash", Value::from("SHA-256")),
        ("hkdfSalt", Value::from("")),
        ("commandKeyInfo", Value::from(INFO_COMMAND_KEY)),
        ("preferenceKeyInfo", Value::from(INFO_PREFERENCE_KEY)),
        ("jazzAuthKeyInfo", Value::from(INFO_JAZZ_AUTH_KEY)),
        ("deviceKeyInfo", Value::from(INFO_DEVICE_KEY)),
        ("keyIdInfo", Value::from(INFO_KEY_ID)),
        ("keyIdSize", Value::from(64)),
    ]);
    let mut both = argon2_params.clone();
    both.extend(hkdf_params.clone());

    let mut groups = vec![
        Group {
            group_type: "PhraseKdfTest",
            params: both.clone(),
            tests: phrase_tests,
        },
        Group {
            group_type: "SubkeyTest",
            params: hkdf_params,
            tests: hkdf_tests,
        },
        Group {
            group_type: "PhraseKdfTest",
            params: both,
            tests: invalid_tests,
        },
    ];
    number(&mut groups, |t, id| t.tc_id = id);
    VectorFile {
        algorithm: "Argon2id+HKDF-SHA256",
        schema: "README.md#kdfjson",
        number_of_tests: count(&groups, |g| &g.tests),
        header: vec![
            "Keys from a recovery phrase.",
            "salt = first 16 bytes of SHA-256(normalizedPhrase); masterKey = Argon2id v1.3 (password = normalizedPhrase as UTF-8, salt, m = 65536 KiB, t = 3, p = 4, 32 bytes).",
            "Each subkey = HKDF-SHA256(salt = empty, ikm = masterKey, info = its info string, 32 bytes); keyId = hex of the first 8 bytes of HKDF-Expand with info caro-sync-key-id-v1.",
            "SubkeyTest cases start from masterKey; invalid cases name the error of parsing the phrase.",
        ],
        notes: notes(&[
            ("Bip39Reference", "Functionality", "A published BIP39 reference phrase."),
            ("Unnormalized", "Functionality", "An unnormalized spelling: must give the same keys as the normalized phrase."),
            ("HkdfOnly", "Functionality", "Subkeys and key id from a given master key."),
            ("InvalidPhrase", "ModifiedInput", "Not a valid phrase: no key is derived."),
        ]),
        test_groups: groups,
    }
}

// ---------------------------------------------------------------- envelope.json

#[derive(Serialize, Default, Clone)]
#[serde(rename_all = "camelCase")]
struct EnvelopeTest {
    tc_id: usize,
    comment: String,
    flags: Vec<&'static str>,
    key: String,
    nonce: String,
    aad: String,
    plaintext: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    envelope: Option<String>,
    result: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'static str>,
}

struct Sealed {
    key: Vec<u8>,
    nonce: Vec<u8>,
    aad: Vec<u8>,
    plaintext: Vec<u8>,
    envelope: Vec<u8>,
}

fn sealed(label: &str, plaintext: Vec<u8>, aad: Vec<u8>) -> Sealed {
    let key = bytes_from(&format!("{label} key"), 32);
    let nonce = bytes_from(&format!("{label} nonce"), 12);
    sealed_with(key, nonce, plaintext, aad)
}

fn sealed_with(key: Vec<u8>, nonce: Vec<u8>, plaintext: Vec<u8>, aad: Vec<u8>) -> Sealed {
    let secret = SecretKey::from_bytes(&key).unwrap_or_else(|e| panic!("{e}"));
    let envelope = seal_with_nonce(&secret, &array(&nonce), &plaintext, &aad)
        .unwrap_or_else(|e| panic!("seal: {e}"));
    Sealed {
        key,
        nonce,
        aad,
        plaintext,
        envelope,
    }
}

impl Sealed {
    fn valid(&self, comment: &str, flag: &'static str) -> EnvelopeTest {
        EnvelopeTest {
            comment: comment.into(),
            flags: vec![flag],
            key: hex::encode(&self.key),
            nonce: hex::encode(&self.nonce),
            aad: hex::encode(&self.aad),
            plaintext: hex::encode(&self.plaintext),
            envelope: Some(hex::encode(&self.envelope)),
            result: "valid",
            ..Default::default()
        }
    }

    /// An opening that must fail: the envelope, key or AAD changed from the sealed ones.
    fn tampered(
        &self,
        comment: &str,
        flag: &'static str,
        change: impl FnOnce(&mut Vec<u8>, &mut Vec<u8>, &mut Vec<u8>),
    ) -> EnvelopeTest {
        let (mut key, mut envelope, mut aad) =
            (self.key.clone(), self.envelope.clone(), self.aad.clone());
        change(&mut key, &mut envelope, &mut aad);
        let error =
            SecretKey::from_bytes(&key).and_then(|k| crypto_core::open(&k, &envelope, &aad));
        EnvelopeTest {
            comment: comment.into(),
            flags: vec![flag],
            key: hex::encode(&key),
            nonce: hex::encode(&self.nonce),
            aad: hex::encode(&aad),
            plaintext: hex::encode(&self.plaintext),
            envelope: Some(hex::encode(&envelope)),
            result: "invalid",
            error: Some(error_kind(error)),
            ..Default::default()
        }
    }
}

fn flip(bytes: &mut [u8], index: usize, bit: u8) {
    bytes[index] ^= 1 << bit;
}

/// The path-style AAD sync v1 bound an envelope with, `caro-sync/v1/<kind>/<id>`.
/// The envelope takes any AAD; these keep envelope.json's published bytes.
fn path_aad(kind: &str, id: &str) -> Vec<u8> {
    format!("caro-sync/v1/{kind}/{id}").into_bytes()
}

fn command_aad(entry_id: &str) -> Vec<u8> {
    path_aad("command", entry_id)
}

fn preference_aad(key: &str) -> Vec<u8> {
    path_aad("preference", key)
}

fn device_aad(device_id: &str) -> Vec<u8> {
    path_aad("device", device_id)
}

fn envelope_file() -> VectorFile<Group<EnvelopeTest>> {
    let entry_id = "0190f0a1-7c2e-7b3a-9f10-5d6c7e8f9a0b";
    let mut valid = Vec::new();
    for len in [0usize, 1, 15, 16, 17, 31, 32, 33, 64, 255, 256, 1000] {
        let s = sealed(
            &format!("caro-sync envelope {len}"),
            bytes_from(&format!("caro-sync plaintext {len}"), len),
            command_aad(entry_id),
        );
        valid.push(s.valid(&format!("{len}-byte plaintext, command AAD"), "Valid"));
    }
    let text = "ls -la ~/projets/été && echo \"✓ 完了\""
        .as_bytes()
        .to_vec();
    valid.push(
        sealed(
            "caro-sync envelope preference",
            text.clone(),
            preference_aad("theme"),
        )
        .valid("UTF-8 plaintext, preference AAD", "Valid"),
    );
    valid.push(
        sealed(
            "caro-sync envelope device",
            text.clone(),
            device_aad("device-7f3a"),
        )
        .valid("UTF-8 plaintext, device AAD", "Valid"),
    );
    valid.push(
        sealed("caro-sync envelope empty aad", text.clone(), Vec::new()).valid(
            "empty AAD (the API allows it; caro always binds a place)",
            "Valid",
        ),
    );
    valid.push(
        sealed_with(
            vec![0; 32],
            vec![0; 12],
            text.clone(),
            command_aad(entry_id),
        )
        .valid("all-zero key and nonce", "Valid"),
    );
    valid.push(
        sealed_with(
            vec![0xff; 32],
            vec![0xff; 12],
            text.clone(),
            command_aad(entry_id),
        )
        .valid("all-ones key and nonce", "Valid"),
    );

    let base = sealed(
        "caro-sync envelope base",
        bytes_from("caro-sync plaintext base", 32),
        command_aad(entry_id),
    );
    let last = base.envelope.len() - 1;
    let other_key = bytes_from("caro-sync envelope other key", 32);
    let mut invalid = vec![
        base.tampered("empty envelope", "Truncated", |_, e, _| e.clear()),
        base.tampered("version byte only", "Truncated", |_, e, _| e.truncate(1)),
        base.tampered("version and nonce only", "Truncated", |_, e, _| {
            e.truncate(13)
        }),
        base.tampered(
            "28 bytes: one short of an empty plaintext's envelope",
            "Truncated",
            |_, e, _| e.truncate(MIN_ENVELOPE_LEN - 1),
        ),
        base.tampered(
            "last byte cut off (still 29+ bytes)",
            "Truncated",
            |_, e, _| {
                e.pop();
            },
        ),
        base.tampered("tag cut off entirely", "Truncated", |_, e, _| {
            e.truncate(e.len() - 16)
        }),
        base.tampered("byte appended", "Appended", |_, e, _| e.push(0)),
        base.tampered("version 0", "Version", |_, e, _| e[0] = 0),
        base.tampered("version 2", "Version", |_, e, _| e[0] = 2),
        base.tampered("version 255", "Version", |_, e, _| e[0] = 0xff),
        base.tampered(
            "version 2, short: the version is reported first",
            "Version",
            |_, e, _| {
                e.truncate(5);
                e[0] = 2;
            },
        ),
        base.tampered(
            "ASCII '{' where the version goes (plaintext JSON)",
            "Version",
            |_, e, _| e[0] = b'{',
        ),
        base.tampered(
            "bit 0 of the first nonce byte flipped",
            "ModifiedNonce",
            |_, e, _| flip(e, 1, 0),
        ),
        base.tampered(
            "bit 7 of the last nonce byte flipped",
            "ModifiedNonce",
            |_, e, _| flip(e, 12, 7),
        ),
        base.tampered(
            "first ciphertext bit flipped",
            "ModifiedCiphertext",
            |_, e, _| flip(e, 13, 0),
        ),
        base.tampered(
            "middle ciphertext bit flipped",
            "ModifiedCiphertext",
            |_, e, _| flip(e, 13 + 16, 3),
        ),
        base.tampered(
            "last ciphertext bit flipped",
            "ModifiedCiphertext",
            |_, e, _| flip(e, last - 16, 7),
        ),
        base.tampered("first tag bit flipped", "ModifiedTag", |_, e, _| {
            flip(e, last - 15, 0)
        }),
        base.tampered("last tag bit flipped", "ModifiedTag", |_, e, _| {
            flip(e, last, 7)
        }),
        base.tampered("tag zeroed", "ModifiedTag", |_, e, _| {
            e[last - 15..].fill(0)
        }),
        base.tampered(
            "all-zero version-1 envelope of minimum length",
            "ModifiedTag",
            |_, e, _| {
                e.truncate(MIN_ENVELOPE_LEN);
                e[1..].fill(0);
            },
        ),
        base.tampered("AAD of another entry", "WrongAad", |_, _, a| {
            *a = command_aad("0190f0a1-7c2e-7b3a-9f10-5d6c7e8f9a0c")
        }),
        base.tampered("preference AAD with the same id", "WrongAad", |_, _, a| {
            *a = preference_aad(entry_id)
        }),
        base.tampered("device AAD with the same id", "WrongAad", |_, _, a| {
            *a = device_aad(entry_id)
        }),
        base.tampered("empty AAD", "WrongAad", |_, _, a| a.clear()),
        base.tampered("AAD with a trailing slash", "WrongAad", |_, _, a| {
            a.push(b'/')
        }),
        base.tampered("AAD in upper case", "WrongAad", |_, _, a| {
            a.make_ascii_uppercase()
        }),
        base.tampered("another key", "WrongKey", |k, _, _| *k = other_key.clone()),
        base.tampered("key with one bit flipped", "WrongKey", |k, _, _| {
            flip(k, 31, 0)
        }),
        base.tampered("all-zero key", "WrongKey", |k, _, _| k.fill(0)),
        base.tampered("31-byte key", "KeyLength", |k, _, _| {
            k.pop();
        }),
        base.tampered("33-byte key", "KeyLength", |k, _, _| k.push(0)),
        base.tampered("empty key", "KeyLength", |k, _, _| k.clear()),
        base.tampered("16-byte (AES-128) key", "KeyLength", |k, _, _| {
            k.truncate(16)
        }),
    ];
    // Sealing with a malformed nonce: these cases have no envelope.
    for (comment, len) in [
        ("sealing with an 11-byte nonce", 11usize),
        ("sealing with a 13-byte nonce", 13),
        ("sealing with an empty nonce", 0),
        ("sealing with a 16-byte nonce", 16),
    ] {
        let nonce = bytes_from("caro-sync envelope bad nonce", len);
        invalid.push(EnvelopeTest {
            comment: comment.into(),
            flags: vec!["NonceLength"],
            key: hex::encode(&base.key),
            error: Some(error_kind(nonce_from_slice(&nonce))),
            nonce: hex::encode(nonce),
            aad: hex::encode(&base.aad),
            plaintext: hex::encode(&base.plaintext),
            envelope: None,
            result: "invalid",
            ..Default::default()
        });
    }
    let params = BTreeMap::from([
        ("keySize", Value::from(256)),
        ("ivSize", Value::from(96)),
        ("tagSize", Value::from(128)),
        ("version", Value::from(1)),
    ]);
    let mut groups = vec![
        Group {
            group_type: "EnvelopeTest",
            params: params.clone(),
            tests: valid,
        },
        Group {
            group_type: "EnvelopeTest",
            params,
            tests: invalid,
        },
    ];
    number(&mut groups, |t, id| t.tc_id = id);
    VectorFile {
        algorithm: "caro-sync-envelope-v1 (AES-256-GCM)",
        schema: "README.md#envelopejson",
        number_of_tests: count(&groups, |g| &g.tests),
        header: vec![
            "envelope = 01 || nonce (12 bytes) || AES-256-GCM(key, nonce, plaintext, aad) ciphertext || tag (16 bytes).",
            "Valid: open(key, envelope, aad) = plaintext and sealWithNonce(key, nonce, plaintext, aad) = envelope.",
            "Invalid with envelope: open(key, envelope, aad) fails with error (nonce and plaintext are those of the original sealing). Invalid without envelope: sealWithNonce(key, nonce, plaintext, aad) fails with error.",
            "Opening checks, in order: key length, version byte (UnsupportedVersion), length >= 29 (EnvelopeTooShort), authentication.",
        ],
        notes: notes(&[
            ("Valid", "Functionality", "A correctly sealed envelope."),
            ("Truncated", "ModifiedInput", "Bytes removed from the end."),
            ("Appended", "ModifiedInput", "A byte added at the end."),
            ("Version", "ModifiedInput", "A version byte other than 1."),
            ("ModifiedNonce", "ModifiedInput", "A bit of the nonce flipped."),
            ("ModifiedCiphertext", "ModifiedInput", "A bit of the ciphertext flipped."),
            ("ModifiedTag", "ModifiedInput", "The tag changed."),
            ("WrongAad", "ModifiedInput", "Opened for another place than it was sealed for."),
            ("WrongKey", "ModifiedInput", "Opened with another key."),
            ("KeyLength", "EdgeCase", "A key that is not 32 bytes."),
            ("NonceLength", "EdgeCase", "Sealing with a nonce that is not 12 bytes."),
        ]),
        test_groups: groups,
    }
}
