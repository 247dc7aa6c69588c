//! `PhrStore`: one store folder on the device; creating or unlocking it gives a session.

use crate::error::Result;
use crate::platform::{ForeignKeyStore, PlatformKeyStore};
use crate::session::PhrSession;
use phr_core::{KdfParams, Session, StoreFiles, Unlock};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(uniffi::Object)]
pub struct PhrStore {
    dir: PathBuf,
}

/// The KDF cost: `None` = the production cost (Argon2id, 64 MiB, calibrated to about 0.5 s on
/// the device); tests pass a small memory (KiB, one pass).
pub(crate) fn kdf(memory_kib: Option<u32>) -> Result<KdfParams> {
    Ok(match memory_kib {
        None => KdfParams::calibrated(),
        Some(kib) => KdfParams::with_cost(kib, 1)?,
    })
}

#[uniffi::export]
impl PhrStore {
    /// The store in folder `dir` (the app's private files folder). Nothing is opened yet.
    #[uniffi::constructor]
    pub fn new(dir: String) -> Arc<Self> {
        Arc::new(PhrStore {
            dir: PathBuf::from(dir),
        })
    }

    /// Whether a store exists in the folder (first launch: create; later: unlock).
    pub fn exists(&self) -> bool {
        StoreFiles::in_dir(&self.dir).exists()
    }

    /// Create a new store whose owner unlocks with `passphrase` (it must be strong: a weak one
    /// is refused with `WeakPassphrase` and a hint; a short PIN goes with [`PhrStore::create_with_pin`]).
    /// `kdf_memory_kib`: `None` = the production cost.
    pub fn create(
        &self,
        passphrase: String,
        kdf_memory_kib: Option<u32>,
    ) -> Result<Arc<PhrSession>> {
        let session = Session::create(&self.dir, &passphrase, kdf(kdf_memory_kib)?)?;
        Ok(PhrSession::over(session))
    }

    /// Create a new store whose owner unlocks with a PIN together with the platform keystore.
    pub fn create_with_pin(
        &self,
        pin: String,
        key_store: Arc<dyn PlatformKeyStore>,
        kdf_memory_kib: Option<u32>,
    ) -> Result<Arc<PhrSession>> {
        let adapter = ForeignKeyStore(key_store);
        let credential = Unlock::Pin(&pin, &adapter);
        let session = Session::create_with(&self.dir, &credential, kdf(kdf_memory_kib)?)?;
        Ok(PhrSession::over(session))
    }

    /// Unlock with a member's passphrase: the owner's when `member` (a nickname) is `None`.
    /// The session acts as that member.
    pub fn unlock(&self, member: Option<String>, passphrase: String) -> Result<Arc<PhrSession>> {
        let how = Unlock::Passphrase(&passphrase);
        let session = match member {
            Some(m) => Session::unlock_as(&self.dir, &m, how)?,
            None => Session::unlock(&self.dir, how)?,
        };
        Ok(PhrSession::over(session))
    }

    /// Unlock with a member's PIN together with the platform keystore.
    pub fn unlock_with_pin(
        &self,
        member: Option<String>,
        pin: String,
        key_store: Arc<dyn PlatformKeyStore>,
    ) -> Result<Arc<PhrSession>> {
        let adapter = ForeignKeyStore(key_store);
        let how = Unlock::Pin(&pin, &adapter);
        let session = match member {
            Some(m) => Session::unlock_as(&self.dir, &m, how)?,
            None => Session::unlock(&self.dir, how)?,
        };
        Ok(PhrSession::over(session))
    }

    /// Unlock with the key enrolled in the platform keystore (biometric unlock), as `member`.
    pub fn unlock_with_platform_key(
        &self,
        member: Option<String>,
        key_store: Arc<dyn PlatformKeyStore>,
    ) -> Result<Arc<PhrSession>> {
        let adapter = ForeignKeyStore(key_store);
        let how = Unlock::Platform(&adapter);
        let session = match member {
            Some(m) => Session::unlock_as(&self.dir, &m, how)?,
            None => Session::unlock(&self.dir, how)?,
        };
        Ok(PhrSession::over(session))
    }
}
