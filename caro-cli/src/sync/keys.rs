//! The key file: the phrase's derived key set, never the phrase or the master
//! key, in `<data dir>/sync.key` (JSON, base64 keys), mode 0600, replaced
//! atomically, with the key epoch its records carry (1 until a rotation,
//! issue 11). A key file that other users could read is refused.

use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use anyhow::{bail, Context, Result};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use crypto_core::{KeySet, RecordKind, SecretKey};
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// The key file's format version.
const KEY_FILE_VERSION: u32 = 1;

/// The keys a device keeps. Each zeroizes itself when dropped.
pub struct SyncKeys {
    /// Safe to show; equal on every device of the account.
    pub key_id: String,
    pub command_key: SecretKey,
    pub preference_key: SecretKey,
    pub jazz_auth_key: SecretKey,
    pub device_key: SecretKey,
    /// The key epoch this home's records carry: 1 for an account made by
    /// `init`, one more than the account it replaced for one made by
    /// `rotate` (a joining device learns it from the account's records).
    pub epoch: u32,
}

impl From<KeySet> for SyncKeys {
    fn from(set: KeySet) -> Self {
        SyncKeys {
            key_id: set.key_id,
            command_key: set.command_key,
            preference_key: set.preference_key,
            jazz_auth_key: set.jazz_auth_key,
            device_key: set.device_key,
            epoch: 1,
        }
    }
}

impl SyncKeys {
    /// The key a record kind is sealed under (crypto-core's `key_for`):
    /// entries and deletes under the command key, preferences under the
    /// preference key, device records and heads under the device key.
    pub fn for_kind(&self, kind: RecordKind) -> &SecretKey {
        match kind {
            RecordKind::Entry | RecordKind::Delete => &self.command_key,
            RecordKind::Pref => &self.preference_key,
            RecordKind::Device | RecordKind::Head | RecordKind::Retired => &self.device_key,
        }
    }

    /// Base64 of the jazz-auth key, the one key the daemon receives.
    pub fn jazz_auth_key_base64(&self) -> Zeroizing<String> {
        Zeroizing::new(BASE64.encode(self.jazz_auth_key.expose_secret()))
    }
}

#[derive(Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
#[serde(rename_all = "camelCase")]
struct KeyFile {
    version: u32,
    key_id: String,
    command_key: String,
    preference_key: String,
    jazz_auth_key: String,
    device_key: String,
    /// Written only after a rotation: a key file of epoch 1 stays the one a
    /// caro from before rotation wrote and reads.
    #[serde(default = "first_epoch", skip_serializing_if = "is_first_epoch")]
    epoch: u32,
}

fn first_epoch() -> u32 {
    1
}

fn is_first_epoch(epoch: &u32) -> bool {
    *epoch == 1
}

/// Writes the key file: a private temporary file, synced, renamed over `path`.
pub fn write(path: &Path, keys: &SyncKeys) -> Result<()> {
    let contents = KeyFile {
        version: KEY_FILE_VERSION,
        key_id: keys.key_id.clone(),
        command_key: BASE64.encode(keys.command_key.expose_secret()),
        preference_key: BASE64.encode(keys.preference_key.expose_secret()),
        jazz_auth_key: BASE64.encode(keys.jazz_auth_key.expose_secret()),
        device_key: BASE64.encode(keys.device_key.expose_secret()),
        epoch: keys.epoch,
    };
    let mut json = Zeroizing::new(serde_json::to_vec_pretty(&contents)?);
    json.push(b'\n');
    let tmp = path.with_extension(format!("key.tmp-{}", std::process::id()));
    let written = (|| -> std::io::Result<()> {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        file.write_all(&json)?;
        file.sync_all()?;
        fs::rename(&tmp, path)?;
        if let Some(dir) = path.parent() {
            File::open(dir)?.sync_all()?;
        }
        Ok(())
    })();
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written.with_context(|| format!("cannot write the sync key file {}", path.display()))
}

/// Reads the key file; `None` when there is none.
pub fn read(path: &Path) -> Result<Option<SyncKeys>> {
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(e)
                .with_context(|| format!("cannot read the sync key file {}", path.display()))
        }
    };
    let mode = file
        .metadata()
        .with_context(|| format!("cannot read the sync key file {}", path.display()))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        bail!(
            "the sync key file {} has mode {:04o}, so other users can read your sync keys; \
             caro will not use it. Run `chmod 600 {}` (and if someone else may have copied it, \
             run `caro sync reset` and set up sync again with a new phrase)",
            path.display(),
            mode & 0o7777,
            path.display()
        );
    }
    let mut text = Zeroizing::new(String::new());
    file.read_to_string(&mut text)
        .with_context(|| format!("cannot read the sync key file {}", path.display()))?;
    let damaged = || {
        format!(
            "the sync key file {} is damaged; run `caro sync reset`, then `caro sync join` with your phrase",
            path.display()
        )
    };
    let contents: KeyFile = serde_json::from_str(&text).with_context(damaged)?;
    if contents.version != KEY_FILE_VERSION {
        bail!(
            "the sync key file {} has version {}, this caro reads version {KEY_FILE_VERSION}; update caro",
            path.display(),
            contents.version
        );
    }
    let key = |b64: &str| -> Result<SecretKey> {
        let bytes = Zeroizing::new(BASE64.decode(b64).with_context(damaged)?);
        SecretKey::from_bytes(&bytes).with_context(damaged)
    };
    Ok(Some(SyncKeys {
        key_id: contents.key_id.clone(),
        command_key: key(&contents.command_key)?,
        preference_key: key(&contents.preference_key)?,
        jazz_auth_key: key(&contents.jazz_auth_key)?,
        device_key: key(&contents.device_key)?,
        epoch: contents.epoch.max(1),
    }))
}

/// Removes the key file; a missing one is fine.
pub fn remove(path: &Path) -> Result<bool> {
    match fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
        Err(e) => {
            Err(e).with_context(|| format!("cannot remove the sync key file {}", path.display()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crypto_core::Phrase;

    fn keys() -> SyncKeys {
        let master = SecretKey::from_bytes(&[7u8; 32]).unwrap();
        SyncKeys::from(KeySet::from_master_key(&master).unwrap())
    }

    /// The key file of a real phrase holds none of its words. The phrase is
    /// fixed, so the file's bytes are too, and a word that only matched by
    /// chance would fail every run, not some.
    #[test]
    fn the_key_file_of_a_phrase_holds_none_of_its_words() {
        let phrase =
            Phrase::from_entropy(&std::array::from_fn(|i| (i as u8).wrapping_mul(73) ^ 0x5a));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sync.key");
        write(&path, &SyncKeys::from(KeySet::derive(&phrase).unwrap())).unwrap();
        let text = fs::read_to_string(&path).unwrap();
        let words: Vec<&str> = phrase.expose_secret().split(' ').collect();
        assert_eq!(words.len(), 24);
        for word in words {
            assert!(!text.contains(word), "{word:?} is in the key file:\n{text}");
        }
    }

    #[test]
    fn round_trips_with_mode_0600() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sync.key");
        let written = keys();
        write(&path, &written).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let read_back = read(&path).unwrap().unwrap();
        assert_eq!(read_back.key_id, written.key_id);
        assert_eq!(
            read_back.command_key.expose_secret(),
            written.command_key.expose_secret()
        );
        assert_eq!(
            read_back.jazz_auth_key_base64().as_str(),
            written.jazz_auth_key_base64().as_str()
        );
    }

    #[test]
    fn refuses_a_key_file_others_can_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sync.key");
        write(&path, &keys()).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        let message = format!("{:#}", read(&path).err().unwrap());
        assert!(message.contains("0644"), "{message}");
        assert!(
            message.contains(&format!("chmod 600 {}", path.display())),
            "{message}"
        );
    }

    #[test]
    fn each_kind_is_sealed_under_crypto_cores_key() {
        let master = SecretKey::from_bytes(&[7u8; 32]).unwrap();
        let set = KeySet::from_master_key(&master).unwrap();
        let keys = keys();
        for kind in RecordKind::ALL {
            assert_eq!(
                keys.for_kind(kind).expose_secret(),
                crypto_core::key_for(kind, &set).expose_secret(),
                "{kind}"
            );
        }
    }

    #[test]
    fn the_epoch_is_written_only_after_a_rotation() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sync.key");
        let mut k = keys();
        write(&path, &k).unwrap();
        assert!(!fs::read_to_string(&path).unwrap().contains("epoch"));
        assert_eq!(read(&path).unwrap().unwrap().epoch, 1);
        k.epoch = 3;
        write(&path, &k).unwrap();
        assert_eq!(read(&path).unwrap().unwrap().epoch, 3);
    }

    #[test]
    fn a_missing_key_file_is_none() {
        let dir = tempfile::tempdir().unwrap();
        assert!(read(&dir.path().join("sync.key")).unwrap().is_none());
    }
}
