//! Keyring format 1 (before members): each slot held the data key wrapped under the owner's
//! passphrase (PBKDF2-HMAC-SHA256) and optionally under the platform keystore. Read only to
//! unlock such a store once; the unlock then writes format 2 (`open.rs`, `upgrade`).

use super::files::Unlock;
use super::keyring::unreadable;
use crate::crypto::{SecretKey, derive_kek_pbkdf2, open_wrapped};
use crate::error::{Error, Result};
use serde::Deserialize;
use zeroize::Zeroizing;

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct KeyringV1 {
    pub store_id: String,
    pub db_salt: String,
    pub slots: Vec<SlotV1>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct SlotV1 {
    pub generation: u32,
    pub wraps: Vec<WrapV1>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kek", rename_all = "snake_case")]
pub(crate) enum WrapV1 {
    Passphrase {
        kdf: String,
        iterations: u32,
        salt: String,
        nonce: String,
        ciphertext: String,
    },
    Platform {
        alias: String,
        blob: String,
    },
}

impl KeyringV1 {
    pub fn parse(value: serde_json::Value) -> Result<Self> {
        let k: KeyringV1 = serde_json::from_value(value).map_err(|_| unreadable())?;
        if k.slots.is_empty() || k.db_salt.len() != 32 {
            return Err(unreadable());
        }
        for w in k.slots.iter().flat_map(|s| &s.wraps) {
            if let WrapV1::Passphrase { iterations, .. } = w
                && !crate::crypto::PBKDF2_ITERATIONS.contains(iterations)
            {
                return Err(Error::CorruptStore {
                    reason: "the keyring file phr.keyring has KDF parameters out of range",
                });
            }
        }
        Ok(k)
    }

    pub fn db_salt_bytes(&self) -> Option<[u8; 16]> {
        hex::decode(&self.db_salt).ok()?.try_into().ok()
    }

    /// Candidate data keys `how` opens, newest slot first (a PIN was never a format-1 credential).
    pub fn data_keys(&self, how: &Unlock<'_>) -> Result<Vec<(u32, SecretKey)>> {
        let mut out = vec![];
        for slot in self.slots.iter().rev() {
            for w in &slot.wraps {
                let key = match (w, how) {
                    (
                        WrapV1::Passphrase {
                            kdf,
                            iterations,
                            salt,
                            nonce,
                            ciphertext,
                        },
                        Unlock::Passphrase(p),
                    ) => {
                        if kdf != "pbkdf2-hmac-sha256" {
                            return Err(unreadable());
                        }
                        let kek = derive_kek_pbkdf2(p, &decode(salt)?, *iterations)?;
                        let ctx = format!(
                            "phr-keyring/v1/{}/{}/passphrase",
                            self.store_id, slot.generation
                        );
                        open_wrapped(&kek, &decode(nonce)?, &decode(ciphertext)?, ctx.as_bytes())?
                    }
                    (WrapV1::Platform { alias, blob }, Unlock::Platform(platform)) => {
                        let plain = Zeroizing::new(
                            platform
                                .unwrap(alias, &decode(blob)?)
                                .map_err(super::credential::platform_error)?,
                        );
                        SecretKey::from_slice(&plain)
                    }
                    _ => None,
                };
                if let Some(k) = key {
                    out.push((slot.generation, k));
                }
            }
        }
        Ok(out)
    }
}

fn decode(s: &str) -> Result<Vec<u8>> {
    hex::decode(s).map_err(|_| unreadable())
}
