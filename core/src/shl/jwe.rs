//! Compact JWE with direct AES-256-GCM (RFC 7516 §7.1, RFC 7518 §§4.5 and 5.3) — the only form a
//! SMART Health Link file takes: protected header, an empty encrypted key, a 96-bit IV, the
//! ciphertext and the 128-bit tag, base64url without padding; the ASCII of the encoded header
//! is the additional authenticated data.

use crate::crypto::{SecretKey, fill_random};
use crate::error::{Error, Result};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};

fn key_of(k: &SecretKey) -> Result<LessSafeKey> {
    UnboundKey::new(&AES_256_GCM, &k.expose()[..])
        .map(LessSafeKey::new)
        .map_err(|_| Error::invalid("key", "is not an AES-256 key"))
}

/// `plaintext` as a compact JWE under `key`, with `cty` as its content type.
pub fn encrypt_compact(key: &SecretKey, plaintext: &[u8], cty: &str) -> Result<String> {
    let header = serde_json::json!({ "alg": "dir", "enc": "A256GCM", "cty": cty });
    let header = B64.encode(header.to_string());
    let mut iv = [0u8; NONCE_LEN];
    fill_random(&mut iv)?;
    let mut buf = plaintext.to_vec();
    let tag = key_of(key)?
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(iv),
            Aad::from(header.as_bytes()),
            &mut buf,
        )
        .map_err(|_| Error::invalid("file", "could not be encrypted"))?;
    Ok(format!(
        "{header}..{}.{}.{}",
        B64.encode(iv),
        B64.encode(&buf),
        B64.encode(tag.as_ref())
    ))
}

/// The plaintext of a compact JWE made by [`encrypt_compact`] (or any `dir`/`A256GCM` JWE),
/// checked against its tag; a tampered or foreign file is refused, naming `file`.
pub fn decrypt_compact(key: &SecretKey, jwe: &str) -> Result<Vec<u8>> {
    let bad = || Error::invalid("file", "is not a dir/A256GCM compact JWE under this key");
    let parts: Vec<&str> = jwe.trim().split('.').collect();
    let [header, ek, iv, ct, tag] = parts.as_slice() else {
        return Err(bad());
    };
    let h: serde_json::Value =
        serde_json::from_slice(&B64.decode(header).map_err(|_| bad())?).map_err(|_| bad())?;
    if h["alg"] != "dir" || h["enc"] != "A256GCM" || !ek.is_empty() || h.get("zip").is_some() {
        return Err(bad());
    }
    let iv: [u8; NONCE_LEN] = B64
        .decode(iv)
        .map_err(|_| bad())?
        .try_into()
        .map_err(|_| bad())?;
    let mut buf = B64.decode(ct).map_err(|_| bad())?;
    buf.extend(B64.decode(tag).map_err(|_| bad())?);
    let plain = key_of(key)?
        .open_in_place(
            Nonce::assume_unique_for_key(iv),
            Aad::from(header.as_bytes()),
            &mut buf,
        )
        .map_err(|_| bad())?;
    Ok(plain.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_opens_with_its_key_only_and_not_once_tampered() {
        let k = SecretKey::generate().unwrap();
        let jwe = encrypt_compact(
            &k,
            b"{\"resourceType\":\"Bundle\"}",
            "application/fhir+json",
        )
        .unwrap();
        assert_eq!(jwe.split('.').count(), 5);
        assert_eq!(jwe.split('.').nth(1), Some(""), "dir: no encrypted key");
        assert_eq!(
            decrypt_compact(&k, &jwe).unwrap(),
            b"{\"resourceType\":\"Bundle\"}"
        );
        let other = SecretKey::generate().unwrap();
        assert!(decrypt_compact(&other, &jwe).is_err());
        let mut parts: Vec<String> = jwe.split('.').map(str::to_owned).collect();
        parts[3] = format!("A{}", &parts[3][1..]);
        assert!(decrypt_compact(&k, &parts.join(".")).is_err(), "tampered");
        assert!(decrypt_compact(&k, "not.a.jwe").is_err());
    }
}
