//! Condition (病名) → JP_Condition on the person's problem list.

use super::codes::{profile, system};
use super::context::{Ctx, Mapped};
use super::datatypes::obj;
use super::datatypes::{
    concept, concept_of, date, date_time, known_coding, meta, reference, uuid_identifier,
};
use crate::records::{Condition, RecordMeta};
use serde_json::Value;

pub(crate) fn condition(ctx: &Ctx<'_>, m: &RecordMeta, c: &Condition, id: String) -> Mapped {
    let codings: Vec<Value> = known_coding(c.code_system.as_deref(), c.code.as_deref())
        .into_iter()
        .collect();
    let mut r = obj! {
        "resourceType" => "Condition",
        "id" => id.as_str(),
        "meta" => meta(Some(profile::CONDITION), Some(m.updated)),
        "identifier" => uuid_identifier(&id),
        "clinicalStatus" => concept(system::CONDITION_CLINICAL, &c.status),
        "category" => Value::Array(vec![concept(system::CONDITION_CATEGORY, "problem-list-item")]),
        "code" => concept_of(codings, Some(&c.name)),
        "subject" => reference(&ctx.patient),
        "recordedDate" => date_time(m.created),
    };
    if let Some(d) = c.onset_date {
        r["onsetDateTime"] = Value::from(m.effective_text.clone().unwrap_or_else(|| date(d)));
    }
    // FHIR invariant con-4: an abated condition is not `active`. An end date on an active
    // condition (a data-entry slip) is therefore not exported as an abatement.
    if let (Some(d), false) = (c.end_date, c.status == "active") {
        r["abatementDateTime"] = Value::from(date(d));
    }
    Mapped { id, resource: r }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fhir::fixtures;
    use crate::records::RecordBody;

    #[test]
    fn status_onset_and_abatement_map() {
        let rec = fixtures::condition();
        let RecordBody::Condition(c) = &rec.body else {
            unreachable!()
        };
        let r = condition(&fixtures::ctx(), &rec.meta, c, rec.meta.id.clone()).resource;
        assert_eq!(r["meta"]["profile"][0], profile::CONDITION);
        assert_eq!(r["clinicalStatus"]["coding"][0]["code"], "resolved");
        assert_eq!(r["code"]["text"], "急性気管支炎");
        assert_eq!(r["code"]["coding"][0]["system"], system::ICD10);
        assert_eq!(r["onsetDateTime"], "2025-12-01");
        assert_eq!(r["abatementDateTime"], "2025-12-20");
    }
}
