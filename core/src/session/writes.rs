//! Adding, editing, deleting and erasing records: authorize, one transaction through the
//! record service ([`crate::records::write`]), the copies recipients hold told to follow, audit.

use super::{Follow, Session};
use crate::access::Action;
use crate::audit::AuditAction;
use crate::error::{Error, Result};
use crate::records::{
    ClinicalInput, ObservationInput, Provenance, Reading, Record, RecordBody, Stamp, optional_text,
    write,
};

impl Session {
    /// Add a record to `subject`'s record. Returns it as stored.
    pub fn add_record(
        &self,
        subject: &str,
        input: ClinicalInput,
        provenance: Provenance,
        source: Option<&str>,
    ) -> Result<Record> {
        let records = self.insert_batch(subject, vec![input], provenance, source)?;
        records
            .into_iter()
            .next()
            .ok_or_else(|| Error::not_found("record"))
    }

    /// Log one self-measured observation.
    pub fn log_observation(&self, subject: &str, input: ObservationInput) -> Result<Record> {
        let input = ClinicalInput::Observation(input);
        self.add_record(subject, input, Provenance::SelfEntered, None)
    }

    /// Log a reading taken at `at`, or now by the session's clock when `at` is `None`.
    pub fn log_reading(
        &self,
        subject: &str,
        reading: Reading,
        at: Option<Stamp>,
    ) -> Result<Record> {
        let at = at.unwrap_or_else(|| self.now());
        self.log_observation(subject, reading.at(at))
    }

    /// Add many records in one transaction (a device sync, an import): all or nothing, one
    /// audit entry naming every id. Returns the ids of the records added (derived BMI included).
    pub fn add_records(
        &self,
        subject: &str,
        inputs: Vec<ClinicalInput>,
        provenance: Provenance,
        source: Option<&str>,
    ) -> Result<Vec<String>> {
        let records = self.insert_batch(subject, inputs, provenance, source)?;
        Ok(records.into_iter().map(|r| r.meta.id).collect())
    }

    /// Validate every input first, then insert all of them and their audit entry in one
    /// transaction. Returns the records as stored (the first is the first input's).
    fn insert_batch(
        &self,
        subject: &str,
        inputs: Vec<ClinicalInput>,
        provenance: Provenance,
        source: Option<&str>,
    ) -> Result<Vec<Record>> {
        write::refuse_derived_provenance(provenance)?;
        if inputs.is_empty() {
            return Err(Error::invalid("records", "nothing to add"));
        }
        let access = self.authorize(subject, Action::Record)?;
        let source = optional_text("source", source, 200)?;
        let check = self.validation();
        let prepared: Vec<(RecordBody, Stamp)> = inputs
            .into_iter()
            .map(|i| check.prepare(i))
            .collect::<Result<_>>()?;
        self.write(&access, AuditAction::RecordWritten, |w| {
            let out = write::insert(w.tx, subject, prepared, provenance, source, check.now)?;
            self.follow_changes(w.tx, subject, Follow::records(&out), check.now)?;
            let ids = out.iter().map(|r| r.meta.id.clone()).collect();
            Ok((out, ids))
        })
    }

    /// Replace the content of a record; the previous version is kept in its history.
    pub fn update_record(&self, subject: &str, id: &str, input: ClinicalInput) -> Result<Record> {
        let access = self.authorize(subject, Action::Record)?;
        let check = self.validation();
        let (body, effective) = check.prepare(input)?;
        self.write(&access, AuditAction::RecordUpdated, |w| {
            let old = write::load_live(w.tx, subject, id)?;
            let changed = write::edit(w.tx, &old, &body, effective, check.now)?;
            self.follow_changes(w.tx, subject, Follow::records(&changed.follow), check.now)?;
            Ok(((), changed.ids))
        })?;
        self.get_record(subject, id)
    }

    /// A correction note about record `id`, written now by the person acting: the way to
    /// correct an official result (a checkup, a clinic's or Mynaportal's), which is never edited
    /// (S-21). The note is a record of its own: it syncs and exports like any note, pointing at
    /// the result it corrects; deleting or erasing the result takes its notes with it.
    pub fn annotate_record(&self, subject: &str, id: &str, text: &str) -> Result<Record> {
        let access = self.authorize(subject, Action::Record)?;
        let now = self.now();
        self.write(&access, AuditAction::RecordWritten, |w| {
            let note = write::annotate(w.tx, subject, id, text, now)?;
            self.follow_changes(
                w.tx,
                subject,
                Follow::records(std::slice::from_ref(&note)),
                now,
            )?;
            let ids = vec![note.meta.id.clone()];
            Ok((note, ids))
        })
    }

    /// Soft delete: the record disappears from every view but stays as a tombstone for sync.
    pub fn delete_record(&self, subject: &str, id: &str) -> Result<()> {
        let access = self.authorize(subject, Action::Record)?;
        let now = self.now();
        self.write(&access, AuditAction::RecordDeleted, |w| {
            let changed = write::delete(w.tx, subject, id, now)?;
            self.follow_changes(w.tx, subject, Follow::records(&changed.follow), now)?;
            Ok(((), changed.ids))
        })
    }

    /// Hard delete one record, its history and anything derived from it. Its outbox items go
    /// with it; the copies recipients hold are deleted by their next sync (`sync_remote` outlives
    /// the record).
    pub fn erase_record(&self, subject: &str, id: &str) -> Result<()> {
        let access = self.authorize(subject, Action::Erase)?;
        self.write(&access, AuditAction::RecordErased, |w| {
            Ok(((), write::erase(w.tx, subject, id)?))
        })
    }

    /// "Erase my data": every record of `subject`, live or deleted, with all history, and the
    /// step goals set for them; the copies recipients hold (records, and daily step totals
    /// derived from them) are deleted there at the next sync with each.
    /// Returns how many records were erased. The audit trail keeps only the ids.
    pub fn erase_all_records(&self, subject: &str) -> Result<usize> {
        let access = self.authorize(subject, Action::Erase)?;
        self.write(&access, AuditAction::SubjectErased, |w| {
            let ids = write::erase_all(w.tx, subject)?;
            crate::goals::repo::erase(w.tx, subject)?;
            // The organisers' copies of daily step totals came from the records erased.
            crate::sync::state::mark_derived_erased(w.tx, subject)?;
            Ok((ids.len(), ids))
        })
    }
}
