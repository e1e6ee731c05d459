//! Envelope v1: `0x01 ‖ 12-byte nonce ‖ AES-256-GCM ciphertext ‖ 16-byte tag`,
//! always sealed with associated data that names the envelope's place.

use aes_gcm::aead::{Aead, AeadInOut, Payload};
use aes_gcm::Nonce;

use crate::{CryptoError, SecretKey};

/// The version byte this build writes and reads.
pub const ENVELOPE_VERSION: u8 = 1;
/// AES-GCM nonce length.
pub const NONCE_LEN: usize = 12;
/// AES-GCM tag length.
pub const TAG_LEN: usize = 16;
/// Version byte and nonce.
pub const HEADER_LEN: usize = 1 + NONCE_LEN;
/// The shortest envelope: an empty plaintext.
pub const MIN_ENVELOPE_LEN: usize = HEADER_LEN + TAG_LEN;
/// Largest plaintext crypto-core seals. Entries are small; the cap keeps a
/// hostile relay from making a device (or a WASM heap) allocate without bound.
pub const MAX_PLAINTEXT_LEN: usize = 16 * 1024 * 1024;
/// Largest envelope crypto-core opens.
pub const MAX_ENVELOPE_LEN: usize = MAX_PLAINTEXT_LEN + MIN_ENVELOPE_LEN;
/// Largest associated data: AAD is a short path such as `caro-sync/v1/command/<id>`.
pub const MAX_AAD_LEN: usize = 64 * 1024;

/// What an envelope's header says, read without a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvelopeInfo {
    /// The version byte (always 1 for an envelope that parses).
    pub version: u8,
    /// The nonce it was sealed with.
    pub nonce: [u8; NONCE_LEN],
    /// Length of the ciphertext without the tag, which equals the plaintext's length.
    pub ciphertext_len: usize,
}

/// Reads an envelope's header. The version is checked before the length so a
/// newer envelope is reported as such, whatever its layout.
pub fn parse_envelope(envelope: &[u8]) -> Result<EnvelopeInfo, CryptoError> {
    let Some(&version) = envelope.first() else {
        return Err(CryptoError::EnvelopeTooShort(0));
    };
    if version != ENVELOPE_VERSION {
        return Err(CryptoError::UnsupportedVersion(version));
    }
    if envelope.len() < MIN_ENVELOPE_LEN {
        return Err(CryptoError::EnvelopeTooShort(envelope.len()));
    }
    if envelope.len() > MAX_ENVELOPE_LEN {
        return Err(CryptoError::InputTooLarge {
            len: envelope.len(),
            max: MAX_ENVELOPE_LEN,
        });
    }
    Ok(EnvelopeInfo {
        version,
        nonce: nonce_from_slice(envelope.get(1..HEADER_LEN).unwrap_or_default())?,
        ciphertext_len: envelope.len() - MIN_ENVELOPE_LEN,
    })
}

/// A nonce from exactly 12 bytes.
pub fn nonce_from_slice(bytes: &[u8]) -> Result<[u8; NONCE_LEN], CryptoError> {
    bytes
        .try_into()
        .map_err(|_| CryptoError::InvalidNonceLength(bytes.len()))
}

/// Seals `plaintext` under a fresh random nonce.
pub fn seal(key: &SecretKey, plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>, CryptoError> {
    seal_under(key, &crate::nonce::fresh_nonce()?, plaintext, aad)
}

/// Seals with a caller-chosen nonce, so test vectors can check sealing byte
/// for byte. Reusing a nonce under one key breaks AES-GCM, hence the
/// `testing` feature: no build of caro can call it by accident.
#[cfg(feature = "testing")]
pub fn seal_with_nonce(
    key: &SecretKey,
    nonce: &[u8; NONCE_LEN],
    plaintext: &[u8],
    aad: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    seal_under(key, nonce, plaintext, aad)
}

fn seal_under(
    key: &SecretKey,
    nonce: &[u8; NONCE_LEN],
    plaintext: &[u8],
    aad: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    check_len(plaintext, MAX_PLAINTEXT_LEN)?;
    check_len(aad, MAX_AAD_LEN)?;
    // One buffer: header, then the plaintext encrypted in place, then the tag.
    let mut envelope = Vec::with_capacity(MIN_ENVELOPE_LEN + plaintext.len());
    envelope.push(ENVELOPE_VERSION);
    envelope.extend_from_slice(nonce);
    envelope.extend_from_slice(plaintext);
    let body = envelope.get_mut(HEADER_LEN..).unwrap_or_default();
    let tag = key
        .aes_gcm()
        .encrypt_inout_detached(&Nonce::from(*nonce), aad, body.into())
        .map_err(|_| CryptoError::InputTooLarge {
            len: plaintext.len(),
            max: MAX_PLAINTEXT_LEN,
        })?;
    envelope.extend_from_slice(&tag);
    Ok(envelope)
}

/// Opens an envelope sealed under `key` with exactly this `aad`.
pub fn open(key: &SecretKey, envelope: &[u8], aad: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let info = parse_envelope(envelope)?;
    check_len(aad, MAX_AAD_LEN)?;
    let sealed = envelope.get(HEADER_LEN..).unwrap_or_default();
    key.aes_gcm()
        .decrypt(&Nonce::from(info.nonce), Payload { msg: sealed, aad })
        .map_err(|_| CryptoError::AuthenticationFailed)
}

fn check_len(input: &[u8], max: usize) -> Result<(), CryptoError> {
    if input.len() > max {
        return Err(CryptoError::InputTooLarge {
            len: input.len(),
            max,
        });
    }
    Ok(())
}
