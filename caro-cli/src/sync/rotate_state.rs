//! What a key rotation keeps on disk between its steps (issue 11), in
//! `<data dir>/sync/`: `rotation.json`, the new phrase and how far the
//! rotation got, so that a rotation killed at any point resumes with the same
//! phrase into the same new account (mode 0600, replaced atomically, removed
//! when the rotation is done); and `retired.json`, left by a pull that met
//! the account's retirement notice, which lets `caro sync join` move this
//! home to the new account without a reset.

use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use crypto_core::RetiredReason;
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::paths::Paths;

/// How far a rotation got; each step is done when the next one is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    /// Seal the retirement notice into the old account, pushed and
    /// acknowledged, and create the new account (or load the one an earlier
    /// run created).
    Retire,
    /// Swap the key file, the identity and the daemon's store.
    Swap,
    /// Push the re-sealed history into the new account.
    Upload,
}

/// `rotation.json`.
#[derive(Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
#[serde(rename_all = "camelCase")]
pub struct Rotation {
    /// The new recovery phrase, until the user has seen it.
    pub phrase: String,
    /// The new key epoch.
    pub epoch: u32,
    #[zeroize(skip)]
    pub step: Step,
    #[zeroize(skip)]
    pub reason: RetiredReason,
    pub removed_devices: Vec<String>,
    /// The key id of the account being retired.
    pub old_key_id: String,
    /// The new account, once created.
    pub account_id: Option<String>,
}

/// `retired.json`: the notice this home met.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Retired {
    /// The key id of the retired account.
    pub key_id: String,
    /// Who rotated, as this home knows the device.
    pub by_device: String,
    pub at: i64,
    /// This device is among the removed ones.
    pub removed: bool,
}

fn dir(paths: &Paths) -> PathBuf {
    paths.data_dir.join("sync")
}

fn rotation_path(paths: &Paths) -> PathBuf {
    dir(paths).join("rotation.json")
}

fn retired_path(paths: &Paths) -> PathBuf {
    dir(paths).join("retired.json")
}

/// A rotation is under way or this home met a retirement notice: no agent
/// may sync it meanwhile (two file probes, cheap enough for `history add`).
pub fn account_in_flux(paths: &Paths) -> bool {
    rotation_path(paths).exists() || retired_path(paths).exists()
}

/// The unfinished rotation, if there is one.
pub fn read_rotation(paths: &Paths) -> Result<Option<Rotation>> {
    read_json(&rotation_path(paths))
}

/// Saves the rotation's progress (first write included).
pub fn write_rotation(paths: &Paths, rotation: &Rotation) -> Result<()> {
    let json = Zeroizing::new(serde_json::to_vec_pretty(rotation)?);
    write_private(paths, &rotation_path(paths), &json)
}

/// The rotation is done: its phrase is forgotten here.
pub fn remove_rotation(paths: &Paths) -> Result<()> {
    remove(&rotation_path(paths))
}

/// The notice this home met, if any.
pub fn read_retired(paths: &Paths) -> Result<Option<Retired>> {
    read_json(&retired_path(paths))
}

pub fn write_retired(paths: &Paths, retired: &Retired) -> Result<()> {
    write_private(paths, &retired_path(paths), &serde_json::to_vec(retired)?)
}

pub fn remove_retired(paths: &Paths) -> Result<()> {
    remove(&retired_path(paths))
}

fn read_json<T: DeserializeOwned>(path: &Path) -> Result<Option<T>> {
    let text = match fs::read(path) {
        Ok(text) => Zeroizing::new(text),
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    serde_json::from_slice(&text).map(Some).with_context(|| {
        format!(
            "{} is damaged; remove it only if you know what it held",
            path.display()
        )
    })
}

/// A private temporary file, synced, renamed over `path`, the directory synced.
fn write_private(paths: &Paths, path: &Path, bytes: &[u8]) -> Result<()> {
    let parent = dir(paths);
    crate::paths::create_private_dir(&parent)
        .with_context(|| format!("cannot create {}", parent.display()))?;
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    let written = (|| -> std::io::Result<()> {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&tmp, path)?;
        File::open(&parent)?.sync_all()
    })();
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written.with_context(|| format!("cannot write {}", path.display()))
}

fn remove(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("cannot remove {}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn paths(dir: &Path) -> Paths {
        Paths {
            data_dir: dir.to_path_buf(),
        }
    }

    #[test]
    fn the_rotation_file_is_private_and_round_trips() {
        let tmp = tempfile::tempdir().unwrap();
        let paths = paths(tmp.path());
        assert!(read_rotation(&paths).unwrap().is_none());
        let rotation = Rotation {
            phrase: "word ".repeat(24).trim_end().to_string(),
            epoch: 2,
            step: Step::Swap,
            reason: RetiredReason::DeviceRemoved,
            removed_devices: vec!["dev-c".into()],
            old_key_id: "k1".into(),
            account_id: None,
        };
        write_rotation(&paths, &rotation).unwrap();
        let mode = fs::metadata(rotation_path(&paths))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let back = read_rotation(&paths).unwrap().unwrap();
        assert_eq!(back.phrase, rotation.phrase);
        assert_eq!(back.step, Step::Swap);
        assert_eq!(back.removed_devices, ["dev-c"]);
        remove_rotation(&paths).unwrap();
        assert!(read_rotation(&paths).unwrap().is_none());
    }
}
