//! The files of one store and how they are opened: the folder's names, the ways to unlock,
//! the actor of store-level events, the passphrase's bounds.

use super::platform::PlatformKeyStore;
use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// The files of one store, all in one folder.
#[derive(Debug, Clone)]
pub struct StoreFiles {
    pub dir: PathBuf,
    pub database: PathBuf,
    pub keyring: PathBuf,
}

impl StoreFiles {
    pub fn in_dir(dir: impl AsRef<Path>) -> Self {
        let dir = dir.as_ref().to_path_buf();
        StoreFiles {
            database: dir.join("phr.db"),
            keyring: dir.join("phr.keyring"),
            dir,
        }
    }

    /// Whether a store (its database) exists here.
    pub fn exists(&self) -> bool {
        self.database.exists()
    }
}

/// How to unlock: the resident's passphrase/PIN, or the platform keystore.
pub enum Unlock<'a> {
    Passphrase(&'a str),
    Platform(&'a dyn PlatformKeyStore),
}

/// The actor recorded for store-level events (unlock, lock, key changes), before any person acts.
pub(crate) const DEVICE_ACTOR: &str = "device";
pub(crate) const STORE_SUBJECT: &str = "store";

pub(crate) fn validate_passphrase(field: &str, p: &str) -> Result<()> {
    if p.chars().count() < 6 {
        return Err(Error::invalid(field, "must be at least 6 characters"));
    }
    if p.chars().count() > 1024 {
        return Err(Error::invalid(field, "must be at most 1024 characters"));
    }
    Ok(())
}
