//! An unlocked store: one writer connection, a pool of readers, the data key in wiped memory.

use super::attempts::Attempts;
use super::checkpoint::Checkpointer;
use super::connection::open_reader;
use super::credential::check_strength;
use super::files::{DEVICE_ACTOR, STORE_SUBJECT, StoreFiles, Unlock};
use super::keyring::{Keyring, Keys, PendingChange};
use super::members;
use super::platform::PlatformKeyStore;
use crate::audit::{self, AuditAction, AuditEntry, AuditKeys, AuditReport, NewAuditEntry};
use crate::clock::Clock;
use crate::crypto::{KdfParams, SecretKey};
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior};
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
    /// The member whose credential unlocked the store (a person id, or `owner`).
    member: String,
    /// The latest instant this store has seen (unix seconds): its audit trail's newest entry at
    /// unlock, then every "now" read since. Decisions read max(clock, this): setting the
    /// device's date back revives no expired grant or consent.
    latest_seen: std::sync::atomic::AtomicI64,
    /// How far behind that instant the device clock was at unlock, when more than
    /// [`CLOCK_BEHIND_TOLERANCE`] seconds (recorded in the audit trail).
    clock_behind: Option<i64>,
}

/// A device clock this far behind the store's latest instant is reported (seconds).
pub const CLOCK_BEHIND_TOLERANCE: i64 = 600;

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
    /// An entry written here lands on an anchor point (`anchor.rs`): anchor after the commit.
    pub(crate) anchor_due: std::cell::Cell<bool>,
}

impl WriteCtx<'_> {
    /// Append an audit entry in this same transaction (on a read-only store: keep it in memory,
    /// reported by [`Store::unwritten_audit_entries`]; returns 0).
    pub fn audit(&self, entry: NewAuditEntry<'_>) -> Result<i64> {
        if let Some(queue) = self.unwritten {
            lock(queue)?.push(entry.action);
            return Ok(0);
        }
        let seq = audit::append(self.tx, self.audit_keys, &entry, self.now)?;
        if seq % super::anchor::ANCHOR_EVERY == 0 {
            self.anchor_due.set(true);
        }
        Ok(seq)
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
        member: String,
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
        let latest: Option<String> = conn
            .query_row(
                "SELECT at FROM audit_log ORDER BY seq DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?;
        let latest = latest
            .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
            .map_or(i64::MIN, |t| t.timestamp());
        let clock = Clock::from_environment();
        let behind = latest.saturating_sub(clock.now_seconds());
        let clock_behind = (behind > CLOCK_BEHIND_TOLERANCE).then_some(behind);
        let checkpointer = Checkpointer::new();
        checkpointer.install(&mut conn)?;
        Ok(Store {
            files,
            store_id,
            clock,
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
            member,
            latest_seen: std::sync::atomic::AtomicI64::new(latest),
            clock_behind,
        })
    }

    /// Now: the device clock, never behind the latest instant this store has seen.
    pub(crate) fn now(&self) -> DateTime<Utc> {
        use std::sync::atomic::Ordering;
        let clock = self.clock.now();
        let seen = self
            .latest_seen
            .fetch_max(clock.timestamp(), Ordering::SeqCst)
            .max(clock.timestamp());
        if seen > clock.timestamp() {
            DateTime::from_timestamp(seen, 0).unwrap_or(clock)
        } else {
            clock
        }
    }

    /// Test hook: forget the latest instant seen, so time may run from `at` on.
    #[cfg(feature = "test-hooks")]
    pub(crate) fn reset_latest_seen(&self, at: i64) {
        self.latest_seen
            .store(at, std::sync::atomic::Ordering::SeqCst);
    }

    /// How many seconds the device clock was behind the store's latest instant at unlock, if
    /// more than [`CLOCK_BEHIND_TOLERANCE`].
    pub fn clock_behind(&self) -> Option<i64> {
        self.clock_behind
    }

    /// The member whose credential unlocked the store: a person id, or `owner` (the device
    /// owner, whose credentials were made with the store).
    pub fn member(&self) -> &str {
        &self.member
    }

    /// The folder and files of this store.
    pub fn files(&self) -> &StoreFiles {
        &self.files
    }

    /// The device clock (decisions read [`Store::now`]).
    #[cfg(feature = "test-hooks")]
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
            now: self.now(),
            unwritten: self.read_only.then_some(&self.unwritten),
            anchor_due: std::cell::Cell::new(false),
        };
        let out = f(&ctx)?;
        let anchor_due = ctx.anchor_due.get();
        tx.commit()?;
        if anchor_due {
            // The write happened: an anchor that cannot be written now is written at lock.
            let _ = self.anchor(&mut conn);
        }
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
    /// The keys are dropped even when the `lock` audit entry or the anchor cannot be written
    /// (the error is then returned, the store locked all the same).
    pub fn lock(&self) -> Result<()> {
        let mut guard = self.inner_mut()?;
        let recorded = match guard.as_ref() {
            Some(inner) => self.record_lock(inner),
            None => Ok(()),
        };
        // Dropping `Inner` closes the connections and zeroizes the data key.
        *guard = None;
        recorded
    }

    fn record_lock(&self, inner: &Inner) -> Result<()> {
        // No checkpoint may run into the TRUNCATE below, nor outlive the key.
        drop(inner.checkpointer.wait());
        if self.read_only {
            lock(&self.unwritten)?.push(AuditAction::Lock);
            return Ok(());
        }
        let mut conn = lock(&inner.writer)?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        audit::append(
            &tx,
            &inner.audit,
            &store_entry(AuditAction::Lock),
            self.now(),
        )?;
        tx.commit()?;
        self.anchor(&mut conn)?;
        // Fold the WAL back so no file but the database itself holds pages.
        let _ = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)");
        Ok(())
    }

    /// Anchor the chain's head in the keyring (`anchor.rs`), holding the database's write lock
    /// so no keyring change of another process runs in between.
    pub(crate) fn anchor(&self, conn: &mut Connection) -> Result<()> {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // A format-1 keyring (upgraded at its next unlock) has no place for an anchor yet.
        let super::keyring::KeyringFile::Current(mut keyring) =
            super::keyring::KeyringFile::load(&self.files.keyring)?
        else {
            return Ok(());
        };
        let anchor = super::anchor::make(&keyring, &tx)?;
        if anchor.is_some() && keyring.anchor != anchor {
            keyring.anchor = anchor;
            keyring.save(&self.files.keyring)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Whether [`Store::lock`] has been called.
    pub fn is_locked(&self) -> bool {
        self.inner.read().map(|g| g.is_none()).unwrap_or(true)
    }

    /// Change the unlocked member's passphrase: their member key is sealed again, so the time
    /// does not depend on the size of the database. The current passphrase is required; the new
    /// one must be strong. An older copy of the keyring still opens the data with the old
    /// passphrase: [`Store::rotate_data_key`] (`--rotate-key`) closes that.
    pub fn change_passphrase(&self, old: &str, new: &str, kdf: KdfParams) -> Result<()> {
        self.change_passphrase_of(&self.member.clone(), old, new, kdf)
    }

    /// [`Store::change_passphrase`] of keyring member `member`.
    pub(crate) fn change_passphrase_of(
        &self,
        member: &str,
        old: &str,
        new: &str,
        kdf: KdfParams,
    ) -> Result<()> {
        check_strength("new_passphrase", new)?;
        kdf.validate()?;
        let member = member.to_owned();
        let (before, keys) = {
            let guard = self.inner()?;
            let inner = guard.as_ref().ok_or(Error::Locked)?;
            let keyring = Keyring::load(&self.files.keyring)?;
            if !members::credential_opens(&keyring, &member, &Unlock::Passphrase(old))? {
                return Err(Error::WrongPassphrase);
            }
            let at = (&inner.key, inner.generation);
            let keys =
                members::with_credential(&keyring, &member, &Unlock::Passphrase(new), kdf, at)?;
            (keyring, keys)
        };
        self.change_keyring(&before, keys, |w| {
            w.audit(store_entry(AuditAction::PassphraseChanged))
        })
        .map(|_| ())
    }

    /// Also let the unlocked member unlock with the platform keystore alone (biometric unlock),
    /// or, with `pin`, with a PIN together with it. Needs the open store, not the passphrase.
    pub fn enroll_platform_key(&self, platform: &dyn PlatformKeyStore) -> Result<()> {
        self.enroll(
            &self.member.clone(),
            &Unlock::Platform(platform),
            AuditAction::PlatformKeyEnrolled,
        )
    }

    /// Let the unlocked member unlock with a PIN together with the platform keystore's secret
    /// (the keyring file alone never lets the PIN be tried).
    pub fn set_pin(&self, pin: &str, platform: &dyn PlatformKeyStore) -> Result<()> {
        self.enroll(
            &self.member.clone(),
            &Unlock::Pin(pin, platform),
            AuditAction::PlatformKeyEnrolled,
        )
    }

    /// Add `credential` (a PIN with the platform, or the platform alone) to keyring member
    /// `member`'s credentials, replacing one of its kind.
    pub(crate) fn enroll(
        &self,
        member: &str,
        credential: &Unlock<'_>,
        action: AuditAction,
    ) -> Result<()> {
        let member = member.to_owned();
        // Never call foreign code while holding a database lock: seal first.
        let (before, keys) = self.keys_with(|keyring, at| {
            members::with_credential(
                keyring,
                &member,
                credential,
                members::kdf_of(keyring, &member),
                at,
            )
        })?;
        self.change_keyring(&before, keys, |w| w.audit(store_entry(action)))
            .map(|_| ())
    }

    /// New keys made by `f` from the current keyring and the unlocked data key (its generation),
    /// with no database lock held; the keyring they start from, to detect a change meanwhile.
    pub(crate) fn keys_with(
        &self,
        f: impl FnOnce(&Keyring, (&SecretKey, u32)) -> Result<Keys>,
    ) -> Result<(Keyring, Keys)> {
        let guard = self.inner()?;
        let inner = guard.as_ref().ok_or(Error::Locked)?;
        let keyring = Keyring::load(&self.files.keyring)?;
        let keys = f(&keyring, (&inner.key, inner.generation))?;
        Ok((keyring, keys))
    }

    /// Add member `id` (found by `nickname`) unlocking with `credential`, with what `f` writes in
    /// the database (the person, their audit entry), as one decision ([`Store::change_keyring`]).
    pub(crate) fn add_member<T>(
        &self,
        id: &str,
        nickname: &str,
        credential: &Unlock<'_>,
        kdf: KdfParams,
        f: impl FnOnce(&WriteCtx<'_>) -> Result<T>,
    ) -> Result<T> {
        kdf.validate()?;
        let (before, keys) = self.keys_with(|keyring, at| {
            members::with_member(keyring, (id, nickname), credential, kdf, at)
        })?;
        self.change_keyring(&before, keys, f)
    }

    /// The kinds of credential the unlocked member has (`passphrase`, `pin_and_platform`,
    /// `platform`).
    pub fn credential_kinds(&self, member: &str) -> Result<Vec<&'static str>> {
        let _unlocked = self.inner()?;
        let keyring = Keyring::load(&self.files.keyring)?;
        Ok(members::kinds(&keyring, member))
    }

    /// Whether the member who unlocked can unlock with the platform keystore.
    pub fn has_platform_key(&self) -> Result<bool> {
        let _unlocked = self.inner()?;
        Ok(Keyring::load(&self.files.keyring)?.has_platform_credential(&self.member))
    }

    /// Check `how` against the credentials of the member `nickname` names (counted like an
    /// unlock); returns that member (a person id, or `owner`).
    pub fn verify_member(&self, nickname: Option<&str>, how: &Unlock<'_>) -> Result<String> {
        let guard = self.inner()?;
        let inner = guard.as_ref().ok_or(Error::Locked)?;
        let file = super::keyring::KeyringFile::load(&self.files.keyring)?;
        let now = self.clock.now_seconds();
        let member = match &file {
            super::keyring::KeyringFile::Current(k) => k
                .member_for(nickname)
                .map_or(super::keyring::OWNER.to_owned(), |m| m.id.clone()),
            super::keyring::KeyringFile::Legacy(_) => super::keyring::OWNER.to_owned(),
        };
        Attempts::load(&self.files.dir).check(&member, now)?;
        let found = file.candidates(nickname, how)?;
        if !found
            .keys
            .iter()
            .any(|(_, k, _)| k.expose() == inner.key.expose())
        {
            Attempts::failed(&self.files.dir, &member, now);
            return Err(how.rejected());
        }
        Attempts::succeeded(&self.files.dir, &member);
        Ok(found.member)
    }

    /// Replace the keyring's keys by `keys`, with what `f` writes in the database (its audit
    /// entry, a new member's person row), as one decision:
    ///
    /// 1. In one write transaction (which also keeps any other process's keyring change and the
    ///    settling at unlock out): the keyring is saved with the new keys as a pending change
    ///    under a random id; `f` runs and `store_meta.keyring_change = id` is written; the
    ///    transaction commits. The commit is the decision: from then on the new keys are the
    ///    keyring, before it the old ones are (unlock settles a pending change by that id).
    /// 2. The keyring is saved with the new keys only.
    ///
    /// Any error before the commit restores the old keyring and reports it (the old credential
    /// still opens the store); once committed the change is reported done, even if the second
    /// save fails (the pending change is settled by the next unlock).
    pub(crate) fn change_keyring<T>(
        &self,
        before: &Keyring,
        keys: Keys,
        f: impl FnOnce(&WriteCtx<'_>) -> Result<T>,
    ) -> Result<T> {
        if self.read_only {
            return Err(Error::ReadOnly);
        }
        for m in &keys.members {
            if !members::has_knowledge_factor(&keys, &m.id) {
                return Err(Error::invalid(
                    "credential",
                    "a member keeps a passphrase or PIN: biometric unlock alone would lose the store with the device's keystore",
                ));
            }
        }
        let guard = self.inner()?;
        let inner = guard.as_ref().ok_or(Error::Locked)?;
        let id = uuid::Uuid::new_v4().simple().to_string();
        let mut conn = lock(&inner.writer)?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Another process may have changed the keyring since it was read and sealed.
        if !Keyring::load(&self.files.keyring)?.same_as(before) {
            return Err(Error::Busy);
        }
        let mut pending = before.clone();
        pending.pending = Some(PendingChange {
            id: id.clone(),
            keys: keys.clone(),
        });
        pending.save(&self.files.keyring)?;
        let ctx = WriteCtx {
            tx: &tx,
            audit_keys: &inner.audit,
            now: self.now(),
            unwritten: None,
            anchor_due: std::cell::Cell::new(false),
        };
        let decided = (|| -> Result<T> {
            super::crash::point("passphrase.pending_saved");
            let out = f(&ctx)?;
            tx.execute(
                "INSERT OR REPLACE INTO store_meta (key, value) VALUES ('keyring_change', ?1)",
                [&id],
            )?;
            Ok(out)
        })()
        .and_then(|out| {
            tx.commit()?;
            Ok(out)
        });
        let out = match decided {
            Ok(out) => out,
            Err(e) => {
                // Not committed: the old keys stand. Put the old keyring back; should that fail
                // too, the pending change's id is not in the database and unlock settles it the
                // same way.
                let _ = before.save(&self.files.keyring);
                return Err(e);
            }
        };
        super::crash::point("passphrase.committed");
        let mut done = before.clone();
        done.keys = keys;
        // Committed: done, whatever this save says (unlock settles a pending change left here).
        let _ = done.save(&self.files.keyring);
        inner.after_commit(&conn, &self.files.database);
        Ok(out)
    }

    /// After an unlock: the `unlock` audit entry (naming the member), the failed-attempt total
    /// compared with the one the database last saw (a counter file that went backwards was
    /// restored from an older copy: recorded), and the chain's anchor.
    pub(crate) fn record_unlock(&self, member: &str) -> Result<()> {
        let total = Attempts::load(&self.files.dir).of(member).total;
        let key = format!("failed_unlocks_total:{member}");
        self.write_as(DEVICE_ACTOR, |w| {
            // The person who unlocked (the owner's seat is `owner` in the keyring; before the
            // owner is added there is no person yet, and the device is named).
            let owner: Option<String> = if member == super::keyring::OWNER {
                w.tx.query_row("SELECT id FROM person WHERE is_owner = 1", [], |r| r.get(0))
                    .optional()?
            } else {
                None
            };
            let actor = match &owner {
                Some(id) => id.as_str(),
                None if member == super::keyring::OWNER => DEVICE_ACTOR,
                None => member,
            };
            w.audit(NewAuditEntry {
                actor,
                subject: STORE_SUBJECT,
                action: AuditAction::Unlock,
                record_ids: &[],
                delegation: None,
            })?;
            let seen: Option<i64> =
                w.tx.query_row(
                    "SELECT CAST(value AS INTEGER) FROM store_meta WHERE key = ?1",
                    [&key],
                    |r| r.get(0),
                )
                .optional()?;
            let total = i64::try_from(total).unwrap_or(i64::MAX);
            if seen.is_some_and(|s| s > total) {
                w.audit(store_entry(AuditAction::AttemptCounterRolledBack))?;
            }
            if self.clock_behind.is_some() {
                w.audit(store_entry(AuditAction::ClockBehind))?;
            }
            if !self.read_only {
                w.tx.execute(
                    "INSERT OR REPLACE INTO store_meta (key, value) VALUES (?1, ?2)",
                    rusqlite::params![key, total.max(seen.unwrap_or(0)).to_string()],
                )?;
            }
            Ok(())
        })?;
        // The first anchor of a store (or one upgraded); later ones come every ANCHOR_EVERY
        // entries and at each lock, so an unlock does not rewrite the keyring every time.
        if self.read_only || Keyring::load(&self.files.keyring)?.anchor.is_some() {
            return Ok(());
        }
        let guard = self.inner()?;
        let inner = guard.as_ref().ok_or(Error::Locked)?;
        let mut conn = lock(&inner.writer)?;
        // The unlock happened: an anchor that cannot be written now is written later.
        let _ = self.anchor(&mut conn);
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

pub(crate) fn lock<T>(m: &Mutex<T>) -> Result<MutexGuard<'_, T>> {
    // A poisoned mutex means a panic mid-operation; SQLite rolled the transaction back.
    Ok(m.lock().unwrap_or_else(|p| p.into_inner()))
}
