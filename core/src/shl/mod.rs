//! SMART Health Links (HL7 / SMART, spec v1): a patient summary handed over as a link that
//! carries its own key. The file is a compact JWE (`alg: dir`, `enc: A256GCM`) under a fresh
//! 256-bit key; the link is `shlink:/` followed by the base64url JSON payload naming where the
//! file is served (`url`), the key, the expiry, the flags and a label. The core makes both;
//! serving the file at `url` is the host's.

mod jwe;
mod link;

pub use jwe::{decrypt_compact, encrypt_compact};
pub use link::{LinkPayload, MAX_LABEL, check_link, shlink};

use crate::crypto::SecretKey;
use crate::error::Result;

/// A summary packaged as a SMART Health Link: the encrypted file to serve at the link's url,
/// and the link (which carries the key: whoever holds it can read the file).
#[derive(Debug, Clone)]
pub struct Packaged {
    pub link: String,
    pub payload: LinkPayload,
    /// The compact JWE of the document.
    pub file: String,
}

/// `document` (FHIR JSON) under a fresh 256-bit key, for serving at `url` until `exp`.
pub fn package(document: &serde_json::Value, url: &str, exp: i64, label: &str) -> Result<Packaged> {
    let key = SecretKey::generate()?;
    let file = encrypt_compact(
        &key,
        document.to_string().as_bytes(),
        "application/fhir+json",
    )?;
    let (link, payload) = shlink(url, &key, exp, label)?;
    Ok(Packaged {
        link,
        payload,
        file,
    })
}
