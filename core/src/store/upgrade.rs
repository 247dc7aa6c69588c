//! A format-1 keyring, met at a successful unlock, becomes format 2: the owner gets a member
//! key sealed under the credential they just unlocked with (their passphrase now under
//! Argon2id), the data key is granted to that member key. The new keyring opens the same data
//! key, so it replaces the old one by an atomic save: a crash leaves one or the other. Only a
//! passphrase upgrades (the one credential both formats share): a format-1 platform wrap is not
//! carried over, and the app turns biometric unlock on again.

use super::files::{StoreFiles, Unlock};
use super::keyring::Keyring;
use super::legacy::KeyringV1;
use crate::crypto::{KdfParams, SecretKey};
use crate::error::{Error, Result};

pub(crate) fn from_v1(
    files: &StoreFiles,
    v1: &KeyringV1,
    data_key: &SecretKey,
    generation: u32,
    how: &Unlock<'_>,
) -> Result<Keyring> {
    if !matches!(how, Unlock::Passphrase(_)) {
        return Err(Error::invalid(
            "unlock",
            "this store's keyring is from an older version: unlock once with the passphrase to upgrade it",
        ));
    }
    let salt = v1.db_salt_bytes().ok_or(Error::CorruptStore {
        reason: "the keyring file phr.keyring is unreadable",
    })?;
    let mut k = super::members::first_keyring(
        v1.store_id.clone(),
        salt,
        data_key,
        how,
        KdfParams::calibrated(),
    )?;
    if generation != 1 {
        let member_keys = k.member_keys(1, data_key)?;
        let (slot, escrow) = k.slot_for(generation, data_key, &member_keys)?;
        k.keys.slots = vec![slot];
        k.keys.escrow = escrow;
    }
    k.save(&files.keyring)?;
    Ok(k)
}
