//! Immunization, MedicationStatement / MedicationRequest (both an お薬手帳 medication line),
//! Condition, AllergyIntolerance and DocumentReference (a text/plain note).

use super::json::{Concept, Obj, ascii_code};
use super::{DEFAULT_OFFSET, Outcome, document, record, record_given, skip};
use crate::error::Result;
use crate::fhir::codes::system;
use crate::records::ClinicalInput;
use crate::records::{Allergy, Condition, Immunization, Medication};
use base64::Engine as _;

/// A date as read, with what a record keeps when it is coarser than a day.
type Given = (crate::fhir::date::FhirDate, Option<crate::records::AsGiven>);

fn field(o: &Obj<'_, '_>, name: &str, k: &str) -> (String, String) {
    (name.to_owned(), o.path.key(k).as_str().to_owned())
}

/// A code under a system the record model names (`hot`, `yj`, `icd10`, …).
fn known_code(c: &Concept<'_>, allowed: &[(&str, &str)]) -> (Option<String>, Option<String>) {
    for (uri, name) in allowed {
        if let Some(code) = c.code_in(&[uri]) {
            return (Some((*name).to_owned()), Some(ascii_code(code)));
        }
    }
    (None, None)
}

const DRUG_SYSTEMS: &[(&str, &str)] = &[(system::YJ, "yj"), (system::HOT, "hot")];
const DISEASE_SYSTEMS: &[(&str, &str)] = &[
    (system::ICD10, "icd10"),
    ("http://jpfhir.jp/fhir/core/CodeSystem/JP_ICD10_CS", "icd10"),
    (system::MEDIS_DISEASE, "medis"),
    (system::SNOMED, "snomed"),
];

pub(crate) fn immunization(o: &Obj<'_, '_>) -> Result<Outcome> {
    if o.str("status")? == Some("not-done") {
        return Ok(skip("status is not-done"));
    }
    let Some(vaccine) = Concept::of(o, "vaccineCode")? else {
        return Ok(document("an Immunization without vaccineCode"));
    };
    let Some(name) = vaccine.label() else {
        return Ok(document("a vaccine without a name"));
    };
    let (code_system, code) = known_code(&vaccine, &[(system::HOT, "hot")]);
    let Some((date, as_given)) = o.date_given("occurrenceDateTime")? else {
        return Ok(document("an Immunization without occurrenceDateTime"));
    };
    let date = date.first;
    let mut dose_number = None;
    if let Some((p, pp)) = o.array("protocolApplied")?.into_iter().next() {
        let po = Obj::new(p, &pp)?;
        dose_number = po
            .uint("doseNumberPositiveInt")?
            .map(|n| u32::try_from(n).unwrap_or(u32::MAX));
    }
    let place = match o.child("location")? {
        Some((l, lp)) => Obj::new(l, &lp)?.str("display")?.map(str::to_owned),
        None => None,
    };
    let i = Immunization {
        vaccine: name.to_owned(),
        code_system,
        code,
        date,
        dose_number,
        lot: o.str("lotNumber")?.map(str::to_owned),
        place,
    };
    Ok(record_given(
        ClinicalInput::Immunization(i),
        vec![
            field(o, "vaccine", "vaccineCode"),
            field(o, "code", "vaccineCode"),
            field(o, "code_system", "vaccineCode"),
            field(o, "date", "occurrenceDateTime"),
            field(o, "dose_number", "protocolApplied"),
            field(o, "lot", "lotNumber"),
            field(o, "place", "location"),
        ],
        as_given,
    ))
}

fn display_of(o: &Obj<'_, '_>, k: &str) -> Result<Option<String>> {
    Ok(match o.child(k)? {
        Some((v, p)) => Obj::new(v, &p)?.str("display")?.map(str::to_owned),
        None => None,
    })
}

pub(crate) fn medication(o: &Obj<'_, '_>, rtype: &str) -> Result<Outcome> {
    if matches!(o.str("status")?, Some("cancelled" | "not-taken" | "draft")) {
        return Ok(skip("status says it was not taken"));
    }
    let (name, code_system, code) = match Concept::of(o, "medicationCodeableConcept")? {
        Some(c) => {
            let (cs, code) = known_code(&c, DRUG_SYSTEMS);
            (c.label().map(str::to_owned), cs, code)
        }
        None => (display_of(o, "medicationReference")?, None, None),
    };
    let Some(name) = name else {
        return Ok(document("a medication without a name"));
    };
    let (mut start, mut end, mut dose) = (None::<Given>, None, None);
    let dosage_key = if rtype == "MedicationRequest" {
        "dosageInstruction"
    } else {
        "dosage"
    };
    if let Some((d, dp)) = o.array(dosage_key)?.into_iter().next() {
        let d = Obj::new(d, &dp)?;
        dose = d.str("text")?.map(str::to_owned);
        for (e, ep) in d.array("extension")? {
            let e = Obj::new(e, &ep)?;
            if e.str("url")?
                .is_some_and(|u| u.ends_with("JP_MedicationDosage_PeriodOfUse"))
                && let Some((p, pp)) = e.child("valuePeriod")?
            {
                let p = Obj::new(p, &pp)?;
                start = p.date_given("start")?;
                end = p.end_date("end")?;
            }
        }
    }
    if let Some((p, pp)) = o.child("effectivePeriod")? {
        let p = Obj::new(p, &pp)?;
        start = p.date_given("start")?.or(start);
        end = p.end_date("end")?.or(end);
    }
    if let Some((p, pp)) = o.child("dispenseRequest")?
        && let Some((v, vp)) = Obj::new(p, &pp)?.child("validityPeriod")?
    {
        let v = Obj::new(v, &vp)?;
        start = start.or(v.date_given("start")?);
    }
    let start = start
        .or(o.date_given("effectiveDateTime")?)
        .or(o.date_given("authoredOn")?)
        .or(o.date_given("dateAsserted")?);
    let Some((start_date, as_given)) = start else {
        return Ok(document("a medication without a start date"));
    };
    let start_date = start_date.first;
    let prescriber = match display_of(o, "requester")? {
        Some(p) => Some(p),
        None => {
            let mut found = None;
            for (n, np) in o.array("note")? {
                if let Some(t) = Obj::new(n, &np)?.str("text")? {
                    found = found.or(t.strip_prefix("prescriber: ").map(str::to_owned));
                }
            }
            found
        }
    };
    let m = Medication {
        drug_name: name,
        code_system,
        code,
        dose,
        frequency: None,
        start_date,
        end_date: end,
        prescriber,
        pharmacy: display_of(o, "informationSource")?,
    };
    let med_key = if o.has("medicationCodeableConcept") {
        "medicationCodeableConcept"
    } else {
        "medicationReference"
    };
    Ok(record_given(
        ClinicalInput::Medication(m),
        vec![
            field(o, "drug_name", med_key),
            field(o, "code", med_key),
            field(o, "code_system", med_key),
            field(o, "dose", dosage_key),
            field(o, "start_date", "effectivePeriod"),
            field(o, "end_date", "effectivePeriod"),
            field(o, "prescriber", "requester"),
            field(o, "pharmacy", "informationSource"),
        ],
        as_given,
    ))
}

pub(crate) fn condition(o: &Obj<'_, '_>) -> Result<Outcome> {
    if let Some(v) = Concept::of(o, "verificationStatus")?
        && matches!(
            v.codings.first(),
            Some((_, Some("refuted" | "entered-in-error"), _))
        )
    {
        return Ok(skip("verificationStatus says it does not hold"));
    }
    let Some(code) = Concept::of(o, "code")? else {
        return Ok(document("a Condition without a code"));
    };
    let Some(name) = code.label() else {
        return Ok(document("a Condition without a name"));
    };
    let (code_system, c) = known_code(&code, DISEASE_SYSTEMS);
    let onset = o.date_given("onsetDateTime")?;
    let onset_date = onset.as_ref().map(|(d, _)| d.first);
    let as_given = onset.and_then(|(_, g)| g);
    // An end known only to the year or month ends at the last day it may be.
    let end_date = o.end_date("abatementDateTime")?;
    let status = match Concept::of(o, "clinicalStatus")?
        .as_ref()
        .and_then(|s| s.codings.iter().find_map(|(_, c, _)| *c))
    {
        Some("active" | "recurrence" | "relapse") => "active",
        Some("inactive" | "remission") => "inactive",
        Some("resolved") => "resolved",
        _ if end_date.is_some() => "resolved",
        _ => "active",
    };
    let c = Condition {
        name: name.to_owned(),
        code_system,
        code: c,
        onset_date,
        end_date,
        status: status.to_owned(),
    };
    Ok(record_given(
        ClinicalInput::Condition(c),
        vec![
            field(o, "name", "code"),
            field(o, "code", "code"),
            field(o, "code_system", "code"),
            field(o, "onset_date", "onsetDateTime"),
            field(o, "end_date", "abatementDateTime"),
            field(o, "status", "clinicalStatus"),
        ],
        as_given,
    ))
}

pub(crate) fn allergy(o: &Obj<'_, '_>) -> Result<Outcome> {
    let Some(code) = Concept::of(o, "code")? else {
        return Ok(document("an AllergyIntolerance without a code"));
    };
    let Some(substance) = code.label() else {
        return Ok(document("an allergy without a substance name"));
    };
    let (code_system, c) = known_code(&code, &[(system::SNOMED, "snomed")]);
    let (mut reaction, mut severity) = (None, None);
    if let Some((r, rp)) = o.array("reaction")?.into_iter().next() {
        let r = Obj::new(r, &rp)?;
        severity = r.str("severity")?.map(str::to_owned);
        for (m, mp) in r.array("manifestation")? {
            if let Some(t) = Concept::read(m, &mp)?.label() {
                reaction = Some(t.to_owned());
                break;
            }
        }
    }
    let a = Allergy {
        substance: substance.to_owned(),
        code_system,
        code: c,
        reaction,
        severity,
    };
    Ok(record(
        ClinicalInput::Allergy(a),
        vec![
            field(o, "substance", "code"),
            field(o, "code", "code"),
            field(o, "code_system", "code"),
            field(o, "reaction", "reaction"),
            field(o, "severity", "reaction"),
        ],
    ))
}

/// A DocumentReference whose content is `text/plain` data becomes a note; any other is kept.
pub(crate) fn document_reference(o: &Obj<'_, '_>) -> Result<Outcome> {
    for (c, cp) in o.array("content")? {
        let Some((a, ap)) = Obj::new(c, &cp)?.child("attachment")? else {
            continue;
        };
        let a = Obj::new(a, &ap)?;
        let plain = a
            .str("contentType")?
            .is_some_and(|t| t.trim().to_ascii_lowercase().starts_with("text/plain"));
        let Some(data) = a.str("data")? else { continue };
        if !plain {
            continue;
        }
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data.trim())
            .map_err(|_| ap.key("data").err("expected base64"))?;
        let text =
            String::from_utf8(bytes).map_err(|_| ap.key("data").err("expected UTF-8 text"))?;
        let at = o.date_time("date", DEFAULT_OFFSET)?;
        return Ok(record(
            ClinicalInput::Note { text, at },
            vec![
                ("text".to_owned(), ap.key("data").as_str().to_owned()),
                field(o, "at", "date"),
            ],
        ));
    }
    Ok(document("a DocumentReference without text/plain data"))
}
