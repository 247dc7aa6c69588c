//! An unlocked store: one writer connection, a pool of readers, the data key in wiped memory.

use super::checkpoint::Checkpointer;
use super::connection::open_reader;
use super::files::{DEVICE_ACTOR, STORE_SUBJECT, StoreFiles, validate_passphrase};
use super::keyring::{KeySlot, Keyring, PendingChange, Wrap};
use super::platform::PlatformKeyStore;
use crate::audit::{self, AuditAction, AuditEntry, AuditKeys, AuditReport, NewAuditEntry};
use crate::clock::Clock;
use crate::crypto::{KdfParams, SecretKey};
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, Transaction, TransactionBehavior};
use std::path::Path;
use std::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard};

/// An unlocked PHR Core store. All methods are safe to call from several threads; there is
/// exactly one writer connection (serialised) and readers see consistent snapshots.
pub struct Store {
    files: StoreFiles,
    store_id: String,
    /// Every "now" of this store and its session (clock.rs).
    clock: Clock,
    inner: RwLock<Option<Inner>>,
    /// Opened read-only (its files cannot be written): reads work, writes are refused with
    /// [`Error::ReadOnly`], and the audit entries reads would append are kept here, unwritten.
    read_only: bool,
    unwritten: Mutex<Vec<AuditAction>>,
}

pub(crate) struct Inner {
    pub key: SecretKey,
    pub generation: u32,
    pub writer: Mutex<Connection>,
    pub readers: Mutex<Vec<Connection>>,
    pub audit: AuditKeys,
    pub read_only: bool,
    /// Runs the WAL checkpoints, off the writing call's path (checkpoint.rs).
    pub checkpointer: Checkpointer,
}

impl Inner {
    /// A reader connection: a pooled one, or a new one.
    fn take_reader(&self, database: &Path) -> Result<Connection> {
        let pooled = lock(&self.readers)?.pop();
        match pooled {
            Some(c) => Ok(c),
            None => open_reader(database, &self.key, self.read_only),
        }
    }

    /// Keep a connection for later reads, up to [`MAX_IDLE_READERS`]; close the others.
    pub(crate) fn give_back(&self, conn: Connection) {
        if let Ok(mut pool) = lock(&self.readers)
            && pool.len() < MAX_IDLE_READERS
        {
            pool.push(conn);
        }
    }

    /// After a commit on the writer (`writer` still held): start a checkpoint if one is due.
    pub(crate) fn after_commit(&self, writer: &Connection, database: &Path) {
        if self.read_only {
            return;
        }
        self.checkpointer.after_commit(
            writer,
            || self.take_reader(database),
            |conn| self.give_back(conn),
        );
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        // The checkpoint thread's connection holds the key inside SQLCipher: it is closed before
        // the data key is wiped, and no thread outlives the unlocked store.
        drop(self.checkpointer.wait());
    }
}

/// What a write closure gets: the open transaction and a way to append its audit entry.
pub struct WriteCtx<'a> {
    pub(crate) tx: &'a Transaction<'a>,
    pub(crate) audit_keys: &'a AuditKeys,
    pub(crate) now: DateTime<Utc>,
    /// A read-only store: audit entries are kept here (not written) instead.
    pub(crate) unwritten: Option<&'a Mutex<Vec<AuditAction>>>,
}

impl WriteCtx<'_> {
    /// Append an audit entry in this same transaction (on a read-only store: keep it in memory,
    /// reported by [`Store::unwritten_audit_entries`]; returns 0).
    pub fn audit(&self, entry: NewAuditEntry<'_>) -> Result<i64> {
        if let Some(queue) = self.unwritten {
            lock(queue)?.push(entry.action);
            return Ok(0);
        }
        audit::append(self.tx, self.audit_keys, &entry, self.now)
    }
}

const MAX_IDLE_READERS: usize = 4;

impl Store {
    pub(crate) fn from_parts(
        files: StoreFiles,
        key: SecretKey,
        mut conn: Connection,
        generation: u32,
        store_id: String,
    ) -> Result<Store> {
        let read_only = super::connection::is_read_only(&conn);
        let mut audit = AuditKeys::load(&conn)?;
        if audit.is_empty() && read_only {
            return Err(Error::ReadOnly);
        }
        if audit.is_empty() {
            // A store whose creation was interrupted before its first audit epoch (or one
            // migrated from before the audit existed): complete what `create` writes.
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "INSERT OR IGNORE INTO store_meta (key, value) VALUES ('store_id', ?1)",
                [&store_id],
            )?;
            AuditKeys::start_epoch(&tx, &key)?;
            tx.commit()?;
            audit = AuditKeys::load(&conn)?;
        }
        let checkpointer = Checkpointer::new();
        checkpointer.install(&mut conn)?;
        Ok(Store {
            files,
            store_id,
            clock: Clock::from_environment(),
            inner: RwLock::new(Some(Inner {
                key,
                generation,
                writer: Mutex::new(conn),
                readers: Mutex::new(vec![]),
                audit,
                read_only,
                checkpointer,
            })),
            read_only,
            unwritten: Mutex::new(vec![]),
        })
    }

    /// The folder and files of this store.
    pub fn files(&self) -> &StoreFiles {
        &self.files
    }

    /// The clock every decision of this store reads.
    pub(crate) fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Whether the store was opened read-only (its files cannot be written): reads work, every
    /// change is refused with [`Error::ReadOnly`].
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// On a read-only store: the audit entries (their actions) that could not be written, in
    /// order. Empty on a writable store.
    pub fn unwritten_audit_entries(&self) -> Vec<&'static str> {
        lock(&self.unwritten)
            .map(|q| q.iter().map(|a| a.as_str()).collect())
            .unwrap_or_default()
    }

    /// The random id of this store (not secret; names the platform key alias).
    pub fn store_id(&self) -> &str {
        &self.store_id
    }

    pub(crate) fn inner(&self) -> Result<RwLockReadGuard<'_, Option<Inner>>> {
        let guard = self.inner.read().map_err(|_| Error::Locked)?;
        if guard.is_none() {
            return Err(Error::Locked);
        }
        Ok(guard)
    }

    pub(crate) fn inner_mut(&self) -> Result<std::sync::RwLockWriteGuard<'_, Option<Inner>>> {
        let guard = self.inner.write().map_err(|_| Error::Locked)?;
        if guard.is_none() {
            return Err(Error::Locked);
        }
        Ok(guard)
    }

    /// Run `f` in one IMMEDIATE transaction on the writer connection; commit if it returns Ok.
    /// `actor` is unused here but names who asked, for symmetry with the audit entry `f` writes.
    pub(crate) fn write_as<T>(
        &self,
        _actor: &str,
        f: impl FnOnce(&WriteCtx<'_>) -> Result<T>,
    ) -> Result<T> {
        let guard = self.inner()?;
        let inner = guard.as_ref().ok_or(Error::Locked)?;
        let mut conn = lock(&inner.writer)?;
        let behavior = if self.read_only {
            // Writes inside fail as SQLITE_READONLY (Error::ReadOnly); audit entries are kept.
            TransactionBehavior::Deferred
        } else {
            TransactionBehavior::Immediate
        };
        let tx = conn.transaction_with_behavior(behavior)?;
        let ctx = WriteCtx {
            tx: &tx,
            audit_keys: &inner.audit,
            now: self.clock.now(),
            unwritten: self.read_only.then_some(&self.unwritten),
        };
        let out = f(&ctx)?;
        tx.commit()?;
        inner.after_commit(&conn, &self.files.database);
        Ok(out)
    }

    /// Run `f` on a reader connection inside one read transaction (a consistent snapshot).
    pub(crate) fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let guard = self.inner()?;
        let inner = guard.as_ref().ok_or(Error::Locked)?;
        let conn = inner.take_reader(&self.files.database)?;
        conn.execute_batch("BEGIN DEFERRED")?;
        let out = f(&conn);
        let end = conn.execute_batch(if out.is_ok() { "COMMIT" } else { "ROLLBACK" });
        if end.is_ok() {
            inner.give_back(conn);
        }
        let out = out?;
        end?;
        Ok(out)
    }

    /// Close every connection and wipe the keys. Every later call returns [`Error::Locked`].
    pub fn lock(&self) -> Result<()> {
        let mut guard = self.inner_mut()?;
        if let Some(inner) = guard.as_ref() {
            // No checkpoint may run into the TRUNCATE below, nor outlive the key.
            drop(inner.checkpointer.wait());
            if self.read_only {
                lock(&self.unwritten)?.push(AuditAction::Lock);
                *guard = None;
                return Ok(());
            }
            let mut conn = lock(&inner.writer)?;
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            audit::append(
                &tx,
                &inner.audit,
                &store_entry(AuditAction::Lock),
                self.clock.now(),
            )?;
            tx.commit()?;
            // Fold the WAL back so no file but the database itself holds pages.
            let _ = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)");
        }
        // Dropping `Inner` closes the connections and zeroizes the data key.
        *guard = None;
        Ok(())
    }

    /// Whether [`Store::lock`] has been called.
    pub fn is_locked(&self) -> bool {
        self.inner.read().map(|g| g.is_none()).unwrap_or(true)
    }

    /// Change the passphrase: re-wrap the data key only, so the time does not depend on the
    /// size of the database. The old passphrase is required.
    pub fn change_passphrase(&self, old: &str, new: &str, kdf: KdfParams) -> Result<()> {
        validate_passphrase("new_passphrase", new)?;
        kdf.validate()?;
        let guard = self.inner()?;
        let inner = guard.as_ref().ok_or(Error::Locked)?;
        let mut keyring = Keyring::load(&self.files.keyring)?;
        let current = keyring.unwrap_with_passphrase(old)?;
        if !current.iter().any(|(g, _)| *g == inner.generation) {
            return Err(Error::WrongPassphrase);
        }
        let wrap = keyring.passphrase_wrap(inner.generation, &inner.key, new, kdf)?;
        let before = keyring.clone();
        replace_wrap(&mut keyring, inner.generation, wrap, |w| {
            matches!(w, Wrap::Passphrase { .. })
        });
        self.change_keyring(
            inner,
            &before,
            keyring.slots,
            AuditAction::PassphraseChanged,
        )
    }

    /// Also allow unlocking with a key held by the platform keystore.
    pub fn enroll_platform_key(&self, platform: &dyn PlatformKeyStore) -> Result<()> {
        let guard = self.inner()?;
        let inner = guard.as_ref().ok_or(Error::Locked)?;
        let mut keyring = Keyring::load(&self.files.keyring)?;
        // Never call foreign code while holding a database lock: wrap first.
        let wrap = keyring.platform_wrap(&inner.key, platform)?;
        let before = keyring.clone();
        replace_wrap(&mut keyring, inner.generation, wrap, |w| {
            matches!(w, Wrap::Platform { .. })
        });
        self.change_keyring(
            inner,
            &before,
            keyring.slots,
            AuditAction::PlatformKeyEnrolled,
        )
    }

    /// Whether the keyring has a platform-keystore wrap.
    pub fn has_platform_key(&self) -> Result<bool> {
        let _unlocked = self.inner()?;
        Ok(Keyring::load(&self.files.keyring)?.has_platform_wrap())
    }

    /// Replace the keyring's slots by `slots`, with `action`'s audit entry, as one decision:
    ///
    /// 1. In one write transaction (which also keeps any other process's keyring change and the
    ///    settling at unlock out): the keyring is saved with the new slots as a pending change
    ///    under a random id; the audit entry and `store_meta.keyring_change = id` are written;
    ///    the transaction commits. The commit is the decision: from then on the new slots are the
    ///    keyring, before it the old ones are (unlock settles a pending change by that id).
    /// 2. The keyring is saved with the new slots only.
    ///
    /// Any error before the commit restores the old keyring and reports it (the old passphrase
    /// still opens the store); once committed the change is reported done, even if the second
    /// save fails (the pending change is settled by the next unlock).
    fn change_keyring(
        &self,
        inner: &Inner,
        before: &Keyring,
        slots: Vec<KeySlot>,
        action: AuditAction,
    ) -> Result<()> {
        if self.read_only {
            return Err(Error::ReadOnly);
        }
        let id = uuid::Uuid::new_v4().simple().to_string();
        let mut conn = lock(&inner.writer)?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Another process may have changed the keyring since it was read and wrapped.
        if !Keyring::load(&self.files.keyring)?.same_as(before) {
            return Err(Error::Busy);
        }
        let mut pending = before.clone();
        pending.pending = Some(PendingChange {
            id: id.clone(),
            slots: slots.clone(),
        });
        pending.save(&self.files.keyring)?;
        let decided = (|| -> Result<()> {
            super::crash::point("passphrase.pending_saved");
            audit::append(&tx, &inner.audit, &store_entry(action), self.clock.now())?;
            tx.execute(
                "INSERT OR REPLACE INTO store_meta (key, value) VALUES ('keyring_change', ?1)",
                [&id],
            )?;
            Ok(())
        })()
        .and_then(|()| Ok(tx.commit()?));
        if let Err(e) = decided {
            // Not committed: the old slots stand. Put the old keyring back; should that fail too,
            // the pending change's id is not in the database and unlock settles it the same way.
            let _ = before.save(&self.files.keyring);
            return Err(e);
        }
        super::crash::point("passphrase.committed");
        let mut done = before.clone();
        done.slots = slots;
        // Committed: done, whatever this save says (unlock settles a pending change left here).
        let _ = done.save(&self.files.keyring);
        inner.after_commit(&conn, &self.files.database);
        Ok(())
    }

    /// Verify the whole audit chain.
    pub fn verify_audit(&self) -> Result<AuditReport> {
        self.read(audit::verify)
    }

    /// Audit entries, newest first; `subject` narrows to one person's record.
    pub fn audit_entries(
        &self,
        subject: Option<&str>,
        limit: u32,
        before_seq: Option<i64>,
    ) -> Result<Vec<AuditEntry>> {
        self.read(|c| audit::list(c, subject, limit, before_seq))
    }
}

pub(crate) fn store_entry(action: AuditAction) -> NewAuditEntry<'static> {
    NewAuditEntry {
        actor: DEVICE_ACTOR,
        subject: STORE_SUBJECT,
        action,
        record_ids: &[],
        delegation: None,
    }
}

fn replace_wrap(
    keyring: &mut Keyring,
    generation: u32,
    wrap: Wrap,
    same_kind: impl Fn(&Wrap) -> bool,
) {
    match keyring
        .slots
        .iter_mut()
        .find(|s| s.generation == generation)
    {
        Some(slot) => {
            slot.wraps.retain(|w| !same_kind(w));
            slot.wraps.push(wrap);
        }
        None => keyring.slots.push(KeySlot {
            generation,
            wraps: vec![wrap],
        }),
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> Result<MutexGuard<'_, T>> {
    // A poisoned mutex means a panic mid-operation; SQLite rolled the transaction back.
    Ok(m.lock().unwrap_or_else(|p| p.into_inner()))
}
