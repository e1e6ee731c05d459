//! Sync protocol v1's plaintext of a command entry: canonical JSON of its
//! fields, so every device and every language produces the same bytes for one
//! entry. The v1 CLI still writes it; v2 records live in [`crate::record`].

use serde::{Deserialize, Serialize};

use crate::aad::command_aad;
use crate::canonical::write_canonical;
use crate::envelope::{open, seal};
#[cfg(feature = "testing")]
use crate::envelope::{seal_with_nonce, NONCE_LEN};
use crate::{CryptoError, SecretKey};

/// One entry of command history as it travels between devices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommandRecord {
    /// The command line.
    pub command: String,
    /// When it was recorded, in milliseconds since the Unix epoch.
    pub created_at: i64,
    /// What the user asked for, when the command came from a prompt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    /// Why the command does what was asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explanation: Option<String>,
    /// Whether it was run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub executed: Option<bool>,
    /// Whether it exited with status 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success: Option<bool>,
    /// Exit status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i64>,
    /// Run time in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<i64>,
    /// Working directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    /// Shell, e.g. `zsh`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shell: Option<String>,
    /// Platform, e.g. `linux`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    /// caro's safety assessment, e.g. `safe`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub safety_level: Option<String>,
    /// Warnings shown with the command.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub safety_warnings: Option<Vec<String>>,
    /// User tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
}

impl CommandRecord {
    /// A record with only the required fields.
    pub fn new(command: impl Into<String>, created_at: i64) -> Self {
        Self {
            command: command.into(),
            created_at,
            prompt: None,
            explanation: None,
            executed: None,
            success: None,
            exit_code: None,
            duration_ms: None,
            cwd: None,
            shell: None,
            platform: None,
            safety_level: None,
            safety_warnings: None,
            tags: None,
        }
    }
}

/// Canonical JSON: UTF-8, keys sorted, no insignificant whitespace, absent
/// optional fields omitted.
pub fn encode_record(record: &CommandRecord) -> Result<Vec<u8>, CryptoError> {
    let value = serde_json::to_value(record).map_err(invalid_record)?;
    let mut out = String::new();
    write_canonical(&value, &mut out)?;
    Ok(out.into_bytes())
}

/// Reads a record from a JSON object, ignoring fields it does not know (newer
/// devices may add some). Duplicate fields are an error.
pub fn decode_record(bytes: &[u8]) -> Result<CommandRecord, CryptoError> {
    // serde would also read a struct from an array of its fields; a record is an object.
    let first = bytes
        .iter()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'));
    if first.is_some_and(|&b| b != b'{') {
        return Err(CryptoError::InvalidRecord(
            "a record is a JSON object".to_owned(),
        ));
    }
    serde_json::from_slice(bytes).map_err(invalid_record)
}

/// Encodes and seals an entry under the command key, bound to its entry id.
pub fn seal_command(
    command_key: &SecretKey,
    entry_id: &str,
    record: &CommandRecord,
) -> Result<Vec<u8>, CryptoError> {
    seal(command_key, &encode_record(record)?, &command_aad(entry_id))
}

/// [`seal_command`] with a caller-chosen nonce, for test vectors only (see
/// [`seal_with_nonce`]).
#[cfg(feature = "testing")]
pub fn seal_command_with_nonce(
    command_key: &SecretKey,
    nonce: &[u8; NONCE_LEN],
    entry_id: &str,
    record: &CommandRecord,
) -> Result<Vec<u8>, CryptoError> {
    seal_with_nonce(
        command_key,
        nonce,
        &encode_record(record)?,
        &command_aad(entry_id),
    )
}

/// Opens an entry's envelope and decodes the record.
pub fn open_command(
    command_key: &SecretKey,
    entry_id: &str,
    envelope: &[u8],
) -> Result<CommandRecord, CryptoError> {
    decode_record(&open(command_key, envelope, &command_aad(entry_id))?)
}

fn invalid_record(error: serde_json::Error) -> CryptoError {
    CryptoError::InvalidRecord(error.to_string())
}
