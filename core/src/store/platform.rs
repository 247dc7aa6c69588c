//! The platform keystore (Android Keystore, iOS Keychain) seen from the core.
//!
//! The platform holds a hardware-backed key the core never sees; it only asks the platform to
//! wrap and unwrap the data key. The apps implement this trait through UniFFI.

use crate::crypto::{SecretKey, open_wrapped, seal_wrapped};
use std::collections::HashMap;
use std::sync::Mutex;

/// Why the platform keystore refused. Carries no key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlatformKeyError {
    /// No key under this alias (app reinstalled, biometrics re-enrolled, …).
    #[error("no platform key under this alias")]
    KeyMissing,
    /// The user did not authenticate (biometric prompt cancelled, device locked).
    #[error("user authentication failed or was cancelled")]
    NotAuthenticated,
    /// Anything else the platform reports.
    #[error("platform keystore failure: {0}")]
    Failure(String),
}

/// Wraps and unwraps the data key with a key held by the platform.
pub trait PlatformKeyStore: Send + Sync {
    /// Encrypt `secret` under the platform key named `alias`, creating that key if needed.
    fn wrap(&self, alias: &str, secret: &[u8]) -> Result<Vec<u8>, PlatformKeyError>;
    /// Decrypt a blob produced by [`PlatformKeyStore::wrap`] with the same alias.
    fn unwrap(&self, alias: &str, blob: &[u8]) -> Result<Vec<u8>, PlatformKeyError>;
}

/// A platform keystore kept in process memory: for tests, the CLI's `--platform-key` demo
/// and desktop use. Its keys vanish with the process.
#[derive(Default)]
pub struct InMemoryKeyStore {
    keys: Mutex<HashMap<String, SecretKey>>,
}

impl InMemoryKeyStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Forget the key under `alias` (simulates a wiped keystore).
    pub fn forget(&self, alias: &str) {
        if let Ok(mut keys) = self.keys.lock() {
            keys.remove(alias);
        }
    }
}

impl PlatformKeyStore for InMemoryKeyStore {
    fn wrap(&self, alias: &str, secret: &[u8]) -> Result<Vec<u8>, PlatformKeyError> {
        let secret = SecretKey::from_slice(secret)
            .ok_or_else(|| PlatformKeyError::Failure("secret must be 32 bytes".into()))?;
        let mut keys = self
            .keys
            .lock()
            .map_err(|_| PlatformKeyError::Failure("poisoned".into()))?;
        let kek = match keys.get(alias) {
            Some(k) => k.clone(),
            None => {
                let k =
                    SecretKey::generate().map_err(|e| PlatformKeyError::Failure(e.to_string()))?;
                keys.insert(alias.to_owned(), k.clone());
                k
            }
        };
        let (nonce, mut ct) = seal_wrapped(&kek, &secret, alias.as_bytes())
            .map_err(|e| PlatformKeyError::Failure(e.to_string()))?;
        let mut blob = nonce.to_vec();
        blob.append(&mut ct);
        Ok(blob)
    }

    fn unwrap(&self, alias: &str, blob: &[u8]) -> Result<Vec<u8>, PlatformKeyError> {
        let keys = self
            .keys
            .lock()
            .map_err(|_| PlatformKeyError::Failure("poisoned".into()))?;
        let kek = keys.get(alias).ok_or(PlatformKeyError::KeyMissing)?;
        if blob.len() < 12 {
            return Err(PlatformKeyError::Failure("blob too short".into()));
        }
        let (nonce, ct) = blob.split_at(12);
        match open_wrapped(kek, nonce, ct, alias.as_bytes()) {
            Ok(Some(k)) => Ok(k.expose().to_vec()),
            _ => Err(PlatformKeyError::Failure("blob does not open".into())),
        }
    }
}
