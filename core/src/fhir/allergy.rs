//! Allergy → JP_AllergyIntolerance: substance as text (coded when the code system is known),
//! the reaction as manifestation text, and its severity.

use super::codes::{profile, system};
use super::context::{Ctx, Mapped};
use super::datatypes::{
    concept, concept_of, date_time, known_coding, meta, reference, text_concept, uuid_identifier,
};
use crate::records::{Allergy, RecordMeta};
use serde_json::{Value, json};

pub(crate) fn allergy(ctx: &Ctx<'_>, m: &RecordMeta, a: &Allergy, id: String) -> Mapped {
    let codings: Vec<Value> = known_coding(a.code_system.as_deref(), a.code.as_deref())
        .into_iter()
        .collect();
    let mut r = json!({
        "resourceType": "AllergyIntolerance",
        "id": id,
        "meta": meta(Some(profile::ALLERGY_INTOLERANCE), Some(m.updated)),
        "identifier": uuid_identifier(&id),
        // The record model has no status: an allergy kept in the record is a current one.
        "clinicalStatus": concept(system::ALLERGY_CLINICAL, "active"),
        "code": concept_of(codings, Some(&a.substance)),
        "patient": reference(&ctx.patient),
        "recordedDate": date_time(m.created),
    });
    if a.reaction.is_some() || a.severity.is_some() {
        // A reaction needs a manifestation: when only the severity is known, the manifestation
        // says so with the data-absent-reason extension instead of made-up text.
        let manifestation = match &a.reaction {
            Some(t) => text_concept(t),
            None => json!({ "extension": [{
                "url": system::DATA_ABSENT_REASON_EXT,
                "valueCode": "unknown",
            }] }),
        };
        let mut reaction = json!({ "manifestation": [manifestation] });
        if let Some(s) = &a.severity {
            reaction["severity"] = Value::from(s.as_str());
        }
        r["reaction"] = json!([reaction]);
    }
    Mapped { id, resource: r }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fhir::fixtures;
    use crate::records::RecordBody;

    #[test]
    fn substance_reaction_and_severity_map() {
        let rec = fixtures::allergy();
        let RecordBody::Allergy(a) = &rec.body else {
            unreachable!()
        };
        let r = allergy(&fixtures::ctx(), &rec.meta, a, rec.meta.id.clone()).resource;
        assert_eq!(r["meta"]["profile"][0], profile::ALLERGY_INTOLERANCE);
        assert_eq!(r["code"]["text"], "そば");
        assert_eq!(r["reaction"][0]["manifestation"][0]["text"], "じんましん");
        assert_eq!(r["reaction"][0]["severity"], "severe");
        assert_eq!(r["clinicalStatus"]["coding"][0]["code"], "active");
    }
}
