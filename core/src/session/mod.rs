//! The `Session` facade every front end uses (the CLI, the UniFFI bindings). A Session is opened
//! with one member's credential and acts as that member for its whole life: the actor is never a
//! parameter a caller chooses. Each operation names the subject, is authorised by
//! [`crate::access::authorize`] and audited in the transaction of its change.

mod consent;
mod events;
mod export;
mod family;
mod goals;
mod import;
mod imports;
mod kpi;
mod persons;
mod points;
mod progress;
mod provisions;
mod reads;
mod requests;
mod retention;
mod share;
mod sync;
mod writes;

pub use export::FhirJson;
pub use imports::FileImport;
pub use requests::{DISCLOSURE_FILES, Disclosure};
pub use share::{MAX_SHARE_DAYS, SummaryShare};

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

/// An unlocked store, the person acting, and the time zone local dates are in.
pub struct Session {
    store: Arc<Store>,
    zone: Tz,
    /// The person acting: the member who unlocked (on a new store, nobody until its owner is
    /// added; then the owner).
    actor: RwLock<Option<String>>,
    /// The operator profile in force: the newest version installed in the store.
    profile: Arc<RwLock<Option<Arc<crate::consent::InstalledProfile>>>>,
    /// One sync at a time per subject × recipient (a background worker and a "sync now"
    /// button must not push the same outbox twice).
    syncs: Arc<sync::SyncLocks>,
}

impl Session {
    /// Create a new store in `dir`, unlocked by its owner's `passphrase` (which must be strong:
    /// [`crate::store::check_strength`]). The first person added is the owner, who acts from then.
    pub fn create(dir: impl AsRef<Path>, passphrase: &str, kdf: KdfParams) -> Result<Session> {
        Session::create_with(dir, &Unlock::Passphrase(passphrase), kdf)
    }

    /// Create a new store whose owner unlocks with `credential` (a strong passphrase, or a PIN
    /// together with the platform keystore).
    pub fn create_with(
        dir: impl AsRef<Path>,
        credential: &Unlock<'_>,
        kdf: KdfParams,
    ) -> Result<Session> {
        Session::over(Store::create_with(dir, credential, kdf)?, None)
    }

    /// Unlock an existing store as its owner.
    pub fn unlock(dir: impl AsRef<Path>, how: Unlock<'_>) -> Result<Session> {
        Session::over(Store::unlock(dir, how)?, None)
    }

    /// Unlock an existing store as the member `nickname` with their own credential.
    pub fn unlock_as(dir: impl AsRef<Path>, nickname: &str, how: Unlock<'_>) -> Result<Session> {
        let rejected = how.rejected();
        let store = Store::unlock_as(dir, Some(nickname), how)?;
        Session::over(store, Some(nickname)).map_err(|e| match e {
            Error::NotFound { .. } => rejected,
            e => e,
        })
    }

    /// Another member of this store, unlocking with their credential (a family sharing one
    /// device): a Session acting as them over the same open store.
    pub fn switch_to(&self, nickname: &str, how: Unlock<'_>) -> Result<Session> {
        let rejected = how.rejected();
        let member = self.store.verify_member(Some(nickname), &how)?;
        let s = self.sibling(None);
        s.bind(&member, Some(nickname)).map_err(|e| match e {
            Error::NotFound { .. } => rejected,
            e => e,
        })?;
        Ok(s)
    }

    /// Test hook: a Session acting as person `id` without their credential.
    #[cfg(feature = "test-hooks")]
    pub fn as_person(&self, id: &str) -> Session {
        self.sibling(Some(id.to_owned()))
    }

    fn sibling(&self, actor: Option<String>) -> Session {
        Session {
            store: Arc::clone(&self.store),
            zone: self.zone,
            actor: RwLock::new(actor),
            profile: Arc::clone(&self.profile),
            syncs: Arc::clone(&self.syncs),
        }
    }

    fn over(store: Store, nickname: Option<&str>) -> Result<Session> {
        let member = store.member().to_owned();
        // The operator profile installed in the store is in force at once.
        let installed = store.read(crate::consent::installed_profile)?;
        let s = Session {
            store: Arc::new(store),
            zone: DEFAULT_ZONE,
            actor: RwLock::new(None),
            profile: Arc::new(RwLock::new(installed.map(Arc::new))),
            syncs: Arc::new(sync::SyncLocks::default()),
        };
        s.bind(&member, nickname)?;
        // The operator's retention periods, at each unlock; best effort (see session/retention.rs).
        let _ = s.apply_retention();
        Ok(s)
    }

    /// Act as the person keyring member `member` is (the owner's credentials: the owner, once
    /// added). A nickname the front end named must be that person's.
    fn bind(&self, member: &str, nickname: Option<&str>) -> Result<()> {
        let person = if member == crate::store::OWNER_MEMBER {
            self.store.read(crate::records::persons::owner)?
        } else {
            Some(
                self.store
                    .read(|c| crate::records::persons::require(c, member))?,
            )
        };
        if let (Some(n), Some(p)) = (nickname, &person)
            && !p.details.nickname.eq_ignore_ascii_case(n.trim())
        {
            return Err(Error::not_found("member"));
        }
        if let (Some(_), None) = (nickname, &person) {
            return Err(Error::not_found("member"));
        }
        *self.actor.write().unwrap_or_else(|p| p.into_inner()) = person.map(|p| p.id);
        Ok(())
    }

    /// The person acting. `NotPermitted` on a new store before its owner is added.
    pub fn actor(&self) -> Result<String> {
        self.actor
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(|| Error::NotPermitted {
                action: "act before the device owner is added".into(),
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

    /// The keyring member the acting person is (`owner` for the device owner).
    fn member_id(&self) -> Result<String> {
        let actor = self.actor()?;
        let p = self
            .store
            .read(|c| crate::records::persons::require(c, &actor))?;
        Ok(if p.is_owner {
            crate::store::OWNER_MEMBER.to_owned()
        } else {
            actor
        })
    }

    /// Lock: close connections, wipe keys. Every later call fails with `Locked`.
    pub fn lock(&self) -> Result<()> {
        self.store.lock()
    }

    /// Change the acting member's passphrase (the current one is required; the new one must be
    /// strong). With `rotate_key` the data key is replaced too, so an older copy of the keyring
    /// opens nothing with the old passphrase.
    pub fn change_passphrase(&self, old: &str, new: &str, kdf: KdfParams) -> Result<()> {
        self.store
            .change_passphrase_of(&self.member_id()?, old, new, kdf)
    }

    /// Replace the data key (every member keeps their credentials): `current` is the acting
    /// member's credential.
    pub fn rotate_data_key(&self, current: &Unlock<'_>) -> Result<()> {
        self.store.rotate_data_key_of(&self.member_id()?, current)
    }

    /// The kinds of credential the acting member unlocks with (`passphrase`,
    /// `pin_and_platform`, `platform`).
    pub fn credential_kinds(&self) -> Result<Vec<&'static str>> {
        self.store.credential_kinds(&self.member_id()?)
    }

    /// Whether the store was opened read-only: reads work, changes are refused (`ReadOnly`).
    pub fn is_read_only(&self) -> bool {
        self.store.is_read_only()
    }

    /// On a read-only store, the audit entries (actions) that could not be written.
    pub fn unwritten_audit_entries(&self) -> Vec<&'static str> {
        self.store.unwritten_audit_entries()
    }

    /// How many seconds the device clock was behind the latest instant this store has seen when
    /// it was unlocked (more than 10 minutes: recorded in the audit trail). Decisions never go
    /// back in time: they read the later of the two.
    pub fn clock_behind(&self) -> Option<i64> {
        self.store.clock_behind()
    }

    /// Whether [`Session::lock`] has been called.
    pub fn is_locked(&self) -> bool {
        self.store.is_locked()
    }

    /// Whether the keyring has a platform-keystore wrap (the app can offer biometric unlock).
    pub fn has_platform_key(&self) -> Result<bool> {
        Ok(self.credential_kinds()?.iter().any(|k| *k != "passphrase"))
    }

    /// Let the acting member unlock with the platform keystore alone (biometric unlock; the
    /// app turns it on when the resident asks, binding the platform key to user presence).
    pub fn enroll_platform_key(&self, platform: &dyn PlatformKeyStore) -> Result<()> {
        let action = crate::audit::AuditAction::PlatformKeyEnrolled;
        self.store
            .enroll(&self.member_id()?, &Unlock::Platform(platform), action)
    }

    /// Let the acting member unlock with a PIN together with the platform keystore.
    pub fn set_pin(&self, pin: &str, platform: &dyn PlatformKeyStore) -> Result<()> {
        let action = crate::audit::AuditAction::PlatformKeyEnrolled;
        self.store
            .enroll(&self.member_id()?, &Unlock::Pin(pin, platform), action)
    }

    /// An encrypted backup of the whole store (the device owner's; the backup passphrase must
    /// be strong).
    pub fn backup(&self, path: &Path, backup_passphrase: &str) -> Result<()> {
        let actor = self.actor()?;
        self.authorize(&actor, Action::ManageStore)?;
        self.store.backup(path, backup_passphrase)
    }

    pub fn verify_audit(&self) -> Result<AuditReport> {
        self.store.verify_audit()
    }

    /// The store-wide audit trail, newest first (device owner only).
    pub fn audit_entries(&self, limit: u32, before_seq: Option<i64>) -> Result<Vec<AuditEntry>> {
        let actor = self.actor()?;
        self.authorize(&actor, Action::ManageStore)?;
        self.store.audit_entries(None, limit, before_seq)
    }

    /// Who did what to `subject`'s record, newest first.
    pub fn access_history(&self, subject: &str, limit: u32) -> Result<Vec<AuditEntry>> {
        let access = self.authorize(subject, Action::ViewAudit)?;
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
        let now = self.store.now();
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
        // Time itself is at `at` (a test travelling in time), not a device clock set back.
        self.store.reset_latest_seen(at.unwrap_or(i64::MIN));
    }

    /// Test hook: only the device clock reads `at` (the store still remembers the latest
    /// instant it saw, as when a resident sets the phone's date back).
    #[cfg(feature = "test-hooks")]
    pub fn set_device_clock_for_tests(&self, at: Option<i64>) {
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
    pub(crate) fn authorize(&self, subject: &str, action: Action) -> Result<Access> {
        let actor = self.actor()?;
        let actor = actor.as_str();
        let at = self.now().utc_seconds;
        self.store
            .read(|conn| authorize(conn, actor, subject, action, at))
    }

    /// Whether `actor` may do `action` on `subject`'s record now (for a UI to show or hide).
    pub fn can(&self, subject: &str, action: Action) -> Result<bool> {
        match self.authorize(subject, action) {
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
