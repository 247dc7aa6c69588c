//! The keyring file beside the database: wrapped copies of the data key, KDF parameters and a
//! format version. Never health data, never a key in the clear.
//!
//! More than one key slot exists only while the data key is being rotated; see `rotate.rs`.

use crate::crypto::{KdfParams, SecretKey, derive_kek, fill_random, open_wrapped, seal_wrapped};
use crate::error::{Error, Result, StorageFailure};
use crate::store::platform::{PlatformKeyError, PlatformKeyStore};
use serde::{Deserialize, Serialize};
use std::fs;
use std::io::Write;
use std::path::Path;
use zeroize::Zeroizing;

/// The keyring format this build reads and writes.
pub const KEYRING_FORMAT: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Keyring {
    pub format: u32,
    /// Random id of the store; authenticated into every wrap so wraps cannot move between stores.
    pub store_id: String,
    /// The first 16 bytes of the database file (SQLCipher's per-database salt), to tell a keyring
    /// from another store apart from a damaged database.
    pub db_salt: String,
    /// Newest last. Two slots only between the two steps of a key rotation.
    pub slots: Vec<KeySlot>,
    /// A passphrase change or platform enrolment on its way (`vault.rs`, `change_keyring`):
    /// these slots replace `slots` if and only if the database holds the change's id (committed
    /// with its audit entry). Present only between the two saves of that change, or after a
    /// crash between them; the next unlock settles it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<PendingChange>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PendingChange {
    /// Random id, written to `store_meta.keyring_change` in the transaction of the audit entry.
    pub id: String,
    pub slots: Vec<KeySlot>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct KeySlot {
    pub generation: u32,
    pub wraps: Vec<Wrap>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kek", rename_all = "snake_case", deny_unknown_fields)]
pub(crate) enum Wrap {
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

const KDF_NAME: &str = "pbkdf2-hmac-sha256";

impl Keyring {
    pub fn new(store_id: String, db_salt: [u8; 16]) -> Self {
        Keyring {
            format: KEYRING_FORMAT,
            store_id,
            db_salt: hex::encode(db_salt),
            slots: vec![],
            pending: None,
        }
    }

    /// Read and validate a keyring file.
    pub fn load(path: &Path) -> Result<Self> {
        let bytes = fs::read(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::not_found("store"),
            _ => Error::from(e),
        })?;
        let probe: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|_| Error::CorruptStore {
                reason: "the keyring file is unreadable",
            })?;
        match probe.get("format").and_then(|f| f.as_i64()) {
            Some(f) if f == i64::from(KEYRING_FORMAT) => {}
            Some(f) if f > i64::from(KEYRING_FORMAT) => {
                return Err(Error::UnsupportedVersion {
                    found: f,
                    supported: i64::from(KEYRING_FORMAT),
                });
            }
            _ => {
                return Err(Error::CorruptStore {
                    reason: "the keyring file is unreadable",
                });
            }
        }
        let k: Keyring = serde_json::from_value(probe).map_err(|_| Error::CorruptStore {
            reason: "the keyring file is unreadable",
        })?;
        if k.slots.is_empty() || k.db_salt.len() != 32 {
            return Err(Error::CorruptStore {
                reason: "the keyring file is unreadable",
            });
        }
        // Refused before any KDF runs: a huge count would make every unlock run for minutes,
        // a tiny one is not a wrap this build ever writes.
        let pending = k.pending.iter().flat_map(|p| &p.slots);
        for w in k.slots.iter().chain(pending).flat_map(|s| &s.wraps) {
            if let Wrap::Passphrase { iterations, .. } = w
                && KdfParams::with_iterations(*iterations).is_err()
            {
                return Err(Error::CorruptStore {
                    reason: "the keyring file phr.keyring has KDF parameters out of range",
                });
            }
        }
        Ok(k)
    }

    /// Write atomically: temp file, fsync, rename over, fsync the folder. A crash leaves either
    /// the old or the new keyring, never a torn one.
    pub fn save(&self, path: &Path) -> Result<()> {
        let json = serde_json::to_vec_pretty(self)
            .map_err(|e| Error::Storage(StorageFailure::new("keyring", e.to_string())))?;
        let tmp = path.with_extension("keyring.tmp");
        let written = (|| -> std::io::Result<()> {
            let mut f = fs::File::create(&tmp)?;
            f.write_all(&json)?;
            f.sync_all()?;
            fs::rename(&tmp, path)
        })();
        if let Err(e) = written {
            // The old keyring is untouched; a full disk must not keep a half temp file either.
            let _ = fs::remove_file(&tmp);
            return Err(e.into());
        }
        if let Some(dir) = path.parent() {
            fs::File::open(dir)?.sync_all()?;
        }
        Ok(())
    }

    /// Whether `other` is this same keyring (every field).
    pub fn same_as(&self, other: &Keyring) -> bool {
        serde_json::to_vec(self).ok() == serde_json::to_vec(other).ok()
    }

    /// Candidate data keys from the passphrase: those of the current slots (`false`), then those
    /// of a pending change (`true`).
    pub fn candidates_with_passphrase(
        &self,
        passphrase: &str,
    ) -> Result<Vec<(u32, SecretKey, bool)>> {
        let mut out: Vec<_> = self
            .unwrap_with_passphrase(passphrase)?
            .into_iter()
            .map(|(g, k)| (g, k, false))
            .collect();
        if let Some(p) = self.pending_keyring() {
            out.extend(
                p.unwrap_with_passphrase(passphrase)?
                    .into_iter()
                    .map(|(g, k)| (g, k, true)),
            );
        }
        Ok(out)
    }

    /// Candidate data keys from the platform keystore, current slots then a pending change's.
    pub fn candidates_with_platform(
        &self,
        platform: &dyn PlatformKeyStore,
    ) -> Result<Vec<(u32, SecretKey, bool)>> {
        let current = match self.unwrap_with_platform(platform) {
            Err(Error::PlatformKeyRejected) if self.pending.is_some() => vec![],
            other => other?,
        };
        let mut out: Vec<_> = current.into_iter().map(|(g, k)| (g, k, false)).collect();
        if let Some(p) = self.pending_keyring()
            && p.has_platform_wrap()
        {
            out.extend(
                p.unwrap_with_platform(platform)?
                    .into_iter()
                    .map(|(g, k)| (g, k, true)),
            );
        }
        if out.is_empty() && !self.has_platform_wrap() {
            return Err(Error::PlatformKeyRejected);
        }
        Ok(out)
    }

    /// This keyring as it will be once its pending change is committed.
    pub fn pending_keyring(&self) -> Option<Keyring> {
        let p = self.pending.as_ref()?;
        let mut k = self.clone();
        k.slots = p.slots.clone();
        k.pending = None;
        Some(k)
    }

    pub fn db_salt_bytes(&self) -> Option<[u8; 16]> {
        hex::decode(&self.db_salt).ok()?.try_into().ok()
    }

    pub fn newest_generation(&self) -> u32 {
        self.slots.iter().map(|s| s.generation).max().unwrap_or(0)
    }

    fn context(&self, generation: u32, kind: &str) -> Vec<u8> {
        format!(
            "phr-keyring/v{KEYRING_FORMAT}/{}/{generation}/{kind}",
            self.store_id
        )
        .into_bytes()
    }

    /// The alias under which the platform keystore holds this store's key.
    pub fn platform_alias(&self) -> String {
        format!("phr-core.{}", self.store_id)
    }

    /// A passphrase wrap of `key` for slot `generation`, with a fresh salt.
    pub fn passphrase_wrap(
        &self,
        generation: u32,
        key: &SecretKey,
        passphrase: &str,
        kdf: KdfParams,
    ) -> Result<Wrap> {
        let mut salt = [0u8; 16];
        fill_random(&mut salt)?;
        let kek = derive_kek(passphrase, &salt, kdf)?;
        let (nonce, ct) = seal_wrapped(&kek, key, &self.context(generation, "passphrase"))?;
        Ok(Wrap::Passphrase {
            kdf: KDF_NAME.into(),
            iterations: kdf.iterations,
            salt: hex::encode(salt),
            nonce: hex::encode(nonce),
            ciphertext: hex::encode(ct),
        })
    }

    /// A platform-keystore wrap of `key` (the slot it goes in is the caller's choice).
    pub fn platform_wrap(&self, key: &SecretKey, platform: &dyn PlatformKeyStore) -> Result<Wrap> {
        let alias = self.platform_alias();
        // Never called while a database lock is held (the platform may show a prompt).
        let blob = platform
            .wrap(&alias, key.expose())
            .map_err(platform_error)?;
        Ok(Wrap::Platform {
            alias,
            blob: hex::encode(blob),
        })
    }

    /// Candidate data keys from the passphrase, newest slot first. `Ok(empty)` = wrong passphrase.
    pub fn unwrap_with_passphrase(&self, passphrase: &str) -> Result<Vec<(u32, SecretKey)>> {
        let mut out = vec![];
        for slot in self.slots.iter().rev() {
            for w in &slot.wraps {
                if let Wrap::Passphrase {
                    kdf,
                    iterations,
                    salt,
                    nonce,
                    ciphertext,
                } = w
                {
                    if kdf != KDF_NAME {
                        return Err(Error::UnsupportedVersion {
                            found: i64::from(KEYRING_FORMAT),
                            supported: i64::from(KEYRING_FORMAT),
                        });
                    }
                    let (salt, nonce, ct) = decode3(salt, nonce, ciphertext)?;
                    let kek = derive_kek(
                        passphrase,
                        &salt,
                        KdfParams {
                            iterations: *iterations,
                        },
                    )?;
                    let ctx = self.context(slot.generation, "passphrase");
                    if let Some(k) = open_wrapped(&kek, &nonce, &ct, &ctx)? {
                        out.push((slot.generation, k));
                    }
                }
            }
        }
        Ok(out)
    }

    /// Candidate data keys from the platform keystore, newest slot first.
    pub fn unwrap_with_platform(
        &self,
        platform: &dyn PlatformKeyStore,
    ) -> Result<Vec<(u32, SecretKey)>> {
        let mut out = vec![];
        let mut saw_platform = false;
        for slot in self.slots.iter().rev() {
            for w in &slot.wraps {
                if let Wrap::Platform { alias, blob } = w {
                    saw_platform = true;
                    let blob = hex::decode(blob).map_err(|_| Error::CorruptStore {
                        reason: "the keyring file is unreadable",
                    })?;
                    let plain =
                        Zeroizing::new(platform.unwrap(alias, &blob).map_err(platform_error)?);
                    if let Some(k) = SecretKey::from_slice(&plain) {
                        out.push((slot.generation, k));
                    }
                }
            }
        }
        if !saw_platform {
            return Err(Error::PlatformKeyRejected);
        }
        Ok(out)
    }

    pub fn has_platform_wrap(&self) -> bool {
        self.slots
            .iter()
            .any(|s| s.wraps.iter().any(|w| matches!(w, Wrap::Platform { .. })))
    }
}

fn decode3(a: &str, b: &str, c: &str) -> Result<(Vec<u8>, Vec<u8>, Vec<u8>)> {
    let bad = |_| Error::CorruptStore {
        reason: "the keyring file is unreadable",
    };
    Ok((
        hex::decode(a).map_err(bad)?,
        hex::decode(b).map_err(bad)?,
        hex::decode(c).map_err(bad)?,
    ))
}

fn platform_error(e: PlatformKeyError) -> Error {
    match e {
        PlatformKeyError::Failure(msg) => {
            Error::Storage(StorageFailure::new("platform-keystore", msg))
        }
        _ => Error::PlatformKeyRejected,
    }
}
