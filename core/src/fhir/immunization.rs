//! Immunization (予防接種) → JP_Immunization: vaccine as text plus its HOT coding when known,
//! the day as `occurrenceDateTime`, dose number, lot and where it was given.

use super::codes::profile;
use super::context::{Ctx, Mapped};
use super::datatypes::obj;
use super::datatypes::{
    concept_of, date, display_reference, known_coding, meta, reference, uuid_identifier,
};
use crate::records::{Immunization, RecordMeta};
use serde_json::Value;

pub(crate) fn immunization(ctx: &Ctx<'_>, m: &RecordMeta, i: &Immunization, id: String) -> Mapped {
    let codings: Vec<Value> = known_coding(i.code_system.as_deref(), i.code.as_deref())
        .into_iter()
        .collect();
    let mut r = obj! {
        "resourceType" => "Immunization",
        "id" => id.as_str(),
        "meta" => meta(Some(profile::IMMUNIZATION), Some(m.updated)),
        "identifier" => uuid_identifier(&id),
        "status" => "completed",
        "vaccineCode" => concept_of(codings, Some(&i.vaccine)),
        "patient" => reference(&ctx.patient),
        // A date known only to the month or year goes out as it was given.
        "occurrenceDateTime" => m.effective_text.clone().unwrap_or_else(|| date(i.date)),
    };
    if let Some(lot) = &i.lot {
        r["lotNumber"] = Value::from(lot.as_str());
    }
    if let Some(place) = &i.place {
        // Where it was given (a clinic or a mass-vaccination site): we hold a name, not a Location.
        r["location"] = display_reference(place);
    }
    if let Some(n) = i.dose_number {
        r["protocolApplied"] = Value::Array(vec![obj! { "doseNumberPositiveInt" => n }]);
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
    fn vaccine_dose_lot_and_place_map() {
        let rec = fixtures::immunization();
        let RecordBody::Immunization(i) = &rec.body else {
            unreachable!()
        };
        let r = immunization(&fixtures::ctx(), &rec.meta, i, rec.meta.id.clone()).resource;
        assert_eq!(r["meta"]["profile"][0], profile::IMMUNIZATION);
        assert_eq!(r["vaccineCode"]["text"], "インフルエンザHAワクチン");
        assert_eq!(r["vaccineCode"]["coding"][0]["system"], system::HOT);
        assert_eq!(r["vaccineCode"]["coding"][0]["code"], "123456701");
        assert_eq!(r["occurrenceDateTime"], "2025-10-20");
        assert_eq!(r["protocolApplied"][0]["doseNumberPositiveInt"], 1);
        assert_eq!(r["lotNumber"], "AB1234");
        assert_eq!(r["location"]["display"], "やまだ内科クリニック");
        assert_eq!(r["patient"]["reference"], "urn:uuid:p1");
    }
}
