//! From recovery phrase to keys: Argon2id gives the master key, HKDF-SHA256
//! splits it into one subkey per purpose plus a key id people can compare.
//!
//! The parameters are fixed on every device. Adapting them to the machine would
//! make two devices derive different keys from one phrase.

use std::fmt;

use argon2::{Algorithm, Argon2, Params, Version};
use hkdf::Hkdf;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::{CryptoError, Phrase, SecretKey, KEY_LEN};

/// Argon2id memory cost in KiB (64 MiB).
pub const ARGON2_MEMORY_KIB: u32 = 65_536;
/// Argon2id passes.
pub const ARGON2_ITERATIONS: u32 = 3;
/// Argon2id lanes.
pub const ARGON2_PARALLELISM: u32 = 4;
/// Salt length: the first 16 bytes of SHA-256(normalized phrase).
pub const SALT_LEN: usize = 16;
/// Bytes of HKDF output in a key id (written as 16 hex characters).
pub const KEY_ID_LEN: usize = 8;

/// HKDF info of the key that seals command entries.
pub const INFO_COMMAND_KEY: &str = "caro-sync-command-v1";
/// HKDF info of the key that seals preferences.
pub const INFO_PREFERENCE_KEY: &str = "caro-sync-preference-v1";
/// HKDF info of the seed of the sync account.
pub const INFO_JAZZ_AUTH_KEY: &str = "caro-sync-jazz-auth-v1";
/// HKDF info of the key that seals device records.
pub const INFO_DEVICE_KEY: &str = "caro-sync-device-v1";
/// HKDF info of the key id.
pub const INFO_KEY_ID: &str = "caro-sync-key-id-v1";

/// The Argon2id salt of a phrase: the first 16 bytes of SHA-256(normalized phrase).
/// Deterministic on purpose: the phrase is the only thing a new device knows.
pub fn phrase_salt(phrase: &Phrase) -> [u8; SALT_LEN] {
    let digest = Sha256::digest(phrase.expose_secret().as_bytes());
    let mut salt = [0u8; SALT_LEN];
    salt.copy_from_slice(&digest[..SALT_LEN]);
    salt
}

/// The master key: Argon2id v1.3 (m = 64 MiB, t = 3, p = 4) over the normalized phrase.
pub fn derive_master_key(phrase: &Phrase) -> Result<SecretKey, CryptoError> {
    let params = Params::new(
        ARGON2_MEMORY_KIB,
        ARGON2_ITERATIONS,
        ARGON2_PARALLELISM,
        Some(KEY_LEN),
    )
    .map_err(|e| CryptoError::KeyDerivationFailed(e.to_string()))?;
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let mut out = Zeroizing::new([0u8; KEY_LEN]);
    argon2
        .hash_password_into(
            phrase.expose_secret().as_bytes(),
            &phrase_salt(phrase),
            out.as_mut(),
        )
        .map_err(|e| CryptoError::KeyDerivationFailed(e.to_string()))?;
    Ok(SecretKey::from_array(*out))
}

/// Every key a device needs, all from one phrase.
pub struct KeySet {
    /// Seals command entries.
    pub command_key: SecretKey,
    /// Seals preferences.
    pub preference_key: SecretKey,
    /// Seed of the sync (Jazz) account.
    pub jazz_auth_key: SecretKey,
    /// Seals device records.
    pub device_key: SecretKey,
    /// 16 lowercase hex characters, safe to show: equal on devices that share a phrase.
    pub key_id: String,
}

impl KeySet {
    /// Runs Argon2id (about 0.1–0.3 s) and HKDF.
    pub fn derive(phrase: &Phrase) -> Result<Self, CryptoError> {
        Self::from_master_key(&derive_master_key(phrase)?)
    }

    /// HKDF-SHA256 with an empty salt over the master key, one expand per purpose.
    pub fn from_master_key(master_key: &SecretKey) -> Result<Self, CryptoError> {
        let subkey = |info: &str| -> Result<SecretKey, CryptoError> {
            let mut okm = Zeroizing::new([0u8; KEY_LEN]);
            hkdf_sha256(
                master_key.expose_secret(),
                &[],
                info.as_bytes(),
                okm.as_mut(),
            )?;
            Ok(SecretKey::from_array(*okm))
        };
        let mut key_id = [0u8; KEY_ID_LEN];
        hkdf_sha256(
            master_key.expose_secret(),
            &[],
            INFO_KEY_ID.as_bytes(),
            &mut key_id,
        )?;
        Ok(Self {
            command_key: subkey(INFO_COMMAND_KEY)?,
            preference_key: subkey(INFO_PREFERENCE_KEY)?,
            jazz_auth_key: subkey(INFO_JAZZ_AUTH_KEY)?,
            device_key: subkey(INFO_DEVICE_KEY)?,
            key_id: to_hex(&key_id),
        })
    }
}

/// HKDF-SHA256 (RFC 5869): extract with `salt` over `ikm`, expand with `info`
/// to fill `okm` (at most 8160 bytes).
pub fn hkdf_sha256(
    ikm: &[u8],
    salt: &[u8],
    info: &[u8],
    okm: &mut [u8],
) -> Result<(), CryptoError> {
    Hkdf::<Sha256>::new(Some(salt), ikm)
        .expand(info, okm)
        .map_err(|e| CryptoError::KeyDerivationFailed(e.to_string()))
}

impl fmt::Debug for KeySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeySet")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

pub(crate) fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}
