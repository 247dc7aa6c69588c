//! `PhrSession`: an unlocked store. Every method is the core's `Session` method of the same
//! name; arguments are owned (FFI), errors go through `PhrError::from`. Calls block: the Kotlin
//! and Swift wrappers run them off the main thread.

use crate::error::{PhrError, Result};
use crate::platform::{ForeignKeyStore, PlatformKeyStore};
use crate::progress::{ProgressListener, report};
use phr_core::audit::{AuditEntry, AuditReport};
use phr_core::checkups::{CheckupComparison, CheckupReading};
use phr_core::goals::StepProgress;
use phr_core::overview::{Overview, WaitingToSync};
use phr_core::points::PointsLedger;
use phr_core::records::{
    AggregateQuery, Bucket, NewPerson, ObservationInput, ObservationType, Page, PageRequest,
    Person, Provenance, Reading, Record, RecordFilter, RecordVersion, Stamp,
};
use phr_core::today::DashboardItem;
use phr_core::{ClinicalInput, Session, Unlock};
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

    /// Change the acting member's passphrase (the new one must be strong); with `rotate_key`
    /// the data key is replaced too, so an older copy of the keyring opens nothing.
    pub fn change_passphrase(
        &self,
        old: String,
        new: String,
        kdf_memory_kib: Option<u32>,
        rotate_key: bool,
    ) -> Result<()> {
        let s = self.session();
        s.change_passphrase(&old, &new, crate::store::kdf(kdf_memory_kib)?)?;
        if rotate_key {
            s.rotate_data_key(&Unlock::Passphrase(&new))?;
        }
        Ok(())
    }

    /// Let the acting member unlock with the platform keystore alone (biometric unlock). Call it
    /// only when the resident turns it on; the key must be bound to user presence.
    pub fn enroll_platform_key(&self, key_store: Arc<dyn PlatformKeyStore>) -> Result<()> {
        Ok(self
            .session()
            .enroll_platform_key(&ForeignKeyStore(key_store))?)
    }

    /// Let the acting member unlock with a PIN together with the platform keystore (the PIN
    /// can then never be tried from the files alone).
    pub fn set_pin(&self, pin: String, key_store: Arc<dyn PlatformKeyStore>) -> Result<()> {
        Ok(self.session().set_pin(&pin, &ForeignKeyStore(key_store))?)
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
    pub fn audit_entries(&self, limit: u32, before_seq: Option<i64>) -> Result<Vec<AuditEntry>> {
        Ok(self.session().audit_entries(limit, before_seq)?)
    }

    /// Who did what to `subject`'s record, newest first.
    pub fn access_history(&self, subject: String, limit: u32) -> Result<Vec<AuditEntry>> {
        Ok(self.session().access_history(&subject, limit)?)
    }

    // ---- persons ---------------------------------------------------------------------------

    /// On a new store the first person added is the device owner (who acts from then on); later
    /// the owner adds *managed* persons (no credential of their own).
    pub fn add_person(&self, person: NewPerson) -> Result<Person> {
        Ok(self.session().add_person(person)?)
    }

    /// The owner adds a member, who unlocks with their own `passphrase` (typed by them).
    /// `kdf_memory_kib`: `None` = the calibrated production cost; tests pass a small one.
    pub fn add_member(
        &self,
        person: NewPerson,
        passphrase: String,
        kdf_memory_kib: Option<u32>,
    ) -> Result<Person> {
        let credential = Unlock::Passphrase(&passphrase);
        Ok(self
            .session()
            .add_member(person, &credential, crate::store::kdf(kdf_memory_kib)?)?)
    }

    /// Give a person already on the device their own passphrase: a managed person who now
    /// uses the app, or a member after a restore (a backup holds no credentials). Owner only.
    pub fn enroll_member(
        &self,
        nickname: String,
        passphrase: String,
        kdf_memory_kib: Option<u32>,
    ) -> Result<Person> {
        let credential = Unlock::Passphrase(&passphrase);
        Ok(self.session().enroll_member(
            &nickname,
            &credential,
            crate::store::kdf(kdf_memory_kib)?,
        )?)
    }

    /// Another member of this store takes the device (a family sharing a phone): a session
    /// acting as them, after their own passphrase.
    pub fn switch_to(&self, nickname: String, passphrase: String) -> Result<Arc<PhrSession>> {
        let s = self
            .session()
            .switch_to(&nickname, Unlock::Passphrase(&passphrase))?;
        Ok(PhrSession::over(s))
    }

    /// The person acting: the member who unlocked (`NotPermitted` before the owner is added).
    pub fn actor(&self) -> Result<String> {
        Ok(self.session().actor()?)
    }

    /// How many seconds the device clock was behind the store's latest instant at unlock (more
    /// than 10 minutes; decisions read the later of the two).
    pub fn clock_behind(&self) -> Option<i64> {
        self.session().clock_behind()
    }

    /// The persons the acting member may act for (the family switcher's list).
    pub fn persons(&self) -> Result<Vec<Person>> {
        Ok(self.session().persons()?)
    }

    pub fn owner(&self) -> Result<Option<Person>> {
        Ok(self.session().owner()?)
    }

    pub fn person_id_by_nickname(&self, nickname: String) -> Result<String> {
        Ok(self.session().person_id_by_nickname(&nickname)?)
    }

    pub fn person_details(&self, subject: String) -> Result<Person> {
        Ok(self.session().person_details(&subject)?)
    }

    // ---- writing ---------------------------------------------------------------------------

    pub fn add_record(
        &self,
        subject: String,
        input: ClinicalInput,
        provenance: Provenance,
        source: Option<String>,
    ) -> Result<Record> {
        Ok(self
            .session()
            .add_record(&subject, input, provenance, source.as_deref())?)
    }

    /// Log one self-measured observation (vitals, weight, steps, ...).
    pub fn log_observation(&self, subject: String, input: ObservationInput) -> Result<Record> {
        Ok(self.session().log_observation(&subject, input)?)
    }

    /// Log a reading as a form collects it: at `at`, or now by the session's clock when `None`.
    pub fn log_reading(
        &self,
        subject: String,
        reading: Reading,
        at: Option<Stamp>,
    ) -> Result<Record> {
        Ok(self.session().log_reading(&subject, reading, at)?)
    }

    /// Add many records in one transaction: all or nothing. Returns the ids added.
    pub fn add_records(
        &self,
        subject: String,
        inputs: Vec<ClinicalInput>,
        provenance: Provenance,
        source: Option<String>,
    ) -> Result<Vec<String>> {
        Ok(self
            .session()
            .add_records(&subject, inputs, provenance, source.as_deref())?)
    }

    /// Add many records in chunks of `chunk_size` (0 = 500), one transaction per chunk, telling
    /// `listener` after each. A failing chunk stops the import: the chunks before it stay
    /// stored (their ids were reported through progress), that chunk and later ones are not.
    // The core's `add_records` arguments plus chunk size and listener; FFI calls take flat arguments.
    #[allow(clippy::too_many_arguments)]
    pub fn add_records_with_progress(
        &self,
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
            let added =
                self.session()
                    .add_records(&subject, rest, provenance, source.as_deref())?;
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
        subject: String,
        id: String,
        input: ClinicalInput,
    ) -> Result<Record> {
        Ok(self.session().update_record(&subject, &id, input)?)
    }

    /// A correction note about record `id`: how an official result (checkup, clinic,
    /// Mynaportal), which `update_record` refuses, is corrected.
    pub fn annotate_record(&self, subject: String, id: String, text: String) -> Result<Record> {
        Ok(self.session().annotate_record(&subject, &id, &text)?)
    }

    /// Soft delete (kept as a tombstone for sync).
    pub fn delete_record(&self, subject: String, id: String) -> Result<()> {
        Ok(self.session().delete_record(&subject, &id)?)
    }

    /// Hard delete one record, its history and anything derived from it.
    pub fn erase_record(&self, subject: String, id: String) -> Result<()> {
        Ok(self.session().erase_record(&subject, &id)?)
    }

    /// "Erase my data": every record of `subject`. Returns how many were erased.
    pub fn erase_all_records(&self, subject: String) -> Result<u64> {
        Ok(self.session().erase_all_records(&subject)? as u64)
    }

    // ---- reading ---------------------------------------------------------------------------

    pub fn get_record(&self, subject: String, id: String) -> Result<Record> {
        Ok(self.session().get_record(&subject, &id)?)
    }

    pub fn record_history(&self, subject: String, id: String) -> Result<Vec<RecordVersion>> {
        Ok(self.session().record_history(&subject, &id)?)
    }

    /// Records matching `filter`, newest first, one page at a time.
    pub fn list_records(
        &self,
        subject: String,
        filter: RecordFilter,
        page: PageRequest,
    ) -> Result<Page> {
        Ok(self.session().list_records(&subject, &filter, &page)?)
    }

    /// Every live record across types, newest first; pass `page.next` back for the next page.
    pub fn timeline(&self, subject: String, page: PageRequest) -> Result<Page> {
        Ok(self.session().timeline(&subject, &page)?)
    }

    /// The newest observation of each type (the dashboard).
    pub fn latest_observations(&self, subject: String) -> Result<Vec<Record>> {
        Ok(self.session().latest_observations(&subject)?)
    }

    /// The today view: the newest value of each type with the core's summary and level
    /// against the 特定健診 thresholds for this person's sex.
    pub fn dashboard(&self, subject: String) -> Result<Vec<DashboardItem>> {
        Ok(self.session().dashboard(&subject)?)
    }

    /// The morning summary: latest values with their level, this week's steps, the last and
    /// next checkup, what is shared with whom (consent and family), what waits to sync.
    pub fn overview(&self, subject: String) -> Result<Overview> {
        Ok(self.session().overview(&subject)?)
    }

    /// Per recipient, the copies it may hold of records erased here: deleted there by the next
    /// sync with it (what an erasure's receipt shows).
    pub fn erased_copies_held(&self, subject: String) -> Result<Vec<WaitingToSync>> {
        Ok(self.session().erased_copies_held(&subject)?)
    }

    /// Remove a managed person with all their data (the owner only; refused for members and
    /// while anything is still shared: withdraw, erase and sync first). Returns how many
    /// records were erased.
    pub fn remove_person(&self, subject: String) -> Result<u64> {
        Ok(self.session().remove_person(&subject)? as u64)
    }

    /// Today's steps against the daily goal, this week day by day, and the current streak.
    pub fn step_progress(&self, subject: String) -> Result<StepProgress> {
        Ok(self.session().step_progress(&subject)?)
    }

    /// Set the daily step goal from today on (`None`: back to the guideline for the age,
    /// 8,000 or 6,000 from 65). Earlier days keep theirs.
    pub fn set_step_goal(&self, subject: String, daily_steps: Option<u32>) -> Result<StepProgress> {
        Ok(self.session().set_step_goal(&subject, daily_steps)?)
    }

    /// The points ledger: every award and reversal with its reason, oldest first, and the
    /// balance (brought in line with the operator's programme as it is read).
    pub fn points(&self, subject: String) -> Result<PointsLedger> {
        Ok(self.session().points(&subject)?)
    }

    /// The newest `last` checkups (newest first), each result with its unit, reference range
    /// and level, the doctor's judgement, メタボ判定 and 保健指導レベル in words.
    pub fn checkups(&self, subject: String, last: u32) -> Result<Vec<CheckupReading>> {
        Ok(self.session().checkups(&subject, last)?)
    }

    /// The newest `last` checkups side by side, item by item (year over year).
    pub fn checkup_comparison(&self, subject: String, last: u32) -> Result<CheckupComparison> {
        Ok(self.session().checkup_comparison(&subject, last)?)
    }

    /// A tile's trend line: daily buckets of the last `days` days up to today.
    pub fn trend(
        &self,
        subject: String,
        observation_type: ObservationType,
        days: u32,
    ) -> Result<Vec<Bucket>> {
        Ok(self.session().trend(&subject, observation_type, days)?)
    }

    /// Daily, weekly or monthly aggregates of one observation type.
    pub fn aggregate(&self, subject: String, query: AggregateQuery) -> Result<Vec<Bucket>> {
        Ok(self.session().aggregate(&subject, &query)?)
    }

    /// Notes and medications containing `text`.
    pub fn search(&self, subject: String, text: String, limit: u32) -> Result<Vec<Record>> {
        Ok(self.session().search(&subject, &text, limit)?)
    }
}
