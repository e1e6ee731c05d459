//! The typed bodies of v2 records, one per kind that carries data. A record
//! holds its body as JSON ([`crate::Record::body`]) so fields a newer device
//! adds survive; these types are how the CLI reads and writes the fields it
//! knows. Unknown fields are ignored, `null` is absent.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{CryptoError, RecordKind};

/// The body of an `entry` record: one command of history. Its time is the
/// record's `createdAt`, not a body field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EntryBody {
    /// The command line.
    pub command: String,
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
    /// The machine it ran on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    /// The author's safety rating; receivers ignore it and rate again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub safety_level: Option<String>,
    /// Warnings shown with the command.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub safety_warnings: Option<Vec<String>>,
    /// User tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// The device that recorded it, when that is not the record's author (a
    /// key rotation re-seals every device's entries into one log).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded_by: Option<String>,
}

impl EntryBody {
    /// A body with only the command.
    pub fn new(command: impl Into<String>) -> Self {
        Self {
            command: command.into(),
            prompt: None,
            explanation: None,
            executed: None,
            success: None,
            exit_code: None,
            duration_ms: None,
            cwd: None,
            shell: None,
            platform: None,
            hostname: None,
            safety_level: None,
            safety_warnings: None,
            tags: None,
            recorded_by: None,
        }
    }
}

/// The body of a `device` record: how the device calls itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceBody {
    /// A name people recognise, e.g. the hostname.
    pub name: String,
    /// Platform, e.g. `linux`.
    pub platform: String,
}

/// Why an account was retired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RetiredReason {
    /// `caro sync rotate`: new keys, every device may follow.
    Rotated,
    /// `caro sync devices remove`: the devices named are cut off.
    DeviceRemoved,
}

/// The body of a `retired` record: why the account's keys were replaced and
/// which devices were removed. Nothing about the new keys or account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RetiredBody {
    /// Why.
    pub reason: RetiredReason,
    /// The device ids removed from the account (empty for a plain rotation).
    pub removed_devices: Vec<String>,
}

/// The body of a `pref` record: the preference's new value, any JSON
/// (`null` included: it is present, not absent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrefBody {
    /// The value.
    pub value: Value,
}

/// A typed body: read from and written to a record's JSON body.
pub trait Body: Sized {
    /// The one kind of record this body belongs to.
    const KIND: RecordKind;
    /// Reads the fields this build knows; ignores the others.
    fn from_value(body: &Value) -> Result<Self, CryptoError>;
    /// The body as JSON, absent fields omitted.
    fn to_value(&self) -> Value;
}

fn from_json<T: for<'de> Deserialize<'de>>(
    kind: RecordKind,
    body: &Value,
) -> Result<T, CryptoError> {
    T::deserialize(body)
        .map_err(|e| CryptoError::InvalidRecord(format!("{} body: {e}", kind.as_str())))
}

/// serde_json cannot fail on these plain structs; were it to, the body would
/// be `null` and sealing would refuse it as no object.
fn to_json<T: Serialize>(body: &T) -> Value {
    serde_json::to_value(body).unwrap_or_default()
}

impl Body for EntryBody {
    const KIND: RecordKind = RecordKind::Entry;
    fn from_value(body: &Value) -> Result<Self, CryptoError> {
        from_json(Self::KIND, body)
    }
    fn to_value(&self) -> Value {
        to_json(self)
    }
}

impl Body for DeviceBody {
    const KIND: RecordKind = RecordKind::Device;
    fn from_value(body: &Value) -> Result<Self, CryptoError> {
        from_json(Self::KIND, body)
    }
    fn to_value(&self) -> Value {
        to_json(self)
    }
}

impl Body for RetiredBody {
    const KIND: RecordKind = RecordKind::Retired;
    fn from_value(body: &Value) -> Result<Self, CryptoError> {
        from_json(Self::KIND, body)
    }
    fn to_value(&self) -> Value {
        to_json(self)
    }
}

impl Body for PrefBody {
    const KIND: RecordKind = RecordKind::Pref;
    fn from_value(body: &Value) -> Result<Self, CryptoError> {
        // Deserializing into `Value` would turn a missing `value` into `null`.
        match body.get("value") {
            Some(value) if body.is_object() => Ok(Self {
                value: value.clone(),
            }),
            _ => Err(CryptoError::InvalidRecord(
                "pref body: missing field `value`".to_owned(),
            )),
        }
    }
    fn to_value(&self) -> Value {
        serde_json::json!({ "value": self.value })
    }
}

/// Checks that `body` is what a record of `kind` carries: an object, with the
/// typed fields of its kind readable.
pub(crate) fn check_body(kind: RecordKind, body: &Value) -> Result<(), CryptoError> {
    if !body.is_object() {
        return Err(CryptoError::InvalidRecord(format!(
            "the body of a record of kind {} is a JSON object",
            kind.as_str()
        )));
    }
    match kind {
        RecordKind::Entry => EntryBody::from_value(body).map(drop),
        RecordKind::Device => DeviceBody::from_value(body).map(drop),
        RecordKind::Pref => PrefBody::from_value(body).map(drop),
        RecordKind::Retired => RetiredBody::from_value(body).map(drop),
        RecordKind::Delete | RecordKind::Head => Ok(()),
    }
}
