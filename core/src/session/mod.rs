//! The `Session` facade every front end uses (the CLI, the UniFFI bindings): open or unlock a
//! store, then operations that always name the acting person and the subject. Each operation
//! is authorised by [`crate::access::authorize`] and audited in the transaction of its change.

mod consent;
mod export;
mod family;
mod import;
mod imports;
mod persons;
mod progress;
mod reads;
mod sync;
mod writes;

pub use export::FhirJson;
pub use imports::FileImport;

use crate::access::{Access, Action, authorize};
use crate::audit::{AuditAction, AuditEntry, AuditReport, NewAuditEntry};
use crate::crypto::KdfParams;
use crate::error::{Error, Result};
use crate::records::{DEFAULT_ZONE, Stamp, parse_zone};
use crate::store::{PlatformKeyStore, Store, Unlock, WriteCtx};
use chrono::{Offset, TimeZone};
use chrono_tz::Tz;
use std::path::Path;
use std::sync::{Arc, RwLock};

/// What a record change hands to [`Session::follow_changes`].
pub(crate) struct Follow<'a> {
    /// Records changed (new, edited or tombstoned), as stored now.
    pub records: &'a [crate::records::Record],
    /// Records new in the store that were not loaded: id, kind, observation type.
    pub added: &'a [(
        String,
        crate::records::RecordKind,
        Option<crate::records::ObservationType>,
    )],
    /// The recipient a pulled record came from: it is not queued back to it.
    pub from: Option<&'a str>,
}

/// An unlocked store plus the time zone its local dates are in.
pub struct Session {
    store: Store,
    zone: Tz,
    /// The operator profile in force: the newest version installed in the store.
    profile: RwLock<Option<Arc<crate::consent::InstalledProfile>>>,
    /// One sync at a time per subject × recipient (a background worker and a "sync now"
    /// button must not push the same outbox twice).
    syncs: sync::SyncLocks,
}

impl Session {
    /// Create a new store in `dir`.
    pub fn create(dir: impl AsRef<Path>, passphrase: &str, kdf: KdfParams) -> Result<Session> {
        Session::over(Store::create(dir, passphrase, kdf)?)
    }

    /// Unlock an existing store. The operator profile installed in it is in force at once.
    pub fn unlock(dir: impl AsRef<Path>, how: Unlock<'_>) -> Result<Session> {
        Session::over(Store::unlock(dir, how)?)
    }

    fn over(store: Store) -> Result<Session> {
        let installed = store.read(crate::consent::installed_profile)?;
        Ok(Session {
            store,
            zone: DEFAULT_ZONE,
            profile: RwLock::new(installed.map(Arc::new)),
            syncs: sync::SyncLocks::default(),
        })
    }

    /// Local dates (checkup dates, daily buckets) are read in this zone; Asia/Tokyo by default.
    pub fn set_time_zone(&mut self, name: &str) -> Result<()> {
        self.zone = parse_zone(Some(name))?;
        Ok(())
    }

    pub fn time_zone(&self) -> &str {
        self.zone.name()
    }

    /// The underlying store. Crate-private: front ends reach records only through the
    /// authorised Session operations.
    pub(crate) fn store(&self) -> &Store {
        &self.store
    }

    /// Lock: close connections, wipe keys. Every later call fails with `Locked`.
    pub fn lock(&self) -> Result<()> {
        self.store.lock()
    }

    pub fn change_passphrase(&self, old: &str, new: &str, kdf: KdfParams) -> Result<()> {
        self.store.change_passphrase(old, new, kdf)
    }

    /// Whether the store was opened read-only: reads work, changes are refused (`ReadOnly`).
    pub fn is_read_only(&self) -> bool {
        self.store.is_read_only()
    }

    /// On a read-only store, the audit entries (actions) that could not be written.
    pub fn unwritten_audit_entries(&self) -> Vec<&'static str> {
        self.store.unwritten_audit_entries()
    }

    /// Whether [`Session::lock`] has been called.
    pub fn is_locked(&self) -> bool {
        self.store.is_locked()
    }

    /// Whether the keyring has a platform-keystore wrap (the app can offer biometric unlock).
    pub fn has_platform_key(&self) -> Result<bool> {
        self.store.has_platform_key()
    }

    pub fn enroll_platform_key(&self, platform: &dyn PlatformKeyStore) -> Result<()> {
        self.store.enroll_platform_key(platform)
    }

    pub fn backup(&self, path: &Path, backup_passphrase: &str) -> Result<()> {
        self.store.backup(path, backup_passphrase)
    }

    pub fn verify_audit(&self) -> Result<AuditReport> {
        self.store.verify_audit()
    }

    /// The store-wide audit trail, newest first (device owner only).
    pub fn audit_entries(
        &self,
        actor: &str,
        limit: u32,
        before_seq: Option<i64>,
    ) -> Result<Vec<AuditEntry>> {
        self.authorize(actor, actor, Action::ManagePersons)?;
        self.store.audit_entries(None, limit, before_seq)
    }

    /// Who did what to `subject`'s record, newest first.
    pub fn access_history(
        &self,
        actor: &str,
        subject: &str,
        limit: u32,
    ) -> Result<Vec<AuditEntry>> {
        let access = self.authorize(actor, subject, Action::ViewAudit)?;
        let mut entries = self
            .store
            .audit_entries(Some(access.subject()), limit, None)?;
        // The subject is entitled to know who acted on their record, by name.
        let everyone = self.store.read(crate::records::persons::all)?;
        for e in &mut entries {
            e.actor_nickname = everyone
                .iter()
                .find(|p| p.id == e.actor)
                .map(|p| p.details.nickname.clone());
        }
        Ok(entries)
    }

    /// Now, with the session zone's current offset (what a front end stamps a new reading with).
    pub fn now(&self) -> Stamp {
        let now = self.store.clock().now();
        let offset = self
            .zone
            .offset_from_utc_datetime(&now.naive_utc())
            .fix()
            .local_minus_utc();
        Stamp {
            utc_seconds: now.timestamp(),
            offset_seconds: offset,
        }
    }

    /// Test hook: make the session's clock read `at` (unix seconds), or the system clock again.
    #[cfg(feature = "test-hooks")]
    pub fn set_clock_for_tests(&self, at: Option<i64>) {
        self.store.clock().set(at);
    }

    /// What an input is validated against: the session's now and zone.
    pub(crate) fn validation(&self) -> crate::records::Validation {
        crate::records::Validation {
            now: self.now(),
            zone: self.zone,
        }
    }

    /// In the transaction of a record change, what leaves follows it: every live record written
    /// (new or edited) goes to the outbox for each recipient × purpose consent permits now
    /// (standing consent), except `from`, the recipient a pulled record came from; and the
    /// copies recipients hold (or may hold) of the changed records, live or tombstoned, go back
    /// in the outbox so the change reaches them. An item already pending is kept: sync sends
    /// the record as it is at send time, through the gate.
    pub(crate) fn follow_changes(
        &self,
        tx: &rusqlite::Connection,
        subject: &str,
        changes: Follow<'_>,
        now: Stamp,
    ) -> Result<()> {
        use crate::consent::DataCategory;
        let mut written: Vec<(String, DataCategory)> = changes
            .added
            .iter()
            .map(|(id, kind, observed)| (id.clone(), DataCategory::of_kind(*kind, *observed)))
            .collect();
        for r in changes.records {
            let category = DataCategory::of(r);
            crate::sync::state::requeue_changed(tx, &r.meta.id, category, now.utc_seconds)?;
            if r.meta.deleted_utc.is_none() {
                written.push((r.meta.id.clone(), category));
            }
        }
        if let Some(p) = self.installed_profile() {
            let at = now.utc_seconds;
            crate::consent::queue_written(tx, &p.profile, subject, &written, at, changes.from)?;
        }
        Ok(())
    }

    /// Today's local date in the session zone (the end of a dashboard's trend range).
    pub fn today(&self) -> chrono::NaiveDate {
        self.now().to_utc().with_timezone(&self.zone).date_naive()
    }

    /// The single authorization point: every operation on a subject's record passes here.
    pub(crate) fn authorize(&self, actor: &str, subject: &str, action: Action) -> Result<Access> {
        let at = self.now().utc_seconds;
        self.store
            .read(|conn| authorize(conn, actor, subject, action, at))
    }

    /// Whether `actor` may do `action` on `subject`'s record now (for a UI to show or hide).
    pub fn can(&self, actor: &str, subject: &str, action: Action) -> Result<bool> {
        match self.authorize(actor, subject, action) {
            Ok(_) => Ok(true),
            Err(Error::NotPermitted { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// A write on `access.subject()`'s record, audited in the same transaction.
    pub(crate) fn write<T>(
        &self,
        access: &Access,
        audit: AuditAction,
        f: impl FnOnce(&WriteCtx<'_>) -> Result<(T, Vec<String>)>,
    ) -> Result<T> {
        let at = self.now().utc_seconds;
        self.store.write_as(access.actor(), |w| {
            // Re-check inside the write transaction: the grant must still hold at commit time.
            let again = authorize(w.tx, access.actor(), access.subject(), access.action(), at)?;
            let (out, ids) = f(w)?;
            w.audit(NewAuditEntry {
                actor: again.actor(),
                subject: again.subject(),
                action: audit,
                record_ids: &ids,
                delegation: again.delegation(),
            })?;
            Ok(out)
        })
    }

    /// A read of `access.subject()`'s record from a consistent snapshot, then its audit entry
    /// naming the records returned. Nothing is returned if the entry cannot be written.
    pub(crate) fn read_audited<T>(
        &self,
        access: &Access,
        audit: AuditAction,
        f: impl FnOnce(&rusqlite::Connection) -> Result<T>,
        ids_of: impl FnOnce(&T) -> Vec<String>,
    ) -> Result<T> {
        let out = self.store.read(f)?;
        let ids = ids_of(&out);
        self.store.write_as(access.actor(), |w| {
            w.audit(NewAuditEntry {
                actor: access.actor(),
                subject: access.subject(),
                action: audit,
                record_ids: &ids,
                delegation: access.delegation(),
            })
        })?;
        Ok(out)
    }
}

impl<'a> Follow<'a> {
    /// Changed records, none new unloaded, none pulled.
    pub(crate) fn records(records: &'a [crate::records::Record]) -> Follow<'a> {
        Follow {
            records,
            added: &[],
            from: None,
        }
    }
}
