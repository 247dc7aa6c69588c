//! References inside a whole-record export. An imported resource goes out as it came, and its
//! references named the other resources of its file by their `fullUrl` (`urn:uuid:…`) or as
//! `Type/id`; in the export those resources have this export's ids. Every reference is made to
//! resolve inside the Bundle: to the resource's new full URL, to this export's Patient (a
//! `Patient/…` reference, or a subject/patient/beneficiary reference that names nothing else),
//! or, when the resource it named is not in the Bundle, to a reference by display only (its
//! `display`, else the text below), so no reference dangles.

use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// What a reference to something this export does not hold says instead.
pub const NOT_IN_EXPORT: &str = "(not in this export)";

/// Elements whose reference is the person the record is about.
const PERSON_KEYS: &[&str] = &["subject", "patient", "beneficiary", "subscriber"];

/// The old names of the resources an export holds, to their new full URLs.
#[derive(Debug, Default)]
pub(crate) struct Renames {
    to: HashMap<String, String>,
    patient: String,
}

#[derive(Deserialize)]
struct Head<'a> {
    #[serde(rename = "resourceType", borrow)]
    resource_type: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    id: Option<std::borrow::Cow<'a, str>>,
}

/// The `Type/id` an original resource was known by, read without building its tree.
pub(crate) fn type_and_id(json: &str) -> Option<String> {
    let h: Head<'_> = serde_json::from_str(json).ok()?;
    Some(format!("{}/{}", h.resource_type?, h.id?))
}

impl Renames {
    pub fn new(patient_id: &str) -> Self {
        Renames {
            to: HashMap::new(),
            patient: format!("urn:uuid:{patient_id}"),
        }
    }

    /// The resource known as `old` (a full URL, or `Type/id`) is `new_id` in this export.
    pub fn add(&mut self, old: &str, new_id: &str) {
        self.to
            .entry(old.to_owned())
            .or_insert_with(|| format!("urn:uuid:{new_id}"));
    }

    fn resolve(&self, reference: &str, key: &str) -> Option<String> {
        if let Some(new) = self.to.get(reference) {
            return Some(new.clone());
        }
        // An absolute URL ending in Type/id.
        let mut parts = reference.rsplitn(3, '/');
        if let (Some(id), Some(ty)) = (parts.next(), parts.next())
            && let Some(new) = self.to.get(&format!("{ty}/{id}"))
        {
            return Some(new.clone());
        }
        let patient = reference.starts_with("Patient/") || reference.contains("/Patient/");
        (patient || PERSON_KEYS.contains(&key)).then(|| self.patient.clone())
    }

    /// Make every reference in `v` resolve inside the export (see the module comment).
    pub fn rewrite(&self, v: &mut Value) {
        self.walk(v, "");
    }

    fn walk(&self, v: &mut Value, key: &str) {
        match v {
            Value::Object(m) => {
                self.reference(m, key);
                for (k, child) in m.iter_mut() {
                    // `contained` resources are referred to as `#id`; their own references too.
                    self.walk(child, k);
                }
            }
            Value::Array(a) => a.iter_mut().for_each(|x| self.walk(x, key)),
            _ => {}
        }
    }

    fn reference(&self, m: &mut Map<String, Value>, key: &str) {
        let Some(Value::String(r)) = m.get("reference") else {
            return;
        };
        if r.starts_with('#') {
            return;
        }
        match self.resolve(r, key) {
            Some(new) => {
                m.insert("reference".into(), Value::from(new));
            }
            None => {
                m.remove("reference");
                m.entry("display")
                    .or_insert_with(|| Value::from(NOT_IN_EXPORT));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn references_resolve_to_the_export_or_become_display_only() {
        let mut r = Renames::new("p");
        r.add("urn:uuid:old-enc", "e1");
        r.add("Practitioner/dr-1", "d1");
        let mut v = json!({
            "subject": {"reference": "urn:uuid:old-patient"},
            "encounter": {"reference": "urn:uuid:old-enc"},
            "performer": [{"reference": "https://example.org/fhir/Practitioner/dr-1"},
                          {"reference": "Organization/gone", "display": "みどり病院"},
                          {"reference": "Device/gone"}],
            "specimen": {"reference": "#specimen"},
            "basedOn": [{"reference": "Patient/x"}]
        });
        r.rewrite(&mut v);
        assert_eq!(v["subject"]["reference"], "urn:uuid:p");
        assert_eq!(v["encounter"]["reference"], "urn:uuid:e1");
        assert_eq!(v["performer"][0]["reference"], "urn:uuid:d1");
        assert_eq!(v["performer"][1], json!({"display": "みどり病院"}));
        assert_eq!(v["performer"][2], json!({"display": NOT_IN_EXPORT}));
        assert_eq!(v["specimen"]["reference"], "#specimen");
        assert_eq!(v["basedOn"][0]["reference"], "urn:uuid:p");
        assert_eq!(
            type_and_id(r#"{"id":"x","resourceType":"Encounter"}"#).as_deref(),
            Some("Encounter/x")
        );
    }
}
