//! Associated data that binds each envelope to its place, so a relay cannot
//! swap ciphertexts between entries, or between kinds of thing. v1 names the
//! place with a path; a v2 record with its hints, the fields the wire carries
//! in the clear beside the envelope.

use serde_json::Value;

use crate::Hints;

/// AAD of a v2 record: canonical JSON of its hints,
/// `{"deviceId":…,"epoch":…,"id":…,"kind":…,"seq":…,"v":2}`. Built from the
/// hints a reader was given, so a record moved to another place, device,
/// position or epoch fails authentication.
pub fn record_aad(hints: &Hints) -> Vec<u8> {
    let text = |s: &str| Value::String(s.to_owned()).to_string();
    format!(
        r#"{{"deviceId":{},"epoch":{},"id":{},"kind":{},"seq":{},"v":2}}"#,
        text(&hints.device_id),
        hints.epoch,
        text(&hints.id),
        text(hints.kind.as_str()),
        hints.seq,
    )
    .into_bytes()
}

/// AAD of a command entry: `caro-sync/v1/command/<entry id>`.
pub fn command_aad(entry_id: &str) -> Vec<u8> {
    aad("command", entry_id)
}

/// AAD of a preference: `caro-sync/v1/preference/<key>`.
pub fn preference_aad(key: &str) -> Vec<u8> {
    aad("preference", key)
}

/// AAD of a device record: `caro-sync/v1/device/<device id>`.
pub fn device_aad(device_id: &str) -> Vec<u8> {
    aad("device", device_id)
}

fn aad(kind: &str, id: &str) -> Vec<u8> {
    format!("caro-sync/v1/{kind}/{id}").into_bytes()
}
