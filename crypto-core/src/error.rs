//! The one error type of crypto-core. Variant names are the error kinds used in
//! the test vectors, in JS `Error.name` and by the CLI, so they never change.

use thiserror::Error;

/// Everything that can go wrong in crypto-core. No function of the crate panics
/// on bad input: it returns one of these.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CryptoError {
    /// A recovery phrase has 24 words.
    #[error("a recovery phrase has 24 words, this one has {0}")]
    InvalidWordCount(usize),
    /// A word of the phrase is not in the BIP39 English word list.
    #[error(
        "word {position} of the recovery phrase, \"{word}\", is not in the BIP39 English word list"
    )]
    UnknownWord {
        /// The word as it was typed (after normalization).
        word: String,
        /// Its 1-based position in the phrase.
        position: usize,
    },
    /// All words are known but the phrase's checksum does not match.
    #[error("the recovery phrase's checksum does not match: a word is wrong or out of order")]
    InvalidChecksum,
    /// Keys are 32 bytes.
    #[error("a key is 32 bytes, got {0}")]
    InvalidKeyLength(usize),
    /// Nonces are 12 bytes.
    #[error("a nonce is 12 bytes, got {0}")]
    InvalidNonceLength(usize),
    /// An envelope is at least 29 bytes (version, nonce and tag).
    #[error("an envelope is at least 29 bytes, got {0}")]
    EnvelopeTooShort(usize),
    /// The envelope's version byte is not one this build reads.
    #[error("unsupported envelope version {0} (this build reads version 1)")]
    UnsupportedVersion(u8),
    /// Wrong key, wrong associated data or tampered bytes: AES-GCM cannot tell which.
    #[error("authentication failed: wrong key, wrong associated data or tampered bytes")]
    AuthenticationFailed,
    /// The plaintext is not a valid record (v1 command entry or v2 record).
    #[error("invalid record: {0}")]
    InvalidRecord(String),
    /// A v2 record's `v` is not 2: written by another version of caro.
    #[error("record format {0} is not one this build reads (it reads format 2)")]
    UnsupportedRecordVersion(u64),
    /// A record kind this build does not know: written by a newer caro.
    #[error("unknown record kind \"{0}\" (this build knows entry, delete, pref, device and head)")]
    UnknownRecordKind(String),
    /// The opened record's field differs from the hint it was delivered under:
    /// sealed by a key holder with a plaintext that contradicts its own place.
    #[error("the record's {0} differs from the hint it was delivered under")]
    HintMismatch(&'static str),
    /// A record's `createdAt` is before 1990 or more than a day ahead of the reader's clock.
    #[error("the record's time {0} ms is before 1990 or more than a day in the future")]
    TimeOutOfRange(i64),
    /// A record of a device's log is not the next one of its chain.
    #[error("expected record {expected} of the device's log, got record {got}")]
    OutOfSequence {
        /// The seq the chain needs next.
        expected: u64,
        /// The seq of the record.
        got: u64,
    },
    /// A record's `prev` is not the hash of the record before it: a fork or a forgery.
    #[error("record {0} does not follow the record before it in the device's log (prev differs)")]
    BrokenChain(u64),
    /// An input is larger than crypto-core accepts.
    #[error("input of {len} bytes is larger than the limit of {max} bytes")]
    InputTooLarge {
        /// Length of the input.
        len: usize,
        /// The limit for this input.
        max: usize,
    },
    /// The operating system (or, in WASM, `crypto.getRandomValues`) gave no randomness.
    #[error("the operating system's randomness is unavailable")]
    RandomnessUnavailable,
    /// Argon2id or HKDF refused to run (out of memory, for example).
    #[error("key derivation failed: {0}")]
    KeyDerivationFailed(String),
}

impl CryptoError {
    /// The variant's name: the error kind written in test vectors and used as JS `Error.name`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::InvalidWordCount(_) => "InvalidWordCount",
            Self::UnknownWord { .. } => "UnknownWord",
            Self::InvalidChecksum => "InvalidChecksum",
            Self::InvalidKeyLength(_) => "InvalidKeyLength",
            Self::InvalidNonceLength(_) => "InvalidNonceLength",
            Self::EnvelopeTooShort(_) => "EnvelopeTooShort",
            Self::UnsupportedVersion(_) => "UnsupportedVersion",
            Self::AuthenticationFailed => "AuthenticationFailed",
            Self::InvalidRecord(_) => "InvalidRecord",
            Self::UnsupportedRecordVersion(_) => "UnsupportedRecordVersion",
            Self::UnknownRecordKind(_) => "UnknownRecordKind",
            Self::HintMismatch(_) => "HintMismatch",
            Self::TimeOutOfRange(_) => "TimeOutOfRange",
            Self::OutOfSequence { .. } => "OutOfSequence",
            Self::BrokenChain(_) => "BrokenChain",
            Self::InputTooLarge { .. } => "InputTooLarge",
            Self::RandomnessUnavailable => "RandomnessUnavailable",
            Self::KeyDerivationFailed(_) => "KeyDerivationFailed",
        }
    }
}
