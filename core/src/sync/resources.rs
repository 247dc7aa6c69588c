//! The one boundary between sync and the FHIR mapping: the resources a record becomes on a
//! server. The mapping is the export's ([`crate::fhir::bundle_for`]); sync only turns its
//! Bundle-local `urn:uuid:` references into `Type/id` references a server resolves, and leaves
//! out the Patient (identity is the platform's business) and the Provenance.

use crate::fhir::bundle_for;
use crate::records::{Person, Record, Stamp};
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

/// The resources `record` (a live record of `person`) becomes, in a stable order, tagged with
/// this store's `origin`.
pub(crate) fn resources_for(
    person: &Person,
    record: &Record,
    at: Stamp,
    origin: &str,
) -> Vec<Resource> {
    let bundle = bundle_for(person, std::slice::from_ref(record), at);
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

/// `Patient/id` of the subject, as the mapping names it.
pub(crate) fn patient_address(person: &Person) -> String {
    let at = Stamp {
        utc_seconds: 0,
        offset_seconds: 0,
    };
    let bundle = bundle_for(person, &[], at);
    format!(
        "Patient/{}",
        bundle["entry"][0]["resource"]["id"]
            .as_str()
            .unwrap_or_default()
    )
}

/// `{"reference": "urn:uuid:X"}` → `{"reference": "Type/X"}`; a reference to nothing in the
/// record's own resources or its Patient is dropped rather than left dangling.
fn rewrite_references(v: &mut Value, types: &HashMap<String, String>) {
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
            for (_, child) in map.iter_mut() {
                rewrite_references(child, types);
            }
        }
        Value::Array(items) => {
            for i in items {
                rewrite_references(i, types);
            }
        }
        _ => {}
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
        let res = resources_for(&person, &record, at(), "store-1");
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
        let again = resources_for(&person, &record, at(), "store-1");
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
}
