//! Test hooks: fault injection, stores at old schema versions, tampering that bypasses the
//! audit chain. Hidden from the docs and never used by the product.

pub use super::checkpoint::{CHECKPOINT_FRAMES, HARD_LIMIT_FRAMES};
pub use super::rotate::CRASH_AFTER_STEP;
pub use super::schema::MIGRATIONS;
pub use super::wal_counts::WalIndex;

use super::checkpoint_hooks::Hooks;
use super::open::create_files;
use super::schema::SCHEMA_VERSION;
use super::vault::{Store, lock};
use crate::crypto::KdfParams;
use crate::error::{Error, Result};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// Create a locked store in `dir` whose database stands at schema `version` (migrations
/// `MIGRATIONS[..version]` applied, nothing else written), as an older build would have left it.
pub fn create_at_version(
    dir: impl AsRef<Path>,
    passphrase: &str,
    kdf: KdfParams,
    version: i64,
) -> Result<()> {
    if !(0..=SCHEMA_VERSION).contains(&version) {
        return Err(Error::invalid("version", "no such schema version"));
    }
    let (_files, _key, conn, _keyring) = create_files(dir, passphrase, kdf, version)?;
    conn.close().map_err(|(_, e)| Error::from(e))
}

/// [`create_at_version`], then `sql` run on the database at that version (rows an older build
/// would have written), before it is closed.
pub fn create_at_version_with(
    dir: impl AsRef<Path>,
    passphrase: &str,
    kdf: KdfParams,
    version: i64,
    sql: &str,
) -> Result<()> {
    if !(0..=SCHEMA_VERSION).contains(&version) {
        return Err(Error::invalid("version", "no such schema version"));
    }
    let (_files, _key, conn, _keyring) = create_files(dir, passphrase, kdf, version)?;
    conn.execute_batch(sql)?;
    conn.close().map_err(|(_, e)| Error::from(e))
}

/// Run `sql` on the writer connection, outside any audited write: simulates someone who holds
/// the data key editing the file directly.
pub fn raw_sql(store: &Store, sql: &str) -> Result<()> {
    let guard = store.inner()?;
    let inner = guard.as_ref().ok_or(Error::Locked)?;
    let conn = lock(&inner.writer)?;
    conn.execute_batch(sql)?;
    Ok(())
}

/// Run raw SQL on a session's writer connection, bypassing authorization and audit: for tests
/// that tamper with the database on purpose.
pub fn session_raw_sql(session: &crate::Session, sql: &str) -> Result<()> {
    raw_sql(session.store(), sql)
}

/// Control over the background checkpoints of one unlocked store (until it is locked).
/// Dropping it releases a hold, so a failing test does not hang in `lock()` or the store's drop.
pub struct CheckpointHooks(Arc<Hooks>);

/// The checkpoint hooks of `store`: all off until set.
pub fn checkpoint_hooks(store: &Store) -> Result<CheckpointHooks> {
    let guard = store.inner()?;
    let inner = guard.as_ref().ok_or(Error::Locked)?;
    Ok(CheckpointHooks(inner.checkpointer.hooks()))
}

impl CheckpointHooks {
    /// Keep background checkpoints waiting before they start (at most 30 s each).
    pub fn hold(&self) {
        self.0.set_hold(true);
    }

    /// Let held checkpoints go on.
    pub fn release(&self) {
        self.0.set_hold(false);
    }

    /// Wait until a background checkpoint thread is being held, at most `timeout`.
    pub fn wait_until_held(&self, timeout: Duration) -> bool {
        self.0.wait_until_held(timeout)
    }

    /// Wait until some call (lock, rotation, backup, drop, a commit past the hard limit) has
    /// begun to wait for a running background checkpoint, at most `timeout`.
    pub fn wait_until_waited_for(&self, timeout: Duration) -> bool {
        self.0.wait_until_waited_for(timeout)
    }

    /// Make background checkpoints fail without copying anything.
    pub fn fail_checkpoints(&self, fail: bool) {
        self.0.set_fail(fail);
    }

    /// Behave as if no checkpoint thread could be started.
    pub fn refuse_threads(&self, refuse: bool) {
        self.0.set_refuse_threads(refuse);
    }

    /// Whether the store's checkpointer and every checkpoint thread are gone (only these hooks
    /// remain): true once the store is locked or dropped.
    pub fn store_has_let_go(&self) -> bool {
        Arc::strong_count(&self.0) == 1
    }
}

impl Drop for CheckpointHooks {
    fn drop(&mut self) {
        self.0.set_hold(false);
    }
}

/// Wait for the running background checkpoint of `store`, if any.
pub fn wait_for_checkpoint(store: &Store) -> Result<()> {
    let guard = store.inner()?;
    let inner = guard.as_ref().ok_or(Error::Locked)?;
    if let Some(conn) = inner.checkpointer.wait() {
        inner.give_back(conn);
    }
    Ok(())
}

/// Background checkpoints `store` has started since it was unlocked.
pub fn checkpoints_started(store: &Store) -> Result<u64> {
    let guard = store.inner()?;
    let inner = guard.as_ref().ok_or(Error::Locked)?;
    Ok(inner.checkpointer.started())
}

/// What SQLite last told `store` about its WAL (wal hook, checkpoint results): frames in the WAL
/// since it was last started, and how many of them are in the database file.
pub fn wal_index(store: &Store) -> Result<WalIndex> {
    let guard = store.inner()?;
    let inner = guard.as_ref().ok_or(Error::Locked)?;
    Ok(inner.checkpointer.wal())
}

/// The store's raw transactions, for the store's own behaviour tests (the product writes only
/// through the Session, which authorizes and audits).
pub trait RawStore {
    /// [`Store::write_as`]: one IMMEDIATE transaction on the writer.
    fn raw_write<T>(
        &self,
        actor: &str,
        f: impl FnOnce(&super::WriteCtx<'_>) -> Result<T>,
    ) -> Result<T>;
    /// [`Store::read`]: one read transaction on a reader.
    fn raw_read<T>(&self, f: impl FnOnce(&rusqlite::Connection) -> Result<T>) -> Result<T>;
}

impl RawStore for Store {
    fn raw_write<T>(
        &self,
        actor: &str,
        f: impl FnOnce(&super::WriteCtx<'_>) -> Result<T>,
    ) -> Result<T> {
        self.write_as(actor, f)
    }
    fn raw_read<T>(&self, f: impl FnOnce(&rusqlite::Connection) -> Result<T>) -> Result<T> {
        self.read(f)
    }
}

impl<'a> super::WriteCtx<'a> {
    /// The open transaction.
    pub fn tx(&self) -> &'a rusqlite::Transaction<'a> {
        self.tx
    }
}

/// Replace an unlocked store's keyring by one of format 1 (before members): the data key
/// wrapped under `passphrase` with PBKDF2-HMAC-SHA256, as an older build wrote it. For the
/// upgrade test.
pub fn rewrite_keyring_as_format_1(store: &Store, passphrase: &str) -> Result<()> {
    let guard = store.inner()?;
    let inner = guard.as_ref().ok_or(Error::Locked)?;
    let keyring = super::keyring::Keyring::load(&store.files().keyring)?;
    let mut salt = [0u8; 16];
    crate::crypto::fill_random(&mut salt)?;
    let iterations = 10_000;
    let kek = crate::crypto::derive_kek_pbkdf2(passphrase, &salt, iterations)?;
    let ctx = format!(
        "phr-keyring/v1/{}/{}/passphrase",
        keyring.store_id, inner.generation
    );
    let (nonce, ct) = crate::crypto::seal_wrapped(&kek, &inner.key, ctx.as_bytes())?;
    let v1 = serde_json::json!({
        "format": 1,
        "store_id": keyring.store_id,
        "db_salt": keyring.db_salt,
        "slots": [{ "generation": inner.generation, "wraps": [{
            "kek": "passphrase", "kdf": "pbkdf2-hmac-sha256", "iterations": iterations,
            "salt": hex::encode(salt), "nonce": hex::encode(nonce), "ciphertext": hex::encode(ct),
        }]}],
    });
    std::fs::write(
        &store.files().keyring,
        serde_json::to_vec_pretty(&v1).unwrap_or_default(),
    )?;
    Ok(())
}
