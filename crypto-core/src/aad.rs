//! Associated data that binds each envelope to its place, so a relay cannot
//! swap ciphertexts between entries, or between kinds of thing.

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
