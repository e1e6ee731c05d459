//! caro sync's crypto core, compiled natively into the `caro` CLI and to WASM
//! for the `caro-sync-daemon` package, so both derive the same keys and read
//! and write the same envelopes byte for byte.
//!
//! - [`mnemonic`]: the 24-word recovery phrase.
//! - [`kdf`]: phrase → master key (Argon2id) → subkeys and key id (HKDF-SHA256).
//! - [`envelope`]: versioned AES-256-GCM envelopes.
//! - [`aad`]: the associated data that binds an envelope to its place.
//! - [`record`]: sync protocol v2's record: padded canonical plaintext, AAD
//!   from hints, hash chain, time policy, key per kind; [`body`] its typed bodies.
//!
//! The nonce-choosing functions (`seal_with_nonce`, `seal_record_with_nonce`)
//! exist only with the `testing` feature: the vector tests and the WASM build
//! (for the daemon's `caro-sync-daemon/testing` subpath) turn it on.
//!
//! Nothing here panics on bad input; every failure is a [`CryptoError`].

pub mod aad;
pub mod body;
mod canonical;
pub mod envelope;
mod error;
pub mod kdf;
mod key;
pub mod mnemonic;
mod nonce;
pub mod record;
#[cfg(target_arch = "wasm32")]
mod wasm;

pub use aad::record_aad;
pub use body::{Body, DeviceBody, EntryBody, PrefBody, RetiredBody, RetiredReason};
#[cfg(feature = "testing")]
pub use envelope::seal_with_nonce;
pub use envelope::{open, parse_envelope, seal, EnvelopeInfo};
pub use error::CryptoError;
pub use kdf::{derive_master_key, phrase_salt, KeySet};
pub use key::{SecretKey, KEY_LEN};
pub use mnemonic::Phrase;
#[cfg(feature = "testing")]
pub use record::seal_record_with_nonce;
pub use record::{
    check_hints, check_link, check_time, key_for, open_record, record_hash, seal_record, Hints,
    Record, RecordKind, GENESIS_PREV,
};
