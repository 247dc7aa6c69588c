//! `PhrSession`: an unlocked store. Every method is the core's `Session` method of the same
//! name; arguments are owned (FFI), errors go through `PhrError::from`. Calls block: the Kotlin
//! and Swift wrappers run them off the main thread.

use crate::error::{PhrError, Result};
use crate::platform::{ForeignKeyStore, PlatformKeyStore};
use crate::progress::{ProgressListener, report};
use phr_core::audit::{AuditEntry, AuditReport};
use phr_core::records::{
    AggregateQuery, Bucket, NewPerson, ObservationInput, Page, PageRequest, Person, Provenance,
    Record, RecordFilter, RecordVersion, Stamp,
};
use phr_core::{ClinicalInput, KdfParams, Session};
use std::path::Path;
use std::sync::{Arc, RwLock, RwLockReadGuard};

#[derive(uniffi::Object)]
pub struct PhrSession {
    // Written only by `set_time_zone`; every other call shares the read side.
    inner: RwLock<Session>,
}

impl PhrSession {
    pub(crate) fn over(session: Session) -> Arc<Self> {
        Arc::new(PhrSession {
            inner: RwLock::new(session),
        })
    }

    /// A poisoned lock (a panic caught by UniFFI mid-call) still holds a consistent Session:
    /// every change it makes is a database transaction, which rolled back.
    pub(crate) fn session(&self) -> RwLockReadGuard<'_, Session> {
        self.inner.read().unwrap_or_else(|e| e.into_inner())
    }
}

/// Batches of at most this many records when the caller passes 0.
const DEFAULT_CHUNK: u32 = 500;

#[uniffi::export]
impl PhrSession {
    // ---- the store -------------------------------------------------------------------------

    /// Lock: close connections and wipe keys. Every later call fails with `Locked`.
    pub fn lock(&self) -> Result<()> {
        Ok(self.session().lock()?)
    }

    pub fn is_locked(&self) -> bool {
        self.session().is_locked()
    }

    /// The IANA zone local dates are read in (Asia/Tokyo by default).
    pub fn time_zone(&self) -> String {
        self.session().time_zone().to_owned()
    }

    pub fn set_time_zone(&self, name: String) -> Result<()> {
        let mut s = self.inner.write().unwrap_or_else(|e| e.into_inner());
        Ok(s.set_time_zone(&name)?)
    }

    /// Now, at the session zone's offset: the stamp for a reading taken now.
    pub fn now(&self) -> Stamp {
        self.session().now()
    }

    /// Today's local date (`YYYY-MM-DD`) in the session zone.
    pub fn today(&self) -> chrono::NaiveDate {
        self.session().today()
    }

    pub fn change_passphrase(
        &self,
        old: String,
        new: String,
        kdf_iterations: Option<u32>,
    ) -> Result<()> {
        let kdf =
            KdfParams::with_iterations(kdf_iterations.unwrap_or(KdfParams::DEFAULT_ITERATIONS))?;
        Ok(self.session().change_passphrase(&old, &new, kdf)?)
    }

    /// Also allow unlocking with a key held by the platform keystore.
    pub fn enroll_platform_key(&self, key_store: Arc<dyn PlatformKeyStore>) -> Result<()> {
        Ok(self
            .session()
            .enroll_platform_key(&ForeignKeyStore(key_store))?)
    }

    pub fn has_platform_key(&self) -> Result<bool> {
        Ok(self.session().has_platform_key()?)
    }

    /// Write an encrypted backup to `path` (a new file). `listener` hears 0/1 then 1/1.
    pub fn backup(
        &self,
        path: String,
        backup_passphrase: String,
        listener: Option<Arc<dyn ProgressListener>>,
    ) -> Result<()> {
        if let Some(l) = &listener {
            report(l.as_ref(), 0, 1);
        }
        self.session()
            .backup(Path::new(&path), &backup_passphrase)?;
        if let Some(l) = &listener {
            report(l.as_ref(), 1, 1);
        }
        Ok(())
    }

    pub fn verify_audit(&self) -> Result<AuditReport> {
        Ok(self.session().verify_audit()?)
    }

    /// The store-wide audit trail, newest first (device owner only).
    pub fn audit_entries(
        &self,
        actor: String,
        limit: u32,
        before_seq: Option<i64>,
    ) -> Result<Vec<AuditEntry>> {
        Ok(self.session().audit_entries(&actor, limit, before_seq)?)
    }

    /// Who did what to `subject`'s record, newest first.
    pub fn access_history(
        &self,
        actor: String,
        subject: String,
        limit: u32,
    ) -> Result<Vec<AuditEntry>> {
        Ok(self.session().access_history(&actor, &subject, limit)?)
    }

    // ---- persons ---------------------------------------------------------------------------

    /// The first person added is the device owner (`actor` = `None`); later ones need the owner.
    pub fn add_person(&self, actor: Option<String>, person: NewPerson) -> Result<Person> {
        Ok(self.session().add_person(actor.as_deref(), person)?)
    }

    /// The persons `actor` may act for (the family switcher's list).
    pub fn persons(&self, actor: String) -> Result<Vec<Person>> {
        Ok(self.session().persons(&actor)?)
    }

    pub fn owner(&self) -> Result<Option<Person>> {
        Ok(self.session().owner()?)
    }

    pub fn person_id_by_nickname(&self, nickname: String) -> Result<String> {
        Ok(self.session().person_id_by_nickname(&nickname)?)
    }

    pub fn person_details(&self, actor: String, subject: String) -> Result<Person> {
        Ok(self.session().person_details(&actor, &subject)?)
    }

    // ---- writing ---------------------------------------------------------------------------

    pub fn add_record(
        &self,
        actor: String,
        subject: String,
        input: ClinicalInput,
        provenance: Provenance,
        source: Option<String>,
    ) -> Result<Record> {
        Ok(self
            .session()
            .add_record(&actor, &subject, input, provenance, source.as_deref())?)
    }

    /// Log one self-measured observation (vitals, weight, steps, ...).
    pub fn log_observation(
        &self,
        actor: String,
        subject: String,
        input: ObservationInput,
    ) -> Result<Record> {
        Ok(self.session().log_observation(&actor, &subject, input)?)
    }

    /// Add many records in one transaction: all or nothing. Returns the ids added.
    pub fn add_records(
        &self,
        actor: String,
        subject: String,
        inputs: Vec<ClinicalInput>,
        provenance: Provenance,
        source: Option<String>,
    ) -> Result<Vec<String>> {
        Ok(self
            .session()
            .add_records(&actor, &subject, inputs, provenance, source.as_deref())?)
    }

    /// Add many records in chunks of `chunk_size` (0 = 500), one transaction per chunk, telling
    /// `listener` after each. A failing chunk stops the import: the chunks before it stay
    /// stored (their ids were reported through progress), that chunk and later ones are not.
    // The core's `add_records` arguments plus chunk size and listener; FFI calls take flat arguments.
    #[allow(clippy::too_many_arguments)]
    pub fn add_records_with_progress(
        &self,
        actor: String,
        subject: String,
        inputs: Vec<ClinicalInput>,
        provenance: Provenance,
        source: Option<String>,
        chunk_size: u32,
        listener: Arc<dyn ProgressListener>,
    ) -> Result<Vec<String>> {
        let chunk = if chunk_size == 0 {
            DEFAULT_CHUNK
        } else {
            chunk_size
        } as usize;
        let total = inputs.len() as u64;
        if inputs.is_empty() {
            return Err(PhrError::InvalidInput {
                field: "records".into(),
                reason: "nothing to add".into(),
            });
        }
        let mut ids = Vec::with_capacity(inputs.len());
        let mut done = 0u64;
        report(listener.as_ref(), 0, total);
        let mut rest = inputs;
        while !rest.is_empty() {
            let tail = rest.split_off(chunk.min(rest.len()));
            let n = rest.len() as u64;
            // The session guard is dropped before the listener runs: no lock is held then.
            let added = self.session().add_records(
                &actor,
                &subject,
                rest,
                provenance,
                source.as_deref(),
            )?;
            ids.extend(added);
            done += n;
            report(listener.as_ref(), done, total);
            rest = tail;
        }
        Ok(ids)
    }

    /// Replace a record's content; the previous version is kept in its history.
    pub fn update_record(
        &self,
        actor: String,
        subject: String,
        id: String,
        input: ClinicalInput,
    ) -> Result<Record> {
        Ok(self.session().update_record(&actor, &subject, &id, input)?)
    }

    /// Soft delete (kept as a tombstone for sync).
    pub fn delete_record(&self, actor: String, subject: String, id: String) -> Result<()> {
        Ok(self.session().delete_record(&actor, &subject, &id)?)
    }

    /// Hard delete one record, its history and anything derived from it.
    pub fn erase_record(&self, actor: String, subject: String, id: String) -> Result<()> {
        Ok(self.session().erase_record(&actor, &subject, &id)?)
    }

    /// "Erase my data": every record of `subject`. Returns how many were erased.
    pub fn erase_all_records(&self, actor: String, subject: String) -> Result<u64> {
        Ok(self.session().erase_all_records(&actor, &subject)? as u64)
    }

    // ---- reading ---------------------------------------------------------------------------

    pub fn get_record(&self, actor: String, subject: String, id: String) -> Result<Record> {
        Ok(self.session().get_record(&actor, &subject, &id)?)
    }

    pub fn record_history(
        &self,
        actor: String,
        subject: String,
        id: String,
    ) -> Result<Vec<RecordVersion>> {
        Ok(self.session().record_history(&actor, &subject, &id)?)
    }

    /// Records matching `filter`, newest first, one page at a time.
    pub fn list_records(
        &self,
        actor: String,
        subject: String,
        filter: RecordFilter,
        page: PageRequest,
    ) -> Result<Page> {
        Ok(self
            .session()
            .list_records(&actor, &subject, &filter, &page)?)
    }

    /// Every live record across types, newest first; pass `page.next` back for the next page.
    pub fn timeline(&self, actor: String, subject: String, page: PageRequest) -> Result<Page> {
        Ok(self.session().timeline(&actor, &subject, &page)?)
    }

    /// The newest observation of each type (the dashboard).
    pub fn latest_observations(&self, actor: String, subject: String) -> Result<Vec<Record>> {
        Ok(self.session().latest_observations(&actor, &subject)?)
    }

    /// Daily, weekly or monthly aggregates of one observation type.
    pub fn aggregate(
        &self,
        actor: String,
        subject: String,
        query: AggregateQuery,
    ) -> Result<Vec<Bucket>> {
        Ok(self.session().aggregate(&actor, &subject, &query)?)
    }

    /// Notes and medications containing `text`.
    pub fn search(
        &self,
        actor: String,
        subject: String,
        text: String,
        limit: u32,
    ) -> Result<Vec<Record>> {
        Ok(self.session().search(&actor, &subject, &text, limit)?)
    }
}
