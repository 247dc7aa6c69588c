//! Rotating the data key with `PRAGMA rekey`, crash-safe.
//!
//! 1. The keyring gets a second slot granting the new key to every member, with its escrow
//!    (atomic file replace), so from here on
//!    the keyring opens the database whether or not the rekey has happened.
//! 2. The database is re-encrypted in place (`PRAGMA rekey`, one SQLite transaction: a crash rolls
//!    it back to the old key through the journal). SQLCipher cannot rekey in WAL mode, so the
//!    journal is switched to DELETE around it. SQLCipher keeps the salt, so the keyring still
//!    names this database.
//! 3. The audit chain starts an epoch keyed from the new key, and the old slot is dropped.
//!
//! Unlock tries every slot; if it finds two, it finishes (or abandons) the rotation: see
//! [`finish_interrupted`].

use super::connection::apply_writer_pragmas;
use super::files::Unlock;
use super::keyring::Keyring;
use super::vault::{Store, lock, store_entry};
use crate::audit::{self, AuditAction, AuditKeys};
use crate::crypto::SecretKey;
use crate::error::{Error, Result};
use rusqlite::TransactionBehavior;

/// Test hook: stop (as if the process died) after the numbered step.
#[cfg(feature = "test-hooks")]
pub static CRASH_AFTER_STEP: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(0);

#[cfg(feature = "test-hooks")]
fn crash_point(step: u8) -> Result<()> {
    if CRASH_AFTER_STEP.load(std::sync::atomic::Ordering::SeqCst) == step {
        return Err(Error::Storage(crate::error::StorageFailure::new(
            "test",
            "simulated crash",
        )));
    }
    Ok(())
}

#[cfg(not(feature = "test-hooks"))]
#[inline(always)]
fn crash_point(_step: u8) -> Result<()> {
    Ok(())
}

impl Store {
    /// Replace the data key: the database is re-encrypted under a new one, given to every member
    /// through the escrow (`keyring.rs`), so each keeps their own credentials, and an older copy
    /// of the keyring opens nothing any more. `current` is the unlocked member's credential.
    pub fn rotate_data_key(&self, current: &Unlock<'_>) -> Result<()> {
        self.rotate_data_key_of(self.member(), current)
    }

    /// [`Store::rotate_data_key`], `current` being keyring member `member`'s credential.
    pub(crate) fn rotate_data_key_of(&self, member: &str, current: &Unlock<'_>) -> Result<()> {
        let mut keyring = Keyring::load(&self.files().keyring)?;
        if !super::members::credential_opens(&keyring, member, current)? {
            return Err(current.rejected());
        }
        let (old_generation, member_keys) = {
            let guard = self.inner()?;
            let inner = guard.as_ref().ok_or(Error::Locked)?;
            let keys = keyring.member_keys(inner.generation, &inner.key)?;
            (inner.generation, keys)
        };
        let new_key = SecretKey::generate()?;
        let new_generation = keyring.newest_generation() + 1;
        let (slot, escrow) = keyring.slot_for(new_generation, &new_key, &member_keys)?;
        keyring
            .keys
            .slots
            .retain(|s| s.generation == old_generation);
        keyring
            .keys
            .escrow
            .retain(|e| e.generation == Some(old_generation));
        keyring.keys.slots.push(slot);
        keyring.keys.escrow.extend(escrow);
        // Step 1: both keys in the keyring.
        keyring.save(&self.files().keyring)?;
        crash_point(1)?;

        let mut guard = self.inner_mut()?;
        let inner = guard.as_mut().ok_or(Error::Locked)?;
        // A checkpoint must not run into the journal-mode switch and the rekey; its connection,
        // like the pooled readers, holds the old key.
        drop(inner.checkpointer.wait());
        lock(&inner.readers)?.clear();
        {
            // Step 2: re-encrypt the database.
            let mut conn = lock(&inner.writer)?;
            conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")?;
            let mode: String = conn.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))?;
            if !mode.eq_ignore_ascii_case("delete") {
                return Err(Error::Storage(crate::error::StorageFailure::new(
                    "sqlite",
                    "could not leave WAL mode",
                )));
            }
            let mut sql = zeroize::Zeroizing::new(String::from("PRAGMA rekey = \""));
            sql.push_str(&new_key.sqlcipher_literal());
            sql.push_str("\";");
            conn.execute_batch(&sql)?;
            crash_point(2)?;
            apply_writer_pragmas(&conn)?;
            // `wal_autocheckpoint` (in those pragmas) replaced the writer's wal hook.
            inner.checkpointer.install(&mut conn)?;
        }
        inner.key = new_key;
        inner.generation = new_generation;
        drop(guard);
        // Step 3: audit epoch for the new key, then forget the old slot.
        finish(self, keyring, new_generation)
    }
}

/// Record the rotation in the audit chain (new epoch) and leave only the new slot.
fn finish(store: &Store, mut keyring: Keyring, generation: u32) -> Result<()> {
    let mut guard = store.inner_mut()?;
    let inner = guard.as_mut().ok_or(Error::Locked)?;
    {
        let mut conn = lock(&inner.writer)?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current = inner.key.derive(b"phr-core audit chain v1");
        let latest: Vec<u8> = tx.query_row(
            "SELECT key FROM audit_key ORDER BY epoch DESC LIMIT 1",
            [],
            |r| r.get(0),
        )?;
        if latest[..] != current.expose()[..] {
            AuditKeys::start_epoch(&tx, &inner.key)?;
            let keys = AuditKeys::load(&tx)?;
            audit::append(
                &tx,
                &keys,
                &store_entry(AuditAction::DataKeyRotated),
                store.now(),
            )?;
        }
        tx.commit()?;
        inner.after_commit(&conn, &store.files().database);
        inner.audit = AuditKeys::load(&conn)?;
    }
    keep_only(&mut keyring, generation);
    keyring.save(&store.files().keyring)
}

fn keep_only(keyring: &mut Keyring, generation: u32) {
    keyring.keys.slots.retain(|s| s.generation == generation);
    keyring
        .keys
        .escrow
        .retain(|e| e.generation == Some(generation));
}

/// Unlock found a keyring with two slots: a rotation was interrupted. If the new key opened the
/// database the rekey happened: finish it. If the old key did, the rekey rolled back: drop the
/// unused new slot.
pub(crate) fn finish_interrupted(
    store: &Store,
    keyring: Keyring,
    opened_generation: u32,
) -> Result<()> {
    if opened_generation == keyring.newest_generation() {
        finish(store, keyring, opened_generation)
    } else {
        let mut keyring = keyring;
        keep_only(&mut keyring, opened_generation);
        keyring.save(&store.files().keyring)
    }
}
