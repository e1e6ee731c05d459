//! Associated data that binds each envelope to its place, so a relay cannot
//! swap ciphertexts between entries, or between kinds of thing. A v2 record
//! names its place with its hints, the fields the wire carries in the clear
//! beside the envelope.

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
