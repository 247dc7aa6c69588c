//! The `shlink:/` URI: base64url (no padding) of the JSON payload (SMART Health Links v1).

use crate::crypto::SecretKey;
use crate::error::{Error, Result};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde::Serialize;

/// The longest label the specification allows.
pub const MAX_LABEL: usize = 80;

/// The link's payload (the fields a receiving application reads).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkPayload {
    /// Where the file is served (HTTPS); with the `U` flag, a GET of it returns the JWE.
    pub url: String,
    /// The 256-bit key, base64url (43 characters).
    pub key: String,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
    /// `U`: the url is the file itself.
    pub flag: String,
    pub label: String,
    pub v: u8,
}

/// Whether a link to a file at `url` with `label` can be made (HTTPS; a label of 80 characters
/// at most), refused naming the field: checked before anything is released for it.
pub fn check_link(url: &str, label: &str) -> Result<()> {
    let parsed = url::Url::parse(url).map_err(|_| Error::invalid("url", "is not a URL"))?;
    if parsed.scheme() != "https" {
        return Err(Error::invalid("url", "must be https"));
    }
    if label.chars().count() > MAX_LABEL {
        return Err(Error::invalid("label", "must be 80 characters at most"));
    }
    Ok(())
}

/// The `shlink:/` URI for a file served at `url` (HTTPS) under `key`, ending at `exp`.
pub fn shlink(url: &str, key: &SecretKey, exp: i64, label: &str) -> Result<(String, LinkPayload)> {
    check_link(url, label)?;
    let payload = LinkPayload {
        url: url.to_owned(),
        key: B64.encode(key.expose()),
        exp,
        flag: "U".into(),
        label: label.to_owned(),
        v: 1,
    };
    let json = serde_json::to_string(&payload).unwrap_or_default();
    Ok((format!("shlink:/{}", B64.encode(json)), payload))
}
