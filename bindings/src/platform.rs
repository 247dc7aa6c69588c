//! The platform keystore as a foreign trait: Android Keystore / iOS Keychain wrap and unwrap
//! the data key with a key the app holds. [`ForeignKeyStore`] adapts it to the core's trait.

use std::sync::Arc;

/// Why the platform keystore refused. Carries no key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum PlatformKeyError {
    /// No key under this alias (app reinstalled, biometrics re-enrolled, ...).
    #[error("no platform key under this alias")]
    KeyMissing,
    /// The user did not authenticate (biometric prompt cancelled, device locked).
    #[error("user authentication failed or was cancelled")]
    NotAuthenticated,
    /// Anything else the platform reports (never include key material). Not named `message`:
    /// that clashes with the exception's own property in Kotlin.
    #[error("platform keystore failure: {reason}")]
    Failure { reason: String },
}

/// An implementation that threw something other than `PlatformKeyError` (a bug in the app).
impl From<uniffi::UnexpectedUniFFICallbackError> for PlatformKeyError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        PlatformKeyError::Failure { reason: e.reason }
    }
}

/// Implemented by the app: wrap and unwrap the 32-byte data key under the platform key `alias`.
#[uniffi::export(with_foreign)]
pub trait PlatformKeyStore: Send + Sync {
    /// Encrypt `secret` under the platform key named `alias`, creating that key if needed.
    fn wrap(&self, alias: String, secret: Vec<u8>) -> Result<Vec<u8>, PlatformKeyError>;
    /// Decrypt a blob produced by `wrap` with the same alias.
    fn unwrap(&self, alias: String, blob: Vec<u8>) -> Result<Vec<u8>, PlatformKeyError>;
}

/// The app's keystore seen as the core's `PlatformKeyStore`.
pub(crate) struct ForeignKeyStore(pub Arc<dyn PlatformKeyStore>);

fn to_core(e: PlatformKeyError) -> phr_core::PlatformKeyError {
    match e {
        PlatformKeyError::KeyMissing => phr_core::PlatformKeyError::KeyMissing,
        PlatformKeyError::NotAuthenticated => phr_core::PlatformKeyError::NotAuthenticated,
        PlatformKeyError::Failure { reason } => phr_core::PlatformKeyError::Failure(reason),
    }
}

impl phr_core::PlatformKeyStore for ForeignKeyStore {
    fn wrap(&self, alias: &str, secret: &[u8]) -> Result<Vec<u8>, phr_core::PlatformKeyError> {
        self.0
            .wrap(alias.to_owned(), secret.to_vec())
            .map_err(to_core)
    }

    fn unwrap(&self, alias: &str, blob: &[u8]) -> Result<Vec<u8>, phr_core::PlatformKeyError> {
        self.0
            .unwrap(alias.to_owned(), blob.to_vec())
            .map_err(to_core)
    }
}
