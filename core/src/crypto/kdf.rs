//! Passphrase → key-encryption key: Argon2id (RFC 9106, RustCrypto `argon2`), memory-hard, its
//! cost stored with each wrap. PBKDF2-HMAC-SHA256 remains only to read wraps of keyring
//! format 1, which are upgraded at the next successful unlock.

use super::{KEY_LEN, SecretKey};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::num::NonZeroU32;
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

/// The cost of turning a passphrase into a key-encryption key (Argon2id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// Memory per derivation, KiB.
    pub memory_kib: u32,
    /// Passes over that memory.
    pub passes: u32,
    /// Lanes (parallelism).
    pub lanes: u32,
}

impl KdfParams {
    /// The memory every wrap the product makes uses: 64 MiB (OWASP 2023 lists 46 MiB as the
    /// floor for Argon2id with one pass; RFC 9106's second recommendation is 64 MiB).
    pub const DEFAULT_MEMORY_KIB: u32 = 64 * 1024;
    /// What one unlock should take on the device the wrap is made on.
    pub const TARGET: Duration = Duration::from_millis(500);
    /// Bounds a keyring's parameters must lie in, checked before any KDF runs: above them one
    /// unlock would take minutes or exhaust a phone's memory (a damaged or hostile keyring);
    /// below them nothing this product writes (tests use [`KdfParams::cheap`]).
    pub const MIN_MEMORY_KIB: u32 = 64;
    pub const MAX_MEMORY_KIB: u32 = 1024 * 1024;
    pub const MAX_PASSES: u32 = 16;
    pub const MAX_LANES: u32 = 8;

    /// 64 MiB with the passes that take about [`KdfParams::TARGET`] on this device, measured
    /// once per process (at least one pass).
    pub fn calibrated() -> KdfParams {
        static CALIBRATED: OnceLock<KdfParams> = OnceLock::new();
        *CALIBRATED.get_or_init(|| calibrate(Self::DEFAULT_MEMORY_KIB, Self::TARGET))
    }

    /// The cheapest parameters accepted: for tests and benchmarks that are about behaviour,
    /// never for a resident's store.
    pub fn cheap() -> KdfParams {
        KdfParams {
            memory_kib: Self::MIN_MEMORY_KIB,
            passes: 1,
            lanes: 1,
        }
    }

    /// Parameters with a chosen memory (KiB) and passes, validated.
    pub fn with_cost(memory_kib: u32, passes: u32) -> Result<Self> {
        let p = KdfParams {
            memory_kib,
            passes,
            lanes: 1,
        };
        p.validate()?;
        Ok(p)
    }

    pub(crate) fn validate(&self) -> Result<()> {
        if !(Self::MIN_MEMORY_KIB..=Self::MAX_MEMORY_KIB).contains(&self.memory_kib) {
            return Err(Error::invalid(
                "kdf.memory_kib",
                format!(
                    "must be between {} and {}",
                    Self::MIN_MEMORY_KIB,
                    Self::MAX_MEMORY_KIB
                ),
            ));
        }
        if !(1..=Self::MAX_PASSES).contains(&self.passes) {
            return Err(Error::invalid(
                "kdf.passes",
                format!("must be between 1 and {}", Self::MAX_PASSES),
            ));
        }
        if !(1..=Self::MAX_LANES).contains(&self.lanes) || self.memory_kib < 8 * self.lanes {
            return Err(Error::invalid(
                "kdf.lanes",
                format!(
                    "must be between 1 and {} (8 KiB of memory each)",
                    Self::MAX_LANES
                ),
            ));
        }
        Ok(())
    }
}

impl Default for KdfParams {
    fn default() -> Self {
        Self::calibrated()
    }
}

/// The passes of `memory_kib` that take about `target` here.
fn calibrate(memory_kib: u32, target: Duration) -> KdfParams {
    let one = KdfParams {
        memory_kib,
        passes: 1,
        lanes: 1,
    };
    let started = Instant::now();
    let measured = derive_kek("calibration", &[0u8; 16], one).map(|_| started.elapsed());
    let per_pass = measured.unwrap_or(target).max(Duration::from_millis(1));
    let passes = (target.as_secs_f64() / per_pass.as_secs_f64()).round() as u32;
    KdfParams {
        passes: passes.clamp(1, KdfParams::MAX_PASSES),
        ..one
    }
}

/// Derive the key-encryption key for `passphrase` with `salt` (Argon2id).
pub(crate) fn derive_kek(passphrase: &str, salt: &[u8], params: KdfParams) -> Result<SecretKey> {
    params.validate()?;
    let bad = |_| Error::invalid("kdf", "parameters the KDF refuses");
    let argon = argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        argon2::Params::new(
            params.memory_kib,
            params.passes,
            params.lanes,
            Some(KEY_LEN),
        )
        .map_err(bad)?,
    );
    let mut out = Zeroizing::new([0u8; KEY_LEN]);
    argon
        .hash_password_into(passphrase.as_bytes(), salt, &mut out[..])
        .map_err(bad)?;
    Ok(SecretKey::from_array(out))
}

/// PBKDF2-HMAC-SHA256 iterations a format-1 keyring may hold (checked before the KDF runs).
pub(crate) const PBKDF2_ITERATIONS: std::ops::RangeInclusive<u32> = 10_000..=10_000_000;

/// The key-encryption key of a format-1 wrap (PBKDF2-HMAC-SHA256), to read it once and wrap
/// the data key again with Argon2id.
pub(crate) fn derive_kek_pbkdf2(
    passphrase: &str,
    salt: &[u8],
    iterations: u32,
) -> Result<SecretKey> {
    if !PBKDF2_ITERATIONS.contains(&iterations) {
        return Err(Error::invalid("kdf.iterations", "out of range"));
    }
    let iterations = NonZeroU32::new(iterations)
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
    fn parameters_out_of_range_are_refused_naming_the_field() {
        for (p, field) in [
            (
                KdfParams {
                    memory_kib: 8,
                    passes: 1,
                    lanes: 1,
                },
                "kdf.memory_kib",
            ),
            (
                KdfParams {
                    memory_kib: 4 * 1024 * 1024,
                    passes: 1,
                    lanes: 1,
                },
                "kdf.memory_kib",
            ),
            (
                KdfParams {
                    memory_kib: 1024,
                    passes: 0,
                    lanes: 1,
                },
                "kdf.passes",
            ),
            (
                KdfParams {
                    memory_kib: 1024,
                    passes: 99,
                    lanes: 1,
                },
                "kdf.passes",
            ),
            (
                KdfParams {
                    memory_kib: 64,
                    passes: 1,
                    lanes: 9,
                },
                "kdf.lanes",
            ),
        ] {
            assert!(
                matches!(p.validate(), Err(Error::InvalidInput { field: f, .. }) if f == field),
                "{p:?}"
            );
        }
        assert!(KdfParams::cheap().validate().is_ok());
    }

    #[test]
    fn the_calibrated_default_uses_64_mib() {
        let p = KdfParams::calibrated();
        assert_eq!(p.memory_kib, 64 * 1024);
        assert!(p.passes >= 1);
    }

    #[test]
    fn salt_and_passphrase_both_matter() {
        let p = KdfParams::cheap();
        let a = derive_kek("correct horse", b"salt-1__________", p).unwrap();
        let b = derive_kek("correct horse", b"salt-2__________", p).unwrap();
        let c = derive_kek("correct horsf", b"salt-1__________", p).unwrap();
        assert_ne!(a.expose(), b.expose());
        assert_ne!(a.expose(), c.expose());
        assert_eq!(
            a.expose(),
            derive_kek("correct horse", b"salt-1__________", p)
                .unwrap()
                .expose()
        );
    }

    #[test]
    fn argon2id_agrees_with_the_reference_implementation() {
        // Expected tags from the reference C implementation (phc-winner-argon2, through Python
        // argon2-cffi's `hash_secret_raw`, type ID, version 0x13, 32-byte tag).
        let cases = [
            (
                "password",
                &b"somesaltsomesalt"[..],
                (64, 1, 1),
                "e793d64ef75d58f503d4631b2b149f7f80127c5f3993d89b1c9b781e51d0b413",
            ),
            (
                "correct horse",
                &b"0123456789abcdef"[..],
                (1024, 3, 2),
                "e7ffba248b768375fab09df016467ed52de56c2b877c1fc447a30570d04b6d32",
            ),
        ];
        for (pass, salt, (memory_kib, passes, lanes), want) in cases {
            let p = KdfParams {
                memory_kib,
                passes,
                lanes,
            };
            assert_eq!(
                hex::encode(derive_kek(pass, salt, p).unwrap().expose()),
                want
            );
        }
    }
}
