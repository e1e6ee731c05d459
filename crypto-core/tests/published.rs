//! Published test vectors, typed in with their inputs, so crypto-core's
//! primitives are pinned to the standards and not only to themselves.

use argon2::{Algorithm, Argon2, AssociatedData, ParamsBuilder, Version};
use crypto_core::kdf::hkdf_sha256;
use crypto_core::{open, seal_with_nonce, Phrase, SecretKey};

fn unhex(text: &str) -> Vec<u8> {
    hex::decode(text).expect("hex")
}

/// RFC 5869 appendix A, test cases 1–3 (HKDF-SHA256), through the function KeySet uses.
#[test]
fn rfc5869_hkdf_sha256() {
    let cases = [
        (
            "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
            "000102030405060708090a0b0c",
            "f0f1f2f3f4f5f6f7f8f9",
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
        ),
        (
            "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f",
            "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
            "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
            "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87",
        ),
        // Empty salt and info, as caro's subkeys use an empty salt.
        (
            "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
            "",
            "",
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
        ),
    ];
    for (n, (ikm, salt, info, okm)) in cases.into_iter().enumerate() {
        let mut out = vec![0u8; okm.len() / 2];
        hkdf_sha256(&unhex(ikm), &unhex(salt), &unhex(info), &mut out).expect("expands");
        assert_eq!(hex::encode(out), okm, "RFC 5869 test case {}", n + 1);
    }
}

/// RFC 9106 section 5.3: Argon2id v1.3, m = 32 KiB, t = 3, p = 4, with secret and
/// associated data, on the argon2 crate crypto-core is built with.
#[test]
fn rfc9106_argon2id() {
    let params = ParamsBuilder::new()
        .m_cost(32)
        .t_cost(3)
        .p_cost(4)
        .output_len(32)
        .data(AssociatedData::new(&[0x04; 12]).expect("ad"))
        .build()
        .expect("params");
    let argon2 = Argon2::new_with_secret(&[0x03; 8], Algorithm::Argon2id, Version::V0x13, params)
        .expect("secret");
    let mut tag = [0u8; 32];
    argon2
        .hash_password_into(&[0x01; 32], &[0x02; 16], &mut tag)
        .expect("hashes");
    assert_eq!(
        hex::encode(tag),
        "0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659"
    );
}

/// BIP39 reference vectors (trezor/python-mnemonic `vectors.json`, 256-bit entropy).
#[test]
fn bip39_reference_vectors() {
    let cases = [
        (
            "0000000000000000000000000000000000000000000000000000000000000000",
            "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon art",
        ),
        (
            "7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f",
            "legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth title",
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
            "f585c11aec520db57dd353c69554b21a89b20fb0650966fa0a9d6f74fd989d8f",
            "void come effort suffer camp survey warrior heavy shoot primary clutch crush open amazing screen patrol group space point ten exist slush involve unfold",
        ),
    ];
    for (entropy, phrase) in cases {
        let entropy: [u8; 32] = unhex(entropy).try_into().expect("32 bytes");
        assert_eq!(Phrase::from_entropy(&entropy).expose_secret(), phrase);
        assert_eq!(*Phrase::parse(phrase).expect("valid").to_entropy(), entropy);
    }
}

/// NIST GCM specification (McGrew & Viega), AES-256 test cases 13 and 14, as envelopes.
#[test]
fn nist_gcm_aes256_zero_key() {
    let key = SecretKey::from_bytes(&[0; 32]).expect("32 bytes");
    let cases = [
        ("", "530f8afbc74536b9a963b4f1c4cb738b"),
        (
            "00000000000000000000000000000000",
            "cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919",
        ),
    ];
    for (plaintext, ciphertext_and_tag) in cases {
        let envelope = seal_with_nonce(&key, &[0; 12], &unhex(plaintext), b"").expect("seals");
        let expected = format!("01{}{ciphertext_and_tag}", "00".repeat(12));
        assert_eq!(hex::encode(&envelope), expected);
        assert_eq!(open(&key, &envelope, b"").expect("opens"), unhex(plaintext));
    }
}
