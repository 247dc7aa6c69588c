//! The one boundary between sync and the FHIR mapping: the resources a released record becomes
//! on a server. The mapping is the whole-record export's ([`crate::fhir::bundle_with_originals`]:
//! an imported record goes as its original JSON, the very version the gate released); sync only
//! turns its Bundle-local `urn:uuid:` references into `Type/id` references a server resolves,
//! and leaves out the Patient (sent on its own, with only the details consent released:
//! [`patient_resource`]) and the Provenance.

use crate::fhir::{bundle_with_originals, restricted_patient};
use crate::records::{Person, PersonDetail, Record, Stamp};
use serde_json::Value;
use std::collections::HashMap;

/// One resource with its server address.
#[derive(Debug, Clone)]
pub(crate) struct Resource {
    pub rtype: String,
    pub id: String,
    pub body: Value,
}

impl Resource {
    /// `Type/id`.
    pub fn address(&self) -> String {
        format!("{}/{}", self.rtype, self.id)
    }
}

/// The `meta.tag` system naming the store a resource was pushed from; the pull asks the server
/// for everything but its own (`_tag:not=`), so what a sync just pushed is not read back.
pub(crate) const ORIGIN_SYSTEM: &str = "urn:phr-core:origin";

/// The resources `record` (a live record of `person`, with the `original` JSON an import kept
/// of it) becomes, in a stable order, tagged with this store's `origin`.
pub(crate) fn resources_for(
    person: &Person,
    record: &Record,
    original: Option<&String>,
    at: Stamp,
    origin: &str,
) -> Vec<Resource> {
    let originals: HashMap<String, String> = original
        .map(|o| (record.meta.id.clone(), o.clone()))
        .into_iter()
        .collect();
    let bundle = bundle_with_originals(person, std::slice::from_ref(record), &originals, at);
    let entries = bundle["entry"].as_array().cloned().unwrap_or_default();
    let mut types: HashMap<String, String> = HashMap::new();
    for e in &entries {
        if let (Some(t), Some(id)) = (
            e["resource"]["resourceType"].as_str(),
            e["resource"]["id"].as_str(),
        ) {
            types.insert(format!("urn:uuid:{id}"), format!("{t}/{id}"));
        }
    }
    let mut out = vec![];
    for e in entries {
        let mut body = e["resource"].clone();
        let (Some(t), Some(id)) = (
            body["resourceType"].as_str().map(str::to_owned),
            body["id"].as_str().map(str::to_owned),
        ) else {
            continue;
        };
        if t == "Patient" || t == "Provenance" {
            continue;
        }
        rewrite_references(&mut body, &types);
        let tag = serde_json::json!({ "system": ORIGIN_SYSTEM, "code": origin });
        push_meta_coding(&mut body, "tag", tag);
        out.push(Resource { rtype: t, id, body });
    }
    out
}

/// Append `coding` to the resource's `meta.<list>` (`tag`, `security`), creating what is missing.
pub(crate) fn push_meta_coding(body: &mut Value, list: &str, coding: Value) {
    let Some(meta) = body
        .as_object_mut()
        .map(|o| {
            o.entry("meta")
                .or_insert_with(|| Value::Object(Default::default()))
        })
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    match meta.get_mut(list).and_then(Value::as_array_mut) {
        Some(codings) => codings.push(coding),
        None => {
            meta.insert(list.into(), Value::Array(vec![coding]));
        }
    }
}

/// The subject's Patient holding only `details` (what consent released), tagged with this
/// store's `origin`; its address is [`patient_address`].
pub(crate) fn patient_resource(person: &Person, details: &[PersonDetail], origin: &str) -> Value {
    let mut body = restricted_patient(person, &patient_id(person), details);
    let tag = serde_json::json!({ "system": ORIGIN_SYSTEM, "code": origin });
    push_meta_coding(&mut body, "tag", tag);
    body
}

fn patient_id(person: &Person) -> String {
    crate::fhir::resource_id(&person.id)
}

/// `Patient/id` of the subject, as the mapping names it.
pub(crate) fn patient_address(person: &Person) -> String {
    format!("Patient/{}", patient_id(person))
}

/// `{"reference": "urn:uuid:X"}` → `{"reference": "Type/X"}`; a reference to nothing in the
/// record's own resources or its Patient is dropped rather than left dangling, and an element
/// left with nothing in it goes too (`{}` is not valid FHIR). Returns whether `v` is now empty.
fn rewrite_references(v: &mut Value, types: &HashMap<String, String>) -> bool {
    match v {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("reference")
                && r.starts_with("urn:uuid:")
            {
                match types.get(r) {
                    Some(addr) => {
                        map.insert("reference".into(), Value::String(addr.clone()));
                    }
                    None => {
                        map.remove("reference");
                    }
                }
            }
            map.retain(|_, child| !rewrite_references(child, types));
            map.is_empty()
        }
        Value::Array(items) => {
            items.retain_mut(|i| !rewrite_references(i, types));
            items.is_empty()
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fhir::fixtures;

    fn at() -> Stamp {
        Stamp {
            utc_seconds: 1_795_000_000,
            offset_seconds: 9 * 3600,
        }
    }

    fn references(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(r)) = m.get("reference") {
                    out.push(r.clone());
                }
                m.values().for_each(|c| references(c, out));
            }
            Value::Array(a) => a.iter().for_each(|c| references(c, out)),
            _ => {}
        }
    }

    #[test]
    fn a_meta_coding_is_appended_and_meta_made_when_missing() {
        let mut bare = serde_json::json!({ "resourceType": "Observation" });
        push_meta_coding(&mut bare, "tag", serde_json::json!({ "code": "a" }));
        assert_eq!(bare["meta"]["tag"], serde_json::json!([{ "code": "a" }]));
        push_meta_coding(&mut bare, "tag", serde_json::json!({ "code": "b" }));
        assert_eq!(bare["meta"]["tag"][1]["code"], "b");
        push_meta_coding(&mut bare, "security", serde_json::json!({ "code": "c" }));
        assert_eq!(bare["meta"]["tag"].as_array().unwrap().len(), 2);
        assert_eq!(bare["meta"]["security"][0]["code"], "c");
    }

    #[test]
    fn a_checkup_becomes_its_report_and_lines_with_server_references_only() {
        let person = fixtures::person();
        let record = fixtures::checkup();
        let res = resources_for(&person, &record, None, at(), "store-1");
        assert!(res.len() > 1);
        assert!(res.iter().any(|r| r.rtype == "DiagnosticReport"));
        assert!(
            res.iter()
                .all(|r| r.rtype != "Patient" && r.rtype != "Provenance")
        );
        let patient = patient_address(&person);
        let mut refs = vec![];
        for r in &res {
            references(&r.body, &mut refs);
        }
        assert!(refs.contains(&patient));
        for r in refs {
            assert!(!r.starts_with("urn:uuid:"), "{r}");
        }
        // Stable: the same record gives the same addresses, and the record's own id is one.
        let again = resources_for(&person, &record, None, at(), "store-1");
        let a: Vec<String> = res.iter().map(Resource::address).collect();
        let b: Vec<String> = again.iter().map(Resource::address).collect();
        assert_eq!(a, b);
        assert!(a.iter().any(|x| x.ends_with(&record.meta.id)));
        // Every resource says which store it came from (the pull leaves those out).
        for r in &res {
            let tags = r.body["meta"]["tag"].as_array().unwrap();
            assert!(
                tags.iter()
                    .any(|t| t["system"] == ORIGIN_SYSTEM && t["code"] == "store-1")
            );
        }
    }

    #[test]
    fn an_imported_record_goes_as_its_original_with_references_outside_it_made_display_only() {
        let person = fixtures::person();
        let record = fixtures::all_records()
            .into_iter()
            .find(|r| r.meta.kind == crate::records::RecordKind::Medication)
            .unwrap();
        let original = serde_json::json!({
            "resourceType": "MedicationRequest", "id": "rx-1", "status": "completed",
            "intent": "order",
            "medicationCodeableConcept": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "197361"}]},
            "subject": {"reference": "urn:uuid:somebody"},
            "encounter": {"reference": "Encounter/e1"},
            "basedOn": [{"reference": "urn:uuid:gone"}],
            "note": [{"text": "kept"}]
        })
        .to_string();
        let res = resources_for(&person, &record, Some(&original), at(), "s");
        assert_eq!(res.len(), 1);
        let r = &res[0];
        assert_eq!(r.address(), format!("MedicationRequest/{}", record.meta.id));
        assert_eq!(r.body["status"], "completed");
        // What the server is not sent cannot be referred to (a server that checks references
        // would refuse the resource): the reference becomes display-only, as in an export.
        let outside = serde_json::json!({ "display": crate::fhir::NOT_IN_EXPORT });
        assert_eq!(r.body["encounter"], outside);
        assert_eq!(r.body["basedOn"], serde_json::json!([outside]));
        assert_eq!(r.body["subject"]["reference"], patient_address(&person));
        assert_eq!(
            r.body["medicationCodeableConcept"]["coding"][0]["code"],
            "197361"
        );
    }
}
