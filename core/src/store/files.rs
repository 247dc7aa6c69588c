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

/// How a member unlocks: a strong passphrase, a PIN together with the platform keystore's
/// secret, or the platform keystore alone (biometric unlock).
pub enum Unlock<'a> {
    Passphrase(&'a str),
    Pin(&'a str, &'a dyn PlatformKeyStore),
    Platform(&'a dyn PlatformKeyStore),
}

impl Unlock<'_> {
    /// The error a credential of this kind that opens nothing is reported as.
    pub(crate) fn rejected(&self) -> Error {
        match self {
            Unlock::Passphrase(_) | Unlock::Pin(..) => Error::WrongPassphrase,
            Unlock::Platform(_) => Error::PlatformKeyRejected,
        }
    }
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

/// The store's folder, created readable by its owner only (0700 on Unix).
pub(crate) fn create_private_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}
