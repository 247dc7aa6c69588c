//! Exporting a subject's record as FHIR R4 (JP Core): the whole record (the person's own copy:
//! the subject, or a proxy granted the `export` scope) or what the consent gate releases to one
//! recipient for one purpose (`share`). The mapping itself is
//! [`crate::fhir::bundle_with_originals`] / [`crate::fhir::released_bundle`]; this file reads
//! the records and audits the export.

use super::Session;
use crate::access::Action;
use crate::audit::AuditAction;
use crate::consent::ReleasedRecords;
use crate::error::{Error, Result};
use crate::fhir::{bundle_with_originals, released_bundle, write_bundle, write_released_bundle};
use crate::records::{Person, Record, Stamp, all_live, imported, persons};
use std::collections::HashMap;

/// What an export maps: the person, their live records, and the originals kept by imports.
type Exported = (Person, Vec<Record>, HashMap<String, String>);

/// An export as JSON text, with the number of resources (Bundle entries) in it.
#[derive(Debug, Clone)]
pub struct FhirJson {
    pub json: Vec<u8>,
    pub resources: usize,
}

fn to_json((person, records, originals): Exported, at: Stamp) -> FhirJson {
    // About 1.1 KB a resource.
    let mut json = Vec::with_capacity(1024 + records.len() * 1152);
    // Writing to a `Vec` cannot fail, nor can serialising string-keyed data.
    let resources = write_bundle(&mut json, &person, &records, &originals, at).unwrap_or(0);
    FhirJson { json, resources }
}

impl Session {
    /// `subject`'s whole record as a FHIR R4 `collection` Bundle stamped `at`.
    ///
    /// The person and every live record are read in ONE snapshot; the export is audited as
    /// `records_exported` naming every record id. This is the person's own copy (their right of
    /// access): a release to a recipient goes through the consent gate instead
    /// ([`Session::export_fhir_for`]). Imported records go out as the JSON they came as.
    pub fn export_fhir(&self, subject: &str, at: Stamp) -> Result<serde_json::Value> {
        let (person, records, originals) = self.whole_record(subject)?;
        Ok(bundle_with_originals(&person, &records, &originals, at))
    }

    /// [`Session::export_fhir`] as JSON text: the bytes of `serde_json::to_vec` of that Bundle,
    /// written without building a `Value` tree (several times faster for a large record).
    pub fn export_fhir_json(&self, subject: &str, at: Stamp) -> Result<FhirJson> {
        Ok(to_json(self.whole_record(subject)?, at))
    }

    /// The whole record of `subject`, read in one snapshot and audited as exported.
    fn whole_record(&self, subject: &str) -> Result<Exported> {
        // The whole record, ungated: the subject's own copy. A proxy needs the separate
        // `export` scope (`share` only ever gives what the consent gate releases).
        let access = self.authorize(subject, Action::Export)?;
        self.read_audited(
            &access,
            AuditAction::RecordsExported,
            |c| {
                let person =
                    persons::get(c, access.subject())?.ok_or_else(|| Error::not_found("person"))?;
                let originals = imported::originals(c, access.subject())?;
                Ok((person, all_live(c, access.subject())?, originals))
            },
            |(_, records, _)| records.iter().map(|r| r.meta.id.clone()).collect(),
        )
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
        self.release_ids(&access, recipient, purpose, &ids)
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
