//! One way a member unlocks: the key-encryption key (KEK) their member key is sealed under.
//!
//! - `passphrase`: Argon2id of a passphrase strong enough on its own ([`check_strength`]).
//! - `pin_and_platform`: Argon2id of a PIN *and* a random secret only the platform keystore
//!   can give back (Android Keystore / iOS Keychain, bound to user presence), combined by
//!   HKDF: the keyring file alone never lets a PIN be tried.
//! - `platform`: that platform secret alone (biometric unlock).

use super::files::Unlock;
use super::keyring::{Credential, Keyring, Role, unreadable};
use super::platform::{PlatformKeyError, PlatformKeyStore};
use crate::crypto::{KdfParams, SecretKey, derive_kek, fill_random, open_wrapped, seal_wrapped};
use crate::error::{Error, Result, StorageFailure};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub(crate) enum Kek {
    Passphrase {
        kdf: KdfParams,
        salt: String,
    },
    PinAndPlatform {
        kdf: KdfParams,
        salt: String,
        alias: String,
        /// The platform secret as the platform keystore wrapped it.
        blob: String,
    },
    Platform {
        alias: String,
        blob: String,
    },
}

/// The zxcvbn score a passphrase must reach to protect a store (or a backup) on its own:
/// 3 = "safely unguessable: moderate protection from offline slow-hash scenario".
pub const MIN_PASSPHRASE_SCORE: u8 = 3;
/// The shortest PIN accepted (together with the platform secret only).
pub const MIN_PIN_LEN: usize = 6;

/// Refuse a passphrase too weak to protect the files on its own, with what to do.
pub fn check_strength(field: &str, passphrase: &str) -> Result<()> {
    super::files::validate_passphrase(field, passphrase)?;
    let estimate = zxcvbn::zxcvbn(passphrase, &[]);
    if u8::from(estimate.score()) >= MIN_PASSPHRASE_SCORE {
        return Ok(());
    }
    let mut hint =
        String::from("too easy to guess: use four or more unrelated words, or a longer passphrase");
    if let Some(w) = estimate.feedback().and_then(|f| f.warning()) {
        hint.push_str(&format!(" ({w})"));
    }
    hint.push_str("; a short PIN works only together with the device's biometric key");
    Err(Error::WeakPassphrase {
        field: field.to_owned(),
        hint,
    })
}

fn check_pin(pin: &str) -> Result<()> {
    if pin.chars().count() < MIN_PIN_LEN {
        return Err(Error::invalid(
            "pin",
            format!("must be at least {MIN_PIN_LEN} characters"),
        ));
    }
    super::files::validate_passphrase("pin", pin)
}

impl Kek {
    pub fn kind(&self) -> &'static str {
        match self {
            Kek::Passphrase { .. } => "passphrase",
            Kek::PinAndPlatform { .. } => "pin_and_platform",
            Kek::Platform { .. } => "platform",
        }
    }

    pub fn uses_platform(&self) -> bool {
        !matches!(self, Kek::Passphrase { .. })
    }

    /// The KDF parameters are in range: checked when the keyring is read, before any KDF runs.
    pub fn check_parameters(&self) -> Result<()> {
        match self {
            Kek::Passphrase { kdf, .. } | Kek::PinAndPlatform { kdf, .. } => {
                kdf.validate().map_err(|_| Error::CorruptStore {
                    reason: "the keyring file phr.keyring has KDF parameters out of range",
                })
            }
            Kek::Platform { .. } => Ok(()),
        }
    }

    /// The KEK for `how`, or `None` when `how` is another kind of credential. Platform
    /// refusals are errors the caller sees (`PlatformKeyRejected`).
    fn derive(&self, how: &Unlock<'_>) -> Result<Option<SecretKey>> {
        match (self, how) {
            (Kek::Passphrase { kdf, salt }, Unlock::Passphrase(p)) => {
                Ok(Some(derive_kek(p, &decode(salt)?, *kdf)?))
            }
            (
                Kek::PinAndPlatform {
                    kdf,
                    salt,
                    alias,
                    blob,
                },
                Unlock::Pin(pin, platform),
            ) => {
                let secret = platform_secret(*platform, alias, blob)?;
                let pin_key = derive_kek(pin, &decode(salt)?, *kdf)?;
                Ok(Some(combine(&pin_key, &secret)))
            }
            (Kek::Platform { alias, blob }, Unlock::Platform(platform)) => {
                let secret = platform_secret(*platform, alias, blob)?;
                Ok(Some(secret.derive(b"phr-core platform credential v1")))
            }
            _ => Ok(None),
        }
    }
}

impl Credential {
    /// `member_key` sealed under a passphrase (which must be strong: [`check_strength`]).
    pub fn passphrase(
        keyring: &Keyring,
        member: &str,
        member_key: &SecretKey,
        passphrase: &str,
        kdf: KdfParams,
    ) -> Result<Credential> {
        kdf.validate()?;
        let salt = random_salt()?;
        let kek = derive_kek(passphrase, &salt, kdf)?;
        let spec = Kek::Passphrase {
            kdf,
            salt: hex::encode(salt),
        };
        seal(keyring, member, member_key, &kek, spec)
    }

    /// `member_key` sealed under a PIN together with a new platform secret. Calls the platform:
    /// never while a database lock is held.
    pub fn pin(
        keyring: &Keyring,
        member: &str,
        member_key: &SecretKey,
        pin: &str,
        kdf: KdfParams,
        platform: &dyn PlatformKeyStore,
    ) -> Result<Credential> {
        check_pin(pin)?;
        kdf.validate()?;
        let (alias, secret, blob) = new_platform_secret(keyring, member, "pin", platform)?;
        let salt = random_salt()?;
        let kek = combine(&derive_kek(pin, &salt, kdf)?, &secret);
        let spec = Kek::PinAndPlatform {
            kdf,
            salt: hex::encode(salt),
            alias,
            blob,
        };
        seal(keyring, member, member_key, &kek, spec)
    }

    /// `member_key` sealed under a new platform secret (biometric unlock).
    pub fn platform(
        keyring: &Keyring,
        member: &str,
        member_key: &SecretKey,
        platform: &dyn PlatformKeyStore,
    ) -> Result<Credential> {
        let (alias, secret, blob) = new_platform_secret(keyring, member, "bio", platform)?;
        let kek = secret.derive(b"phr-core platform credential v1");
        seal(
            keyring,
            member,
            member_key,
            &kek,
            Kek::Platform { alias, blob },
        )
    }

    /// The member key, if `how` is this credential's kind and opens it.
    pub fn open(
        &self,
        keyring: &Keyring,
        member: &str,
        how: &Unlock<'_>,
    ) -> Result<Option<SecretKey>> {
        let Some(kek) = self.kek.derive(how)? else {
            return Ok(None);
        };
        let nonce = decode(&self.nonce)?;
        let ct = decode(&self.ciphertext)?;
        let ctx = keyring.context(member, Role::Credential(self.kek.kind()));
        open_wrapped(&kek, &nonce, &ct, &ctx)
    }
}

fn seal(
    keyring: &Keyring,
    member: &str,
    member_key: &SecretKey,
    kek: &SecretKey,
    spec: Kek,
) -> Result<Credential> {
    let ctx = keyring.context(member, Role::Credential(spec.kind()));
    let (nonce, ct) = seal_wrapped(kek, member_key, &ctx)?;
    Ok(Credential {
        kek: spec,
        nonce: hex::encode(nonce),
        ciphertext: hex::encode(ct),
    })
}

/// The PIN's Argon2id output and the platform secret, combined: neither alone gives the KEK.
fn combine(pin_key: &SecretKey, platform_secret: &SecretKey) -> SecretKey {
    let mut ikm = Zeroizing::new([0u8; 64]);
    ikm[..32].copy_from_slice(pin_key.expose());
    ikm[32..].copy_from_slice(platform_secret.expose());
    SecretKey::hkdf(&ikm[..], b"phr-core pin and platform v1")
}

fn new_platform_secret(
    keyring: &Keyring,
    member: &str,
    kind: &str,
    platform: &dyn PlatformKeyStore,
) -> Result<(String, SecretKey, String)> {
    let alias = format!("phr-core.{}.{member}.{kind}", keyring.store_id);
    let secret = SecretKey::generate()?;
    let blob = platform
        .wrap(&alias, secret.expose())
        .map_err(platform_error)?;
    Ok((alias, secret, hex::encode(blob)))
}

fn platform_secret(platform: &dyn PlatformKeyStore, alias: &str, blob: &str) -> Result<SecretKey> {
    let blob = decode(blob)?;
    let plain = Zeroizing::new(platform.unwrap(alias, &blob).map_err(platform_error)?);
    SecretKey::from_slice(&plain).ok_or(Error::PlatformKeyRejected)
}

pub(crate) fn platform_error(e: PlatformKeyError) -> Error {
    match e {
        PlatformKeyError::Failure(msg) => {
            Error::Storage(StorageFailure::new("platform-keystore", msg))
        }
        _ => Error::PlatformKeyRejected,
    }
}

fn random_salt() -> Result<[u8; 16]> {
    let mut salt = [0u8; 16];
    fill_random(&mut salt)?;
    Ok(salt)
}

fn decode(s: &str) -> Result<Vec<u8>> {
    hex::decode(s).map_err(|_| unreadable())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_passphrases_are_refused_with_a_hint_and_strong_ones_pass() {
        for weak in ["123456", "password1", "hanako1975", "qwertyuiop"] {
            match check_strength("passphrase", weak) {
                Err(Error::WeakPassphrase { field, hint }) => {
                    assert_eq!(field, "passphrase");
                    assert!(hint.contains("words"), "{hint}");
                }
                other => panic!("{weak:?} was accepted: {other:?}"),
            }
        }
        for strong in [
            "correct horse battery staple",
            "tsukimi dango hidden in the kura",
        ] {
            check_strength("passphrase", strong).unwrap();
        }
    }
}
