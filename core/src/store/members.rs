//! The members of a store in its keyring: the first (the owner, with the store), a member
//! added later with their own credential, a credential added or replaced. Each function
//! returns the keyring's new [`Keys`]; writing them is `vault.rs`'s (one decision with its
//! audit entry). Platform calls happen here, before any database lock is taken.

use super::credential::Kek;
use super::files::Unlock;
use super::keyring::{Credential, Keyring, Keys, Member, OWNER};
use crate::crypto::{KdfParams, SecretKey};
use crate::error::{Error, Result};

/// The credential `how` describes, sealing `member_key` of `member`.
pub(crate) fn credential_for(
    keyring: &Keyring,
    member: &str,
    member_key: &SecretKey,
    how: &Unlock<'_>,
    kdf: KdfParams,
) -> Result<Credential> {
    match how {
        Unlock::Passphrase(p) => Credential::passphrase(keyring, member, member_key, p, kdf),
        Unlock::Pin(pin, platform) => {
            Credential::pin(keyring, member, member_key, pin, kdf, *platform)
        }
        Unlock::Platform(platform) => Credential::platform(keyring, member, member_key, *platform),
    }
}

/// A new keyring whose one member is the owner, unlocking with `credential`; data key
/// generation 1.
pub(crate) fn first_keyring(
    store_id: String,
    db_salt: [u8; 16],
    data_key: &SecretKey,
    credential: &Unlock<'_>,
    kdf: KdfParams,
) -> Result<Keyring> {
    let mut k = Keyring::new(store_id, db_salt);
    let member_key = SecretKey::generate()?;
    let c = credential_for(&k, OWNER, &member_key, credential, kdf)?;
    k.keys.members.push(Member {
        id: OWNER.to_owned(),
        tag: None,
        credentials: vec![c],
    });
    let (slot, escrow) = k.slot_for(1, data_key, &[(OWNER.to_owned(), member_key)])?;
    k.keys.slots.push(slot);
    k.keys.escrow = escrow;
    Ok(k)
}

/// The key of `member`, from the escrow of the unlocked data key.
fn member_key(
    keyring: &Keyring,
    member: &str,
    data_key: &SecretKey,
    generation: u32,
) -> Result<SecretKey> {
    keyring
        .member_keys(generation, data_key)?
        .into_iter()
        .find(|(m, _)| m == member)
        .map(|(_, k)| k)
        .ok_or_else(|| Error::not_found("member"))
}

/// The keys with a new member `id` (found by `nickname`) unlocking with `credential`.
pub(crate) fn with_member(
    keyring: &Keyring,
    (id, nickname): (&str, &str),
    credential: &Unlock<'_>,
    kdf: KdfParams,
    (data_key, generation): (&SecretKey, u32),
) -> Result<Keys> {
    if keyring.member(id).is_some() {
        return Err(Error::AlreadyExists {
            what: "member".into(),
        });
    }
    let tag = keyring.tag(nickname);
    if keyring
        .keys
        .members
        .iter()
        .any(|m| m.tag.as_deref() == Some(tag.as_str()))
    {
        return Err(Error::AlreadyExists {
            what: "member with this nickname".into(),
        });
    }
    let new_key = SecretKey::generate()?;
    let c = credential_for(keyring, id, &new_key, credential, kdf)?;
    let mut keys = keyring.keys.clone();
    keys.members.push(Member {
        id: id.to_owned(),
        tag: Some(tag),
        credentials: vec![c],
    });
    let mut all = keyring.member_keys(generation, data_key)?;
    all.push((id.to_owned(), new_key));
    let (slot, escrow) = keyring.slot_for(generation, data_key, &all)?;
    keys.slots = vec![slot];
    keys.escrow = escrow;
    Ok(keys)
}

/// The keys with `member`'s credentials of `credential`'s kind replaced by it (a passphrase
/// change; a platform or PIN enrolment).
pub(crate) fn with_credential(
    keyring: &Keyring,
    member: &str,
    credential: &Unlock<'_>,
    kdf: KdfParams,
    (data_key, generation): (&SecretKey, u32),
) -> Result<Keys> {
    let key = member_key(keyring, member, data_key, generation)?;
    let c = credential_for(keyring, member, &key, credential, kdf)?;
    let mut keys = keyring.keys.clone();
    let m = keys
        .members
        .iter_mut()
        .find(|m| m.id == member)
        .ok_or_else(|| Error::not_found("member"))?;
    let kind = c.kek.kind();
    m.credentials.retain(|old| old.kek.kind() != kind);
    m.credentials.push(c);
    Ok(keys)
}

/// The keys with `member` found by `nickname` from now on.
pub(crate) fn with_tag(keyring: &Keyring, member: &str, nickname: &str) -> Keys {
    let tag = keyring.tag(nickname);
    let mut keys = keyring.keys.clone();
    for m in keys.members.iter_mut().filter(|m| m.id == member) {
        m.tag = Some(tag.clone());
    }
    keys
}

/// Whether `how` opens `member`'s key (the current credential, before a change).
pub(crate) fn credential_opens(keyring: &Keyring, member: &str, how: &Unlock<'_>) -> Result<bool> {
    let Some(m) = keyring.member(member) else {
        return Ok(false);
    };
    for c in &m.credentials {
        if c.open(keyring, member, how)?.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The kinds of credential `member` has (for a UI: is biometric unlock on?).
pub(crate) fn kinds(keyring: &Keyring, member: &str) -> Vec<&'static str> {
    keyring
        .member(member)
        .map(|m| m.credentials.iter().map(|c| c.kek.kind()).collect())
        .unwrap_or_default()
}

/// A member's passphrase credential must stay: a PIN or biometric alone would lose the store
/// with the device's keystore.
pub(crate) fn has_knowledge_factor(keys: &Keys, member: &str) -> bool {
    keys.members
        .iter()
        .filter(|m| m.id == member)
        .flat_map(|m| &m.credentials)
        .any(|c| !matches!(c.kek, Kek::Platform { .. }))
}

/// The KDF cost `member`'s credentials were made with (a new credential of theirs gets the
/// same); the calibrated default when none has one.
pub(crate) fn kdf_of(keyring: &Keyring, member: &str) -> KdfParams {
    keyring
        .member(member)
        .into_iter()
        .flat_map(|m| &m.credentials)
        .find_map(|c| match &c.kek {
            Kek::Passphrase { kdf, .. } | Kek::PinAndPlatform { kdf, .. } => Some(*kdf),
            Kek::Platform { .. } => None,
        })
        .unwrap_or_else(KdfParams::calibrated)
}
