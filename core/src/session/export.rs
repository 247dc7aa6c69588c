//! Exporting a subject's record as FHIR R4 (JP Core): the whole record (the person's own copy:
//! the subject, or a proxy granted the `export` scope) or what the consent gate releases to one
//! recipient for one purpose (`share`). The mapping itself is
//! [`crate::fhir::write_whole_record`] / [`crate::fhir::released_bundle`]; this file reads the
//! records and audits the export.

use super::Session;
use crate::access::Action;
use crate::audit::AuditAction;
use crate::consent::ReleasedRecords;
use crate::error::{Error, Result, StorageFailure};
use crate::fhir::{Held, released_bundle, write_released_bundle, write_whole_record};
use crate::records::{Person, Record, Stamp, StoredDocument, all_live, imported, persons};
use std::collections::HashMap;

/// The whole record: the person, their live records, the originals kept by imports with the
/// fullUrls they came under, and the documents kept.
struct WholeRecord {
    person: Person,
    records: Vec<Record>,
    originals: HashMap<String, String>,
    full_urls: HashMap<String, String>,
    documents: Vec<StoredDocument>,
}

impl WholeRecord {
    fn write<W: std::io::Write>(&self, w: W, at: Stamp) -> std::io::Result<usize> {
        let held = Held {
            originals: &self.originals,
            full_urls: &self.full_urls,
            documents: &self.documents,
        };
        write_whole_record(w, &self.person, &self.records, &held, at)
    }
}

/// An export as JSON text, with the number of resources (Bundle entries) in it.
#[derive(Debug, Clone)]
pub struct FhirJson {
    pub json: Vec<u8>,
    pub resources: usize,
}

impl Session {
    /// `subject`'s whole record as a FHIR R4 `collection` Bundle stamped `at`.
    ///
    /// The person, every live record and every document kept from an import are read in ONE
    /// snapshot; the export is audited as `records_exported` naming every record id. This is the
    /// person's own copy (their right of access): a release to a recipient goes through the
    /// consent gate instead ([`Session::export_fhir_for`]). Imported records go out as the JSON
    /// they came as, with their references resolving inside the Bundle.
    pub fn export_fhir(&self, subject: &str, at: Stamp) -> Result<serde_json::Value> {
        let json = self.export_fhir_json(subject, at)?;
        serde_json::from_slice(&json.json)
            .map_err(|e| Error::Storage(StorageFailure::new("export", e.to_string())))
    }

    /// [`Session::export_fhir`] as JSON text, written without building a `Value` tree.
    pub fn export_fhir_json(&self, subject: &str, at: Stamp) -> Result<FhirJson> {
        let whole = self.whole_record(subject)?;
        let mut json = Vec::with_capacity(1024 + whole.records.len() * 1152);
        // Writing to a `Vec` cannot fail, nor can serialising string-keyed data.
        let resources = whole.write(&mut json, at).unwrap_or(0);
        Ok(FhirJson { json, resources })
    }

    /// [`Session::export_fhir_json`] written to `out` as it is produced (no whole-file buffer:
    /// give a file a `BufWriter`). Returns the number of resources.
    pub fn export_fhir_to(
        &self,
        subject: &str,
        at: Stamp,
        out: &mut dyn std::io::Write,
    ) -> Result<usize> {
        let whole = self.whole_record(subject)?;
        whole
            .write(out, at)
            .map_err(|e| Error::Storage(StorageFailure::new("export", e.to_string())))
    }

    /// The whole record of `subject`, read in one snapshot and audited as exported.
    fn whole_record(&self, subject: &str) -> Result<WholeRecord> {
        // The whole record, ungated: the subject's own copy. A proxy needs the separate
        // `export` scope (`share` only ever gives what the consent gate releases).
        let access = self.authorize(subject, Action::Export)?;
        self.read_audited(
            &access,
            AuditAction::RecordsExported,
            |c| {
                let s = access.subject();
                Ok(WholeRecord {
                    person: persons::get(c, s)?.ok_or_else(|| Error::not_found("person"))?,
                    originals: imported::originals(c, s)?,
                    full_urls: imported::full_urls(c, s)?,
                    documents: imported::documents(c, s)?,
                    records: all_live(c, s)?,
                })
            },
            |w| w.records.iter().map(|r| r.meta.id.clone()).collect(),
        )
    }

    /// One checkup of `subject` (`record`, else the latest) as a 健診結果報告書 FHIR document
    /// (JP eCheckupReport: Bundle `document`, Composition, Patient, institution, result
    /// Observations), stamped `at`. Audited as `records_exported` naming the checkup.
    pub fn export_echeckup(
        &self,
        subject: &str,
        record: Option<&str>,
        at: Stamp,
    ) -> Result<serde_json::Value> {
        // The person's own copy of one checkup, like the whole record.
        let access = self.authorize(subject, Action::Export)?;
        let (person, checkup) = self.read_audited(
            &access,
            AuditAction::RecordsExported,
            |c| {
                let s = access.subject();
                let person = persons::get(c, s)?.ok_or_else(|| Error::not_found("person"))?;
                let checkup = match record {
                    Some(id) => crate::records::write::load_live(c, s, id)?,
                    None => all_live(c, s)?
                        .into_iter()
                        .filter(|r| r.meta.kind == crate::records::RecordKind::Checkup)
                        .max_by_key(|r| (r.meta.effective.utc_seconds, r.meta.id.clone()))
                        .ok_or_else(|| Error::not_found("checkup"))?,
                };
                Ok((person, checkup))
            },
            |(_, r)| vec![r.meta.id.clone()],
        )?;
        crate::fhir::echeckup::echeckup_document(&person, &checkup, at)
            .ok_or_else(|| Error::invalid("record", "is not a checkup"))
    }

    /// What `recipient` may receive of `subject`'s record for `purpose`, as a FHIR R4 Bundle:
    /// every live record goes through the release gate ([`Session::release`], which audits the
    /// release as `records_released` with the ids let through) and only what it lets through
    /// is mapped: the versions it judged, an import's original only when it is the original of
    /// that very version, and a Patient with only the details consent releases. Withheld
    /// records are absent, and nothing refers to them; with nothing released, the Bundle holds
    /// nothing about the subject at all.
    pub fn export_fhir_for(
        &self,
        subject: &str,
        recipient: &str,
        purpose: &str,
        at: Stamp,
    ) -> Result<serde_json::Value> {
        let r = self.released_record(subject, recipient, purpose)?;
        Ok(released_bundle(
            r.person(),
            r.permitted(),
            r.originals(),
            r.details(),
            at,
        ))
    }

    /// [`Session::export_fhir_for`] as JSON text (the same bytes, without a `Value` tree).
    pub fn export_fhir_for_json(
        &self,
        subject: &str,
        recipient: &str,
        purpose: &str,
        at: Stamp,
    ) -> Result<FhirJson> {
        let r = self.released_record(subject, recipient, purpose)?;
        let mut json = Vec::with_capacity(1024 + r.permitted().len() * 1152);
        // Writing to a `Vec` cannot fail, nor can serialising string-keyed data.
        let resources = write_released_bundle(
            &mut json,
            r.person(),
            r.permitted(),
            r.originals(),
            r.details(),
            at,
        )
        .unwrap_or(0);
        Ok(FhirJson { json, resources })
    }

    /// What the release gate lets go to `recipient` for `purpose` of every live record (the
    /// release is audited).
    fn released_record(
        &self,
        subject: &str,
        recipient: &str,
        purpose: &str,
    ) -> Result<ReleasedRecords> {
        let access = self.authorize(subject, Action::Share)?;
        let ids: Vec<String> = self.store().read(|c| {
            Ok(all_live(c, access.subject())?
                .into_iter()
                .map(|r| r.meta.id)
                .collect())
        })?;
        let target = (recipient, purpose);
        self.release_ids(&access, target, &ids, Some(crate::provision::Channel::File))
    }
}

#[cfg(test)]
mod tests {
    use crate::records::*;
    use crate::{ClinicalInput, KdfParams, Session};

    #[test]
    fn the_json_export_is_the_bytes_of_the_value_export() {
        let dir = tempfile::tempdir().unwrap();
        let s = Session::create(dir.path(), "test passphrase", KdfParams::cheap()).unwrap();
        let me = s
            .add_person(NewPerson {
                nickname: "taro".into(),
                family_name: "山田".into(),
                given_name: "太郎".into(),
                family_name_kana: None,
                given_name_kana: None,
                birth_date: chrono::NaiveDate::from_ymd_opt(1960, 4, 12).unwrap(),
                sex: Sex::Male,
                insurer_number: None,
                insured_symbol: None,
                insured_number: None,
                municipality_code: None,
            })
            .unwrap()
            .id;
        let at = s.now();
        let earlier = |minutes: i64| Stamp {
            utc_seconds: at.utc_seconds - 60 * minutes,
            ..at
        };
        let inputs = vec![
            ObservationInput::simple(ObservationType::Height, 170.0, earlier(90)),
            ObservationInput::simple(ObservationType::Weight, 64.5, earlier(60)),
            ObservationInput::blood_pressure(121.0, 79.0, Some(61.0), earlier(30)),
        ];
        s.add_records(
            &me,
            inputs.into_iter().map(ClinicalInput::Observation).collect(),
            Provenance::Device,
            Some("scale"),
        )
        .unwrap();
        // An imported record, exported from the JSON it came as.
        let imported = r#"{"resourceType":"Observation","id":"hr-1","status":"final",
            "code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}],"text":"脈拍"},
            "effectiveDateTime":"2026-11-01T07:00:00+09:00",
            "valueQuantity":{"value":62,"unit":"/min","system":"http://unitsofmeasure.org","code":"/min"}}"#;
        s.import_fhir(&me, imported.as_bytes(), Provenance::ImportedFile, None)
            .unwrap();
        let value = s.export_fhir(&me, at).unwrap();
        assert_eq!(value["entry"].as_array().unwrap().len(), 1 + 5 + 3);
        let json = s.export_fhir_json(&me, at).unwrap();
        assert_eq!(json.json, serde_json::to_vec(&value).unwrap());
        assert_eq!(json.resources, 1 + 5 + 3);

        // The consent-gated export too: only the vitals are released (blood pressure and the
        // imported pulse), the same bytes as the Value form.
        s.set_operator_profile(crate::consent::samples::municipality())
            .unwrap();
        s.set_consent(
            &me,
            crate::consent::ConsentRequest::permit(
                "health-dept",
                &[crate::consent::DataCategory::Vitals],
                &["specific_health_guidance"],
            ),
        )
        .unwrap();
        let (r, p) = ("health-dept", "specific_health_guidance");
        let value = s.export_fhir_for(&me, r, p, at).unwrap();
        let json = s.export_fhir_for_json(&me, r, p, at).unwrap();
        assert_eq!(json.json, serde_json::to_vec(&value).unwrap());
        assert_eq!(json.resources, value["entry"].as_array().unwrap().len());
        assert!(json.resources < 1 + 5 + 3);
    }
}
