//! Key material and the primitives the store needs, all from `ring`.
//!
//! Every secret lives in a [`Zeroizing`] buffer so it is wiped when dropped.

mod kdf;
mod wrap;

pub use kdf::KdfParams;
pub(crate) use kdf::{PBKDF2_ITERATIONS, derive_kek, derive_kek_pbkdf2};
pub(crate) use wrap::{open_wrapped, seal_wrapped};

use crate::error::{Error, Result, StorageFailure};
use ring::rand::{SecureRandom, SystemRandom};
use zeroize::Zeroizing;

/// Length of every symmetric key used here (AES-256, HMAC-SHA256, SQLCipher raw key).
pub const KEY_LEN: usize = 32;

/// A 256-bit secret key, wiped from memory when dropped.
#[derive(Clone)]
pub struct SecretKey(Zeroizing<[u8; KEY_LEN]>);

impl SecretKey {
    /// A fresh random key from the operating system's CSPRNG.
    pub fn generate() -> Result<Self> {
        let mut k = Zeroizing::new([0u8; KEY_LEN]);
        fill_random(&mut k[..])?;
        Ok(SecretKey(k))
    }

    /// A key from exactly [`KEY_LEN`] bytes (moved in, then wiped with the key).
    pub(crate) fn from_array(bytes: Zeroizing<[u8; KEY_LEN]>) -> Self {
        SecretKey(bytes)
    }

    /// A key from its bytes (tools and tests; the product makes keys with [`Self::generate`]).
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        SecretKey(Zeroizing::new(bytes))
    }

    pub(crate) fn from_slice(bytes: &[u8]) -> Option<Self> {
        let arr: [u8; KEY_LEN] = bytes.try_into().ok()?;
        Some(SecretKey(Zeroizing::new(arr)))
    }

    pub(crate) fn expose(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    /// SQLCipher's raw-key literal `x'…'`, in a buffer that is wiped after use.
    pub(crate) fn sqlcipher_literal(&self) -> Zeroizing<String> {
        let mut s = Zeroizing::new(String::with_capacity(3 + 2 * KEY_LEN));
        s.push_str("x'");
        // Hex digits written straight into the wiped buffer: no unwiped copy of the key.
        let mut digits = Zeroizing::new([0u8; 2 * KEY_LEN]);
        if hex::encode_to_slice(&self.0[..], &mut digits[..]).is_ok() {
            s.extend(digits.iter().map(|&b| char::from(b)));
        }
        s.push('\'');
        s
    }

    /// A key from input keying material (HKDF-SHA256 extract and expand, RFC 5869).
    pub(crate) fn hkdf(ikm: &[u8], info: &'static [u8]) -> SecretKey {
        let salt = ring::hkdf::Salt::new(ring::hkdf::HKDF_SHA256, b"phr-core hkdf");
        SecretKey::expand(&salt.extract(ikm), info)
    }

    /// A subkey for one purpose (HKDF-SHA256, RFC 5869), so the data key itself never
    /// keys anything but the database.
    pub(crate) fn derive(&self, info: &'static [u8]) -> SecretKey {
        let salt = ring::hkdf::Salt::new(ring::hkdf::HKDF_SHA256, b"phr-core subkey");
        SecretKey::expand(&salt.extract(&self.0[..]), info)
    }

    // Invariant (below): HKDF fails only for outputs longer than 255 hash lengths.
    #[allow(clippy::expect_used)]
    fn expand(prk: &ring::hkdf::Prk, info: &'static [u8]) -> SecretKey {
        struct Len;
        impl ring::hkdf::KeyType for Len {
            fn len(&self) -> usize {
                KEY_LEN
            }
        }
        let mut out = Zeroizing::new([0u8; KEY_LEN]);
        let info = [info];
        let okm = prk.expand(&info, Len).expect("HKDF output length is valid");
        okm.fill(&mut out[..]).expect("HKDF output length is valid");
        SecretKey(out)
    }
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

/// Fill `buf` from the system CSPRNG.
pub(crate) fn fill_random(buf: &mut [u8]) -> Result<()> {
    SystemRandom::new()
        .fill(buf)
        .map_err(|_| Error::Storage(StorageFailure::new("crypto", "system random source failed")))
}

/// HMAC-SHA256 of `parts` (length-prefixed so concatenations cannot collide).
pub(crate) fn mac(key: &SecretKey, parts: &[&[u8]]) -> [u8; 32] {
    let k = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &key.expose()[..]);
    let mut ctx = ring::hmac::Context::with_key(&k);
    for p in parts {
        ctx.update(&(p.len() as u64).to_be_bytes());
        ctx.update(p);
    }
    let tag = ctx.sign();
    let mut out = [0u8; 32];
    out.copy_from_slice(tag.as_ref());
    out
}

/// Constant-time comparison of two MACs.
pub(crate) fn mac_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_differ_and_debug_is_redacted() {
        let a = SecretKey::generate().unwrap();
        let b = SecretKey::generate().unwrap();
        assert_ne!(a.expose(), b.expose());
        assert_eq!(format!("{a:?}"), "SecretKey(<redacted>)");
    }

    #[test]
    fn subkeys_are_distinct_per_purpose_and_stable() {
        let k = SecretKey::generate().unwrap();
        assert_eq!(k.derive(b"a").expose(), k.derive(b"a").expose());
        assert_ne!(k.derive(b"a").expose(), k.derive(b"b").expose());
        assert_ne!(k.derive(b"a").expose(), k.expose());
    }

    #[test]
    fn mac_is_length_prefixed() {
        let k = SecretKey::generate().unwrap();
        assert_ne!(mac(&k, &[b"ab", b"c"]), mac(&k, &[b"a", b"bc"]));
        assert!(mac_eq(&mac(&k, &[b"x"]), &mac(&k, &[b"x"])));
    }
}
