//! `SecretKey`: 32 key bytes that zeroize on drop and never print.

use std::fmt;
use std::sync::OnceLock;

use aes_gcm::{Aes256Gcm, KeyInit};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::CryptoError;

/// Length of every key in crypto-core: master key, subkeys, AES-256 keys.
pub const KEY_LEN: usize = 32;

/// A 32-byte secret key. Its bytes are wiped when it is dropped, and `Debug`
/// prints only `SecretKey(..)`; reading the bytes takes an explicit
/// [`SecretKey::expose_secret`].
#[derive(Clone)]
pub struct SecretKey {
    bytes: [u8; KEY_LEN],
    /// The AES-256-GCM key schedule, expanded by the first seal or open: a
    /// key that seals a whole batch expands once (a third of a 256-byte
    /// seal). `Aes256Gcm` wipes itself on drop (aes-gcm's `zeroize` feature).
    cipher: OnceLock<Aes256Gcm>,
}

impl SecretKey {
    /// A key from exactly 32 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CryptoError> {
        let array: [u8; KEY_LEN] = bytes
            .try_into()
            .map_err(|_| CryptoError::InvalidKeyLength(bytes.len()))?;
        Ok(Self::from_array(array))
    }

    pub(crate) fn from_array(bytes: [u8; KEY_LEN]) -> Self {
        Self {
            bytes,
            cipher: OnceLock::new(),
        }
    }

    /// The raw key bytes. Named loudly so every use stands out in review.
    pub fn expose_secret(&self) -> &[u8; KEY_LEN] {
        &self.bytes
    }

    /// This key as an AES-256-GCM key.
    pub(crate) fn aes_gcm(&self) -> &Aes256Gcm {
        self.cipher
            .get_or_init(|| Aes256Gcm::new(&self.bytes.into()))
    }
}

impl Drop for SecretKey {
    fn drop(&mut self) {
        self.bytes.zeroize();
    }
}

impl ZeroizeOnDrop for SecretKey {}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(..)")
    }
}
