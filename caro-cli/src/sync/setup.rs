//! The local half of a sync setup: the key file and the sync identity in the
//! history store must both be there and belong to the same account, or
//! neither; anything in between is explained with the way out.

use anyhow::{bail, Result};

use super::error::{SyncErrorKind, SyncFailure};
use super::keys::{self, SyncKeys};
use crate::paths::Paths;
use crate::store::{Store, SyncIdentity};

/// Keys and identity of a set-up installation, with its open store.
pub struct Setup {
    pub paths: Paths,
    pub store: Store,
    pub keys: SyncKeys,
    pub identity: SyncIdentity,
}

/// Loads the key file and the identity; `None` when sync is not set up.
pub fn load_setup(paths: &Paths) -> Result<Option<Setup>> {
    let store = Store::open_in(paths)?;
    let key_path = super::key_file(paths);
    let identity = store.sync_identity()?;
    let keys = keys::read(&key_path)?;
    match (keys, identity) {
        (Some(keys), Some(identity)) => {
            if keys.key_id != identity.key_id {
                bail!(
                    "the sync key file {} (key id {}) does not belong to this history's account \
                     (key id {}); run `caro sync reset`, then `caro sync join`",
                    key_path.display(),
                    keys.key_id,
                    identity.key_id
                );
            }
            Ok(Some(Setup {
                paths: paths.clone(),
                store,
                keys,
                identity,
            }))
        }
        (None, None) => Ok(None),
        (Some(_), None) => bail!(
            "the sync key file {} exists but this history has no sync identity; \
             run `caro sync reset`, then `caro sync join`",
            key_path.display()
        ),
        (None, Some(_)) => bail!(
            "sync is set up but its key file {} is missing; run `caro sync reset`, \
             then `caro sync join` with your phrase",
            key_path.display()
        ),
    }
}

/// Like [`load_setup`], with the error a user needs when sync is not set up.
pub fn require_setup(paths: &Paths) -> Result<Setup> {
    load_setup(paths)?.ok_or_else(|| {
        SyncFailure::error(
            SyncErrorKind::NotSetUp,
            "sync is not set up on this machine: run `caro sync init` (first device) \
             or `caro sync join` (with the phrase of another device)"
                .to_string(),
        )
    })
}
