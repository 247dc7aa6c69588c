//! Passphrase → key-encryption key, PBKDF2-HMAC-SHA256 (ring).

use super::{KEY_LEN, SecretKey};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::num::NonZeroU32;
use zeroize::Zeroizing;

/// Cost of turning a passphrase into a key-encryption key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// PBKDF2-HMAC-SHA256 iterations. OWASP (2023) recommends at least 600,000.
    pub iterations: u32,
}

impl KdfParams {
    /// The production default: 600,000 iterations.
    pub const DEFAULT_ITERATIONS: u32 = 600_000;
    /// Below this a stolen keyring falls to a brute-force search in minutes; refuse it.
    pub const MIN_ITERATIONS: u32 = 10_000;
    /// Above this one unlock would take tens of seconds on a phone (600,000 take about 0.1 s
    /// here): a keyring asking for more is damaged or hostile, and is refused before the KDF.
    pub const MAX_ITERATIONS: u32 = 10_000_000;

    /// Parameters with a chosen cost (tests and benchmarks use a low one).
    pub fn with_iterations(iterations: u32) -> Result<Self> {
        let p = KdfParams { iterations };
        p.validate()?;
        Ok(p)
    }

    pub(crate) fn validate(&self) -> Result<()> {
        if self.iterations < Self::MIN_ITERATIONS {
            return Err(Error::invalid(
                "kdf.iterations",
                format!("must be at least {}", Self::MIN_ITERATIONS),
            ));
        }
        if self.iterations > Self::MAX_ITERATIONS {
            return Err(Error::invalid(
                "kdf.iterations",
                format!("must be at most {}", Self::MAX_ITERATIONS),
            ));
        }
        Ok(())
    }
}

impl Default for KdfParams {
    fn default() -> Self {
        KdfParams {
            iterations: Self::DEFAULT_ITERATIONS,
        }
    }
}

/// Derive the key-encryption key for `passphrase` with `salt`.
pub(crate) fn derive_kek(passphrase: &str, salt: &[u8], params: KdfParams) -> Result<SecretKey> {
    params.validate()?;
    let iterations = NonZeroU32::new(params.iterations)
        .ok_or_else(|| Error::invalid("kdf.iterations", "must be positive"))?;
    let mut out = Zeroizing::new([0u8; KEY_LEN]);
    ring::pbkdf2::derive(
        ring::pbkdf2::PBKDF2_HMAC_SHA256,
        iterations,
        salt,
        passphrase.as_bytes(),
        &mut out[..],
    );
    Ok(SecretKey::from_array(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn low_cost_is_refused() {
        assert!(matches!(
            KdfParams::with_iterations(1000),
            Err(Error::InvalidInput { field, .. }) if field == "kdf.iterations"
        ));
        assert_eq!(KdfParams::default().iterations, 600_000);
    }

    #[test]
    fn salt_and_passphrase_both_matter() {
        let p = KdfParams::with_iterations(10_000).unwrap();
        let a = derive_kek("correct horse", b"salt-1__________", p).unwrap();
        let b = derive_kek("correct horse", b"salt-2__________", p).unwrap();
        let c = derive_kek("correct horsf", b"salt-1__________", p).unwrap();
        assert_ne!(a.expose(), b.expose());
        assert_ne!(a.expose(), c.expose());
    }
}
