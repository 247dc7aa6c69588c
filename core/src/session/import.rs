//! Importing FHIR R4 JSON into a subject's record: planned by [`crate::fhir::import`],
//! validated and prepared on the planning threads, written by [`crate::records::import`] in ONE
//! transaction with one audit entry (all or nothing).

use super::progress::Reporter;
use super::{Follow, Session};
use crate::access::{Access, Action, authorize};
use crate::audit::{AuditAction, NewAuditEntry};
use crate::error::{Error, Result};
use crate::fhir::import::{patient_of, plan_chunks, prepare};
use crate::records::import::Writer;
use crate::records::{
    ImportReport, Person, Provenance, Validation, imported, optional_text, persons, write,
};
use crate::store::WriteCtx;
use std::collections::HashSet;

/// What one import writes, and into whose record.
#[derive(Clone, Copy)]
struct Job<'a> {
    subject: &'a str,
    person: &'a Person,
    json: &'a [u8],
    provenance: Provenance,
    source: &'a Option<String>,
    check: Validation,
    /// From a sync pull: the recipient, and the records its earlier pulls made (the only ones
    /// it may update).
    pulled: Option<(&'a str, &'a HashSet<String>)>,
}

impl Session {
    /// Import FHIR R4 JSON (a Bundle or one resource) into `subject`'s record. See
    /// [`Session::import_fhir_with_progress`].
    pub fn import_fhir(
        &self,
        subject: &str,
        json: &[u8],
        provenance: Provenance,
        source: Option<&str>,
    ) -> Result<ImportReport> {
        self.import_fhir_with_progress(subject, json, provenance, source, &|_, _| {})
    }

    /// Import FHIR R4 JSON into `subject`'s record, calling `progress(done, total)` as resources
    /// are written (on a thread of its own, never inside the import's transaction: a listener may
    /// call back into the session). Malformed JSON names its path and imports nothing; a Patient
    /// that is clearly someone else (another birth date) is refused; persons are never created.
    /// A resource whose id or identifier matches a record of the subject updates it (history
    /// kept) or is skipped when identical. One transaction, one audit entry (`records_imported`).
    pub fn import_fhir_with_progress(
        &self,
        subject: &str,
        json: &[u8],
        provenance: Provenance,
        source: Option<&str>,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<ImportReport> {
        write::refuse_derived_provenance(provenance)?;
        let access = self.authorize(subject, Action::Record)?;
        let source = optional_text("source", source, 200)?;
        self.import_as(&access, json, (provenance, source), None, progress)
    }

    /// Import what sync pulled from a recipient: a resource may update only a record an earlier
    /// pull from the same recipient made (any other match is a conflict, kept beside it), and
    /// nothing imported is queued back to that recipient.
    pub(crate) fn import_pulled(
        &self,
        access: &Access,
        json: &[u8],
        from: &crate::sync::Pulled<'_>,
    ) -> Result<ImportReport> {
        let source = optional_text("source", Some(from.source), 200)?;
        let pulled = Some((from.recipient, from.updatable));
        self.import_as(access, json, (from.provenance, source), pulled, &|_, _| {})
    }

    fn import_as(
        &self,
        access: &Access,
        json: &[u8],
        (provenance, source): (Provenance, Option<String>),
        pulled: Option<(&str, &HashSet<String>)>,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<ImportReport> {
        write::refuse_derived_provenance(provenance)?;
        let subject = access.subject();
        let person = self.person(subject)?;
        let check = self.validation();
        Reporter::run(progress, |report| {
            self.write(access, AuditAction::RecordsImported, |w| {
                let job = Job {
                    subject,
                    person: &person,
                    json,
                    provenance,
                    source: &source,
                    check,
                    pulled,
                };
                self.import_in(w, &job, report)
            })
        })
    }

    /// Import FHIR R4 JSON as the record of a person made from its Patient (`phr import FILE
    /// --new-person NICKNAME`): the kanji and kana names, birth date, sex and insurance numbers
    /// of the first Patient (and a JP_Coverage beside it) become a new person known on this
    /// device as `nickname`, and the rest of the file is imported into their record, in ONE
    /// transaction (audited `person_added`, then `records_imported`): all or nothing. Adding a
    /// person is the device owner's ([`Action::ManagePersons`]), or anyone's on a device with
    /// no person yet (the new person is then the owner and acts from then on), as for
    /// [`Session::add_person`]; a person the owner adds this way is managed, as there. A
    /// Patient that cannot make a person (no name, a birth date that is not a full date) is
    /// refused naming the element.
    pub fn import_fhir_new_person(
        &self,
        nickname: &str,
        json: &[u8],
        provenance: Provenance,
        source: Option<&str>,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<(Person, ImportReport)> {
        write::refuse_derived_provenance(provenance)?;
        // Who adds the person: the owner, or nobody yet (the new person becomes the owner).
        let adder = self.person_adder()?;
        let source = optional_text("source", source, 200)?;
        let facts = patient_of(json)?
            .ok_or_else(|| Error::invalid("$", "has no Patient to make the person from"))?;
        let new = facts
            .new_person(nickname)?
            .validate(self.today())
            .map_err(|e| match e {
                // The element of the Patient the refused field came from.
                Error::InvalidInput { field, reason } if field != "nickname" => {
                    Error::invalid(format!("{} ({field})", facts.path), reason)
                }
                other => other,
            })?;
        let id = uuid::Uuid::new_v4().to_string();
        let check = self.validation();
        let imported = Reporter::run(progress, |report| {
            self.store().write_as("device", |w| {
                if let Some(a) = adder.as_deref() {
                    // Re-checked in the transaction, as every write is.
                    authorize(w.tx, a, a, Action::ManagePersons, check.now.utc_seconds)?;
                }
                let actor_id = self.insert_person(w, adder.as_deref(), &id, &new)?;
                let person = persons::require(w.tx, &id)?;
                let job = Job {
                    subject: &id,
                    person: &person,
                    json,
                    provenance,
                    source: &source,
                    check,
                    pulled: None,
                };
                let (r, ids) = self.import_in(w, &job, report)?;
                w.audit(NewAuditEntry {
                    actor: &actor_id,
                    subject: &id,
                    action: AuditAction::RecordsImported,
                    record_ids: &ids,
                    delegation: None,
                })?;
                Ok(r)
            })
        })?;
        self.person_added(adder.as_deref(), &id, nickname);
        Ok((self.person(&id)?, imported))
    }

    /// The import itself, in `w`'s transaction: plan, prepare, write; the report and the ids
    /// of every record it touched (for the audit entry).
    fn import_in(
        &self,
        w: &WriteCtx<'_>,
        job: &Job<'_>,
        report: &dyn Fn(usize, usize),
    ) -> Result<(ImportReport, Vec<String>)> {
        let Job {
            subject,
            person,
            json,
            provenance,
            source,
            check,
            pulled,
        } = *job;
        let updatable = pulled.map(|(_, u)| u);
        let mut writer = Writer::new(w.tx, subject, (provenance, source), updatable, check.now)?;
        let (mut done, mut of) = (0, 0);
        plan_chunks(
            json,
            &|item| prepare(item, subject, person, &check),
            &mut |items, total| {
                of = total;
                done += writer.take(items)?;
                report(done, of);
                Ok(())
            },
        )?;
        let imported = writer.finish()?;
        report(of, of);
        let follow = Follow {
            records: &imported.changed.follow,
            added: &imported.changed.added,
            from: pulled.map(|(r, _)| r),
        };
        self.follow_changes(w.tx, subject, follow, check.now)?;
        Ok((imported.report, imported.changed.ids))
    }

    /// How many FHIR resources are kept as documents for `subject`, by resource type.
    pub fn fhir_documents(&self, subject: &str) -> Result<Vec<(String, i64)>> {
        let access = self.authorize(subject, Action::View)?;
        self.store()
            .read(|c| imported::document_counts(c, access.subject()))
    }

    /// The original FHIR JSON an imported record was made from, if any. Audited like a read of
    /// the record.
    pub fn original_json(&self, subject: &str, id: &str) -> Result<Option<String>> {
        let access = self.authorize(subject, Action::View)?;
        self.read_audited(
            &access,
            AuditAction::RecordsListed,
            |c| {
                write::load_any(c, access.subject(), id)?;
                imported::original(c, id)
            },
            |_| vec![id.to_owned()],
        )
    }
}

#[cfg(test)]
mod tests {
    use crate::records::*;
    use crate::{ClinicalInput, KdfParams, Session};

    fn session() -> (tempfile::TempDir, Session, String) {
        let dir = tempfile::tempdir().unwrap();
        let s = Session::create(dir.path(), "test passphrase", KdfParams::cheap()).unwrap();
        let me = s
            .add_person(NewPerson {
                nickname: "hanako".into(),
                family_name: "山田".into(),
                given_name: "花子".into(),
                family_name_kana: None,
                given_name_kana: None,
                birth_date: chrono::NaiveDate::from_ymd_opt(1975, 5, 3).unwrap(),
                sex: Sex::Female,
                insurer_number: None,
                insured_symbol: None,
                insured_number: None,
                municipality_code: None,
            })
            .unwrap()
            .id;
        (dir, s, me)
    }

    fn at(days_ago: i64, seconds: i64) -> Stamp {
        Stamp {
            utc_seconds: crate::clock::Clock::from_environment().now_seconds() - days_ago * 86_400
                + seconds,
            offset_seconds: 9 * 3600,
        }
    }

    /// `(effective, value, derived from a weight at)` of every BMI, and the roll-up rows with
    /// their floats as bits.
    fn bmis_and_rollups(s: &Session, me: &str) -> (Vec<(i64, u64)>, Vec<String>) {
        s.store()
            .read(|c| {
                let records = all_live(c, me)?;
                let mut bmis: Vec<(i64, u64)> = records
                    .iter()
                    .filter_map(|r| match &r.body {
                        RecordBody::Observation(o)
                            if o.observation_type == ObservationType::Bmi =>
                        {
                            Some((o.effective.utc_seconds, o.value.to_bits()))
                        }
                        _ => None,
                    })
                    .collect();
                bmis.sort();
                let mut rows = vec![];
                for t in ["observation_hourly", "observation_daily_jst"] {
                    let mut stmt = c.prepare(&format!("SELECT * FROM {t} ORDER BY 1, 2, 3"))?;
                    let r = stmt.query_map([], |r| {
                        let mut s = String::new();
                        for i in 1..10 {
                            match r.get::<_, rusqlite::types::Value>(i)? {
                                rusqlite::types::Value::Real(f) => {
                                    s += &format!("{:x} ", f.to_bits())
                                }
                                other => s += &format!("{other:?} "),
                            }
                        }
                        Ok(s)
                    })?;
                    for row in r {
                        rows.push(row?);
                    }
                }
                Ok((bmis, rows))
            })
            .unwrap()
    }

    #[test]
    fn an_import_derives_the_same_bmis_and_rollups_as_adding_the_records() {
        // Heights: one long ago, two at the same second (different values), one recent; weights
        // before every height, between them, at a height's second, and after all.
        let heights = [
            (400, 0, 158.0),
            (200, 0, 159.5),
            (200, 0, 160.5),
            (10, 0, 160.0),
        ];
        let weights = [
            (500, 0, 50.0),
            (300, 60, 51.2),
            (200, 0, 52.4),
            (200, 1, 52.5),
            (100, 0, 53.1),
            (10, 0, 54.0),
            (1, 7, 54.3),
        ];
        let input = |ty, (d, s, v): (i64, i64, f64)| {
            ClinicalInput::Observation(ObservationInput::simple(ty, v, at(d, s)))
        };
        let (_a_dir, a, me_a) = session();
        for h in heights {
            a.add_records(
                &me_a,
                vec![input(ObservationType::Height, h)],
                Provenance::Device,
                None,
            )
            .unwrap();
        }
        for w in weights {
            a.add_records(
                &me_a,
                vec![input(ObservationType::Weight, w)],
                Provenance::Device,
                None,
            )
            .unwrap();
        }
        // The same readings as a FHIR Bundle, without A's BMIs (B derives its own).
        let mut bundle = a.export_fhir(&me_a, at(0, 0)).unwrap();
        bundle["entry"]
            .as_array_mut()
            .unwrap()
            .retain(|e| e["resource"]["code"]["coding"][0]["code"] != ObservationType::Bmi.loinc());
        let (_b_dir, b, me_b) = session();
        let report = b
            .import_fhir(
                &me_b,
                &serde_json::to_vec(&bundle).unwrap(),
                Provenance::ImportedFile,
                None,
            )
            .unwrap();
        assert_eq!(report.imported.len(), heights.len() + weights.len());
        assert_eq!(report.derived, weights.len());
        let (bmis_a, rollups_a) = bmis_and_rollups(&a, &me_a);
        let (bmis_b, rollups_b) = bmis_and_rollups(&b, &me_b);
        assert_eq!(bmis_a.len(), weights.len());
        assert_eq!(bmis_a, bmis_b);
        assert_eq!(rollups_a, rollups_b);
    }
}
