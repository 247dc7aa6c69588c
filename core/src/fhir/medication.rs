//! Medication (お薬手帳) → MedicationStatement.
//!
//! Why MedicationStatement and not JP_MedicationRequest: an お薬手帳 line says what the person
//! takes or took (from a pharmacy label, Mynaportal's 薬剤情報 or their own typing), not an order.
//! A MedicationRequest would assert a prescriber's order with intent, requester, authoredOn and
//! structured dosage (JAMI codes) that we do not have; inventing them would misstate the record.
//! JP Core 1.1.2 has no MedicationStatement profile, so this resource carries no `meta.profile`.

use super::context::{Ctx, Mapped};
use super::datatypes::obj;
use super::datatypes::{
    concept_of, date, display_reference, known_coding, meta, reference, uuid_identifier,
};
use crate::records::{Medication, RecordMeta};
use serde_json::Value;

pub(crate) fn medication(ctx: &Ctx<'_>, m: &RecordMeta, med: &Medication, id: String) -> Mapped {
    let codings: Vec<Value> = known_coding(med.code_system.as_deref(), med.code.as_deref())
        .into_iter()
        .collect();
    let ended = med.end_date.is_some_and(|end| end < ctx.today);
    let mut period =
        obj! { "start" => m.effective_text.clone().unwrap_or_else(|| date(med.start_date)) };
    if let Some(end) = med.end_date {
        period["end"] = Value::from(date(end));
    }
    let mut r = obj! {
        "resourceType" => "MedicationStatement",
        "id" => id.as_str(),
        "meta" => meta(None, Some(m.updated)),
        "identifier" => uuid_identifier(&id),
        "status" => if ended { "completed" } else { "active" },
        "medicationCodeableConcept" => concept_of(codings, Some(&med.drug_name)),
        "subject" => reference(&ctx.patient),
        "effectivePeriod" => period,
        "dateAsserted" => super::datatypes::date_time(m.created),
    };
    let dosage: Vec<&str> = [med.dose.as_deref(), med.frequency.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    if !dosage.is_empty() {
        r["dosage"] = Value::Array(vec![obj! { "text" => dosage.join(" ") }]);
    }
    if let Some(p) = &med.pharmacy {
        r["informationSource"] = display_reference(p);
    }
    if let Some(p) = &med.prescriber {
        // No Practitioner resource to point at: the prescriber's name travels as a note.
        r["note"] = Value::Array(vec![obj! { "text" => format!("prescriber: {p}") }]);
    }
    Mapped { id, resource: r }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fhir::codes::system;
    use crate::fhir::fixtures;
    use crate::records::RecordBody;

    #[test]
    fn drug_codes_period_and_dosage_map() {
        let rec = fixtures::medication();
        let RecordBody::Medication(med) = &rec.body else {
            unreachable!()
        };
        let r = medication(&fixtures::ctx(), &rec.meta, med, rec.meta.id.clone()).resource;
        assert!(r["meta"].get("profile").is_none());
        assert_eq!(r["status"], "active");
        assert_eq!(r["medicationCodeableConcept"]["text"], "アムロジピン錠5mg");
        assert_eq!(
            r["medicationCodeableConcept"]["coding"][0]["system"],
            system::YJ
        );
        assert_eq!(r["effectivePeriod"]["start"], "2026-01-15");
        assert_eq!(r["dosage"][0]["text"], "1錠 1日1回朝食後");
        assert_eq!(r["informationSource"]["display"], "あおば薬局");
    }

    #[test]
    fn a_finished_medication_is_completed() {
        let mut rec = fixtures::medication();
        let RecordBody::Medication(med) = &mut rec.body else {
            unreachable!()
        };
        med.end_date = chrono::NaiveDate::from_ymd_opt(2026, 2, 15);
        let r = medication(&fixtures::ctx(), &rec.meta, med, rec.meta.id.clone()).resource;
        assert_eq!(r["status"], "completed");
        assert_eq!(r["effectivePeriod"]["end"], "2026-02-15");
    }
}
