//! AES-256-GCM wrapping of the data key under a key-encryption key (ring).

use super::{KEY_LEN, SecretKey, fill_random};
use crate::error::{Error, Result, StorageFailure};
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use zeroize::Zeroizing;

/// Encrypt `secret` under `kek`; `context` is authenticated (binds the wrap to its keyring slot).
/// Returns (nonce, ciphertext+tag).
pub(crate) fn seal_wrapped(
    kek: &SecretKey,
    secret: &SecretKey,
    context: &[u8],
) -> Result<([u8; NONCE_LEN], Vec<u8>)> {
    let key = aead_key(kek)?;
    let mut nonce = [0u8; NONCE_LEN];
    fill_random(&mut nonce)?;
    let mut buf = secret.expose().to_vec();
    key.seal_in_place_append_tag(
        Nonce::assume_unique_for_key(nonce),
        Aad::from(context),
        &mut buf,
    )
    .map_err(|_| Error::Storage(StorageFailure::new("crypto", "key wrap failed")))?;
    Ok((nonce, buf))
}

/// Decrypt a wrapped key. `None` means the KEK (or the context) is wrong or the bytes were altered.
pub(crate) fn open_wrapped(
    kek: &SecretKey,
    nonce: &[u8],
    wrapped: &[u8],
    context: &[u8],
) -> Result<Option<SecretKey>> {
    let key = aead_key(kek)?;
    let Ok(nonce) = Nonce::try_assume_unique_for_key(nonce) else {
        return Ok(None);
    };
    let mut buf = Zeroizing::new(wrapped.to_vec());
    match key.open_in_place(nonce, Aad::from(context), &mut buf[..]) {
        Ok(plain) if plain.len() == KEY_LEN => Ok(SecretKey::from_slice(plain)),
        _ => Ok(None),
    }
}

fn aead_key(kek: &SecretKey) -> Result<LessSafeKey> {
    let unbound = UnboundKey::new(&AES_256_GCM, &kek.expose()[..])
        .map_err(|_| Error::Storage(StorageFailure::new("crypto", "bad key length")))?;
    Ok(LessSafeKey::new(unbound))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_round_trips_and_rejects_wrong_kek_or_context() {
        let kek = SecretKey::generate().unwrap();
        let other = SecretKey::generate().unwrap();
        let dk = SecretKey::generate().unwrap();
        let (n, c) = seal_wrapped(&kek, &dk, b"slot-1").unwrap();
        assert_eq!(
            open_wrapped(&kek, &n, &c, b"slot-1")
                .unwrap()
                .unwrap()
                .expose(),
            dk.expose()
        );
        assert!(open_wrapped(&other, &n, &c, b"slot-1").unwrap().is_none());
        assert!(open_wrapped(&kek, &n, &c, b"slot-2").unwrap().is_none());
        let mut tampered = c.clone();
        tampered[0] ^= 1;
        assert!(
            open_wrapped(&kek, &n, &tampered, b"slot-1")
                .unwrap()
                .is_none()
        );
    }
}
