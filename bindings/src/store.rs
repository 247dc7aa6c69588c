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

fn kdf(iterations: Option<u32>) -> Result<KdfParams> {
    Ok(KdfParams::with_iterations(
        iterations.unwrap_or(KdfParams::DEFAULT_ITERATIONS),
    )?)
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

    /// Create a new store protected by `passphrase`. `kdf_iterations`: `None` = the production
    /// default (600,000 PBKDF2 iterations); tests pass the minimum, 10,000.
    pub fn create(
        &self,
        passphrase: String,
        kdf_iterations: Option<u32>,
    ) -> Result<Arc<PhrSession>> {
        let session = Session::create(&self.dir, &passphrase, kdf(kdf_iterations)?)?;
        Ok(PhrSession::over(session))
    }

    /// Unlock with the resident's passphrase or PIN.
    pub fn unlock(&self, passphrase: String) -> Result<Arc<PhrSession>> {
        let session = Session::unlock(&self.dir, Unlock::Passphrase(&passphrase))?;
        Ok(PhrSession::over(session))
    }

    /// Unlock with the key enrolled in the platform keystore (biometric unlock).
    pub fn unlock_with_platform_key(
        &self,
        key_store: Arc<dyn PlatformKeyStore>,
    ) -> Result<Arc<PhrSession>> {
        let adapter = ForeignKeyStore(key_store);
        let session = Session::unlock(&self.dir, Unlock::Platform(&adapter))?;
        Ok(PhrSession::over(session))
    }
}
