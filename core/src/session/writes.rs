//! Adding, editing, deleting and erasing records.

use super::{Session, date_stamp};
use crate::access::Action;
use crate::audit::AuditAction;
use crate::consent::DataCategory;
use crate::error::{Error, Result};
use crate::records::{
    Allergy, Checkup, Condition, Immunization, Medication, Note, Observation, ObservationInput,
    ObservationType, Provenance, Record, RecordBody, RecordKind, RecordMeta, Stamp, bmi, normalise,
    repo,
};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

/// A new record (or the new content of an edited one), as a front end supplies it.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ClinicalInput {
    Observation(ObservationInput),
    Checkup(Checkup),
    Immunization(Immunization),
    Medication(Medication),
    Condition(Condition),
    Allergy(Allergy),
    Note { text: String, at: Option<Stamp> },
}

impl Session {
    /// Validate an input into a stored body and its clinical time.
    pub(super) fn prepare(&self, input: ClinicalInput) -> Result<(RecordBody, Stamp)> {
        let today = self.today();
        let now = self.now();
        let date = |d| date_stamp(&self.zone, d);
        Ok(match input {
            ClinicalInput::Observation(o) => {
                let o = normalise(&o, now.utc_seconds)?;
                let at = o.effective;
                (RecordBody::Observation(o), at)
            }
            ClinicalInput::Checkup(c) => {
                let c = c.validate(today)?;
                let at = date(c.date)?;
                (RecordBody::Checkup(c), at)
            }
            ClinicalInput::Immunization(i) => {
                let i = i.validate(today)?;
                let at = date(i.date)?;
                (RecordBody::Immunization(i), at)
            }
            ClinicalInput::Medication(m) => {
                let m = m.validate(today)?;
                let at = date(m.start_date)?;
                (RecordBody::Medication(m), at)
            }
            ClinicalInput::Condition(c) => {
                let c = c.validate(today)?;
                let at = match c.onset_date {
                    Some(d) => date(d)?,
                    None => now,
                };
                (RecordBody::Condition(c), at)
            }
            ClinicalInput::Allergy(a) => (RecordBody::Allergy(a.validate()?), now),
            ClinicalInput::Note { text, at } => {
                let at = at.unwrap_or(now);
                if at.utc_seconds > now.utc_seconds + 600 {
                    return Err(Error::invalid("at", "must not be in the future"));
                }
                (RecordBody::Note(Note { text }.validate()?), at)
            }
        })
    }

    /// Add a record to `subject`'s record. Returns it as stored.
    pub fn add_record(
        &self,
        actor: &str,
        subject: &str,
        input: ClinicalInput,
        provenance: Provenance,
        source: Option<&str>,
    ) -> Result<Record> {
        let records = self.insert_batch(actor, subject, vec![input], provenance, source)?;
        records
            .into_iter()
            .next()
            .ok_or_else(|| Error::not_found("record"))
    }

    /// Log one self-measured observation.
    pub fn log_observation(
        &self,
        actor: &str,
        subject: &str,
        input: ObservationInput,
    ) -> Result<Record> {
        self.add_record(
            actor,
            subject,
            ClinicalInput::Observation(input),
            Provenance::SelfEntered,
            None,
        )
    }

    /// Add many records in one transaction (a device sync, an import): all or nothing, one
    /// audit entry naming every id. Returns the ids of the records added (derived BMI included).
    pub fn add_records(
        &self,
        actor: &str,
        subject: &str,
        inputs: Vec<ClinicalInput>,
        provenance: Provenance,
        source: Option<&str>,
    ) -> Result<Vec<String>> {
        let records = self.insert_batch(actor, subject, inputs, provenance, source)?;
        Ok(records.into_iter().map(|r| r.meta.id).collect())
    }

    /// Validate every input first, then insert all of them and their audit entry in one
    /// transaction. Returns the records as stored (the first is the first input's).
    fn insert_batch(
        &self,
        actor: &str,
        subject: &str,
        inputs: Vec<ClinicalInput>,
        provenance: Provenance,
        source: Option<&str>,
    ) -> Result<Vec<Record>> {
        if provenance == Provenance::Derived {
            return Err(Error::invalid(
                "provenance",
                "derived records are made by the core",
            ));
        }
        if inputs.is_empty() {
            return Err(Error::invalid("records", "nothing to add"));
        }
        let access = self.authorize(actor, subject, Action::Record)?;
        let source = crate::records::optional_text("source", source, 200)?;
        let prepared: Vec<(RecordBody, Stamp)> = inputs
            .into_iter()
            .map(|i| self.prepare(i))
            .collect::<Result<_>>()?;
        let now = self.now();
        self.write(&access, AuditAction::RecordWritten, |w| {
            let mut out = Vec::with_capacity(prepared.len());
            for (body, effective) in prepared {
                let meta = new_meta(
                    subject,
                    body.kind(),
                    effective,
                    now,
                    provenance,
                    source.clone(),
                );
                repo::insert(w.tx, &meta, &body)?;
                let derived = match &body {
                    RecordBody::Observation(o) => derive_bmi(w.tx, subject, &meta.id, o, now)?,
                    _ => None,
                };
                out.push(Record { meta, body });
                out.extend(derived);
            }
            let ids = out.iter().map(|r| r.meta.id.clone()).collect();
            Ok((out, ids))
        })
    }

    /// Replace the content of a record; the previous version is kept in its history.
    pub fn update_record(
        &self,
        actor: &str,
        subject: &str,
        id: &str,
        input: ClinicalInput,
    ) -> Result<Record> {
        let access = self.authorize(actor, subject, Action::Record)?;
        let (body, effective) = self.prepare(input)?;
        let now = self.now();
        self.write(&access, AuditAction::RecordUpdated, |w| {
            let old = load_live(w.tx, subject, id)?;
            let ids = update_in(w.tx, &old, &body, effective, now)?;
            Ok(((), ids))
        })?;
        self.get_record(actor, subject, id)
    }

    /// Soft delete: the record disappears from every view but stays as a tombstone for sync.
    pub fn delete_record(&self, actor: &str, subject: &str, id: &str) -> Result<()> {
        let access = self.authorize(actor, subject, Action::Record)?;
        let now = self.now();
        self.write(&access, AuditAction::RecordDeleted, |w| {
            let old = load_live(w.tx, subject, id)?;
            refuse_derived(&old)?;
            repo::tombstone(w.tx, &old, now)?;
            // A copy a recipient holds (or may hold) must be deleted there: back in the outbox.
            let requeue = crate::sync::state::requeue_changed;
            requeue(w.tx, id, DataCategory::of(&old), now.utc_seconds)?;
            let mut ids = vec![id.to_owned()];
            if let Some(bmi_id) = derived_bmi_of(w.tx, id)? {
                let bmi_old = load_live(w.tx, subject, &bmi_id)?;
                repo::tombstone(w.tx, &bmi_old, now)?;
                requeue(w.tx, &bmi_id, DataCategory::of(&bmi_old), now.utc_seconds)?;
                ids.push(bmi_id);
            }
            Ok(((), ids))
        })
    }

    /// Hard delete one record, its history and anything derived from it.
    pub fn erase_record(&self, actor: &str, subject: &str, id: &str) -> Result<()> {
        let access = self.authorize(actor, subject, Action::Erase)?;
        self.write(&access, AuditAction::RecordErased, |w| {
            let old = load_any(w.tx, subject, id)?;
            let mut ids = vec![id.to_owned()];
            if let Some(bmi_id) = derived_bmi_of(w.tx, id)? {
                repo::erase(w.tx, &load_any(w.tx, subject, &bmi_id)?)?;
                ids.push(bmi_id);
            }
            repo::erase(w.tx, &old)?;
            Ok(((), ids))
        })
    }

    /// "Erase my data": every record of `subject`, live or deleted, with all history.
    /// Returns how many records were erased. The audit trail keeps only the ids.
    pub fn erase_all_records(&self, actor: &str, subject: &str) -> Result<usize> {
        let access = self.authorize(actor, subject, Action::Erase)?;
        self.write(&access, AuditAction::SubjectErased, |w| {
            let ids: Vec<String> = {
                let mut stmt =
                    w.tx.prepare("SELECT id FROM record WHERE subject_id = ?1")?;
                stmt.query_map([subject], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?
            };
            w.tx.execute("DELETE FROM record WHERE subject_id = ?1", [subject])?;
            crate::records::erase_subject_rollups(w.tx, subject)?;
            w.tx.execute("DELETE FROM fhir_document WHERE subject_id = ?1", [subject])?;
            Ok((ids.len(), ids))
        })
    }
}

/// Replace the body of a live record (not a derived one), re-deriving its BMI. Returns the ids
/// touched.
pub(super) fn update_in(
    conn: &Connection,
    old: &Record,
    body: &RecordBody,
    effective: Stamp,
    now: Stamp,
) -> Result<Vec<String>> {
    refuse_derived(old)?;
    let (subject, id) = (old.meta.subject_id.as_str(), old.meta.id.as_str());
    repo::update(conn, old, body, effective, now)?;
    // A copy a recipient holds (or may hold) must follow the edit: back in the outbox.
    let category = DataCategory::of(&Record {
        meta: old.meta.clone(),
        body: body.clone(),
    });
    crate::sync::state::requeue_changed(conn, id, category, now.utc_seconds)?;
    let mut ids = vec![id.to_owned()];
    if let RecordBody::Observation(o) = body {
        if let Some(bmi_id) = derived_bmi_of(conn, id)? {
            let bmi_old = load_live(conn, subject, &bmi_id)?;
            repo::erase(conn, &bmi_old)?;
            ids.push(bmi_id);
        }
        if let Some(bmi) = derive_bmi(conn, subject, id, o, now)? {
            ids.push(bmi.meta.id);
        }
    }
    Ok(ids)
}

pub(super) fn new_meta(
    subject: &str,
    kind: RecordKind,
    effective: Stamp,
    now: Stamp,
    provenance: Provenance,
    source: Option<String>,
) -> RecordMeta {
    RecordMeta {
        // UUIDv7: time-ordered, so record ids insert at the right edge of their index (a random
        // v4 id touches a random page for every insert once the table outgrows the cache).
        id: uuid::Uuid::now_v7().to_string(),
        subject_id: subject.to_owned(),
        kind,
        effective,
        version: 1,
        created: now,
        updated: now,
        provenance,
        source,
        deleted_utc: None,
    }
}

pub(super) fn load_any(conn: &Connection, subject: &str, id: &str) -> Result<Record> {
    match repo::load(conn, id)? {
        Some(r) if r.meta.subject_id == subject => Ok(r),
        // Another subject's record is reported as missing: its existence is not revealed.
        _ => Err(Error::not_found("record")),
    }
}

fn load_live(conn: &Connection, subject: &str, id: &str) -> Result<Record> {
    let r = load_any(conn, subject, id)?;
    if r.meta.deleted_utc.is_some() {
        return Err(Error::not_found("record"));
    }
    Ok(r)
}

fn refuse_derived(r: &Record) -> Result<()> {
    if r.meta.provenance == Provenance::Derived {
        return Err(Error::invalid(
            "record",
            "derived values change with their source",
        ));
    }
    Ok(())
}

fn derived_bmi_of(conn: &Connection, weight_id: &str) -> Result<Option<String>> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .prepare_cached("SELECT record_id FROM observation WHERE derived_from = ?1")?
        .query_row([weight_id], |r| r.get(0))
        .optional()?)
}

/// After a weight is stored: add its BMI from the subject's latest height at or before it
/// (or, failing that, the latest height at all). No height, no BMI.
pub(super) fn derive_bmi(
    conn: &Connection,
    subject: &str,
    weight_id: &str,
    o: &Observation,
    now: Stamp,
) -> Result<Option<Record>> {
    use rusqlite::OptionalExtension;
    if o.observation_type != ObservationType::Weight {
        return Ok(None);
    }
    let height: Option<f64> = conn
        .prepare_cached(
            "SELECT value FROM observation WHERE subject_id = ?1 AND type = 'height'
             ORDER BY (effective_utc <= ?2) DESC, effective_utc DESC LIMIT 1",
        )?
        .query_row(rusqlite::params![subject, o.effective.utc_seconds], |r| {
            r.get(0)
        })
        .optional()?;
    let Some(height) = height else {
        return Ok(None);
    };
    let value = bmi(o.value, height);
    let body = RecordBody::Observation(Observation {
        observation_type: ObservationType::Bmi,
        code: ObservationType::Bmi.loinc().into(),
        unit: ObservationType::Bmi.unit().into(),
        value,
        value2: None,
        value3: None,
        glucose_timing: None,
        effective: o.effective,
        derived_from: Some(weight_id.to_owned()),
    });
    let meta = new_meta(
        subject,
        RecordKind::Observation,
        o.effective,
        now,
        Provenance::Derived,
        None,
    );
    repo::insert(conn, &meta, &body)?;
    Ok(Some(Record { meta, body }))
}
