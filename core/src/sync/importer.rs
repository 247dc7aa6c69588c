//! What the pull asks a recipient's server for, and how a page of what it holds becomes input
//! for the FHIR importer: each page's new resources go through [`crate::Session::import_fhir`]
//! as one `collection` Bundle, so a pulled resource gets exactly the mapping, validation,
//! dedupe and document keeping of a file import (docs/SYNC.md).

use serde_json::Value;

/// One resource type the pull searches.
pub(crate) struct Searched {
    pub rtype: &'static str,
    /// The search parameter naming the patient.
    pub patient_param: &'static str,
    /// `_include` for resources the importer must see in the same Bundle.
    pub include: Option<&'static str>,
}

/// In this order: checkup reports first, with their result Observations included in the same
/// page so the importer reads them as the checkup's lines; those Observations are then marked
/// imported and not taken again by the Observation pass.
pub(crate) const PULLED: &[Searched] = &[
    Searched {
        rtype: "DiagnosticReport",
        patient_param: "subject",
        include: Some("DiagnosticReport:result"),
    },
    Searched {
        rtype: "Observation",
        patient_param: "subject",
        include: None,
    },
    Searched {
        rtype: "Immunization",
        patient_param: "patient",
        include: None,
    },
    Searched {
        rtype: "MedicationStatement",
        patient_param: "subject",
        include: None,
    },
    Searched {
        rtype: "MedicationRequest",
        patient_param: "subject",
        include: None,
    },
    Searched {
        rtype: "Condition",
        patient_param: "subject",
        include: None,
    },
    Searched {
        rtype: "AllergyIntolerance",
        patient_param: "patient",
        include: None,
    },
    Searched {
        rtype: "DocumentReference",
        patient_param: "subject",
        include: None,
    },
];

/// One resource of a search page.
pub(crate) struct PageEntry<'a> {
    /// `Type/id`.
    pub address: String,
    /// `meta.versionId` (empty if the server gives none).
    pub version: String,
    pub last_updated: Option<&'a str>,
    /// Came in through `_include` (`search.mode = include`).
    pub included: bool,
    pub resource: &'a Value,
}

/// The resources of a searchset page that have a type and an id.
pub(crate) fn page_entries(page: &Value) -> Vec<PageEntry<'_>> {
    let Some(entries) = page["entry"].as_array() else {
        return vec![];
    };
    entries
        .iter()
        .filter_map(|e| {
            let r = &e["resource"];
            let (t, id) = (r["resourceType"].as_str()?, r["id"].as_str()?);
            Some(PageEntry {
                address: format!("{t}/{id}"),
                version: r["meta"]["versionId"].as_str().unwrap_or("").to_owned(),
                last_updated: r["meta"]["lastUpdated"].as_str(),
                included: e["search"]["mode"] == "include",
                resource: r,
            })
        })
        .collect()
}

/// Ids of the Observations that reports on `page` name as their results but that the page does
/// not carry (a server without `_include` support); the pull fetches them with `_id=`.
pub(crate) fn missing_results(page: &[PageEntry<'_>]) -> Vec<String> {
    let present: std::collections::HashSet<&str> =
        page.iter().map(|e| e.address.as_str()).collect();
    let mut out: Vec<String> = vec![];
    for e in page.iter().filter(|e| !e.included) {
        for r in e.resource["result"].as_array().into_iter().flatten() {
            let Some(id) = r["reference"]
                .as_str()
                .and_then(|x| x.rsplit_once("Observation/"))
                .map(|(_, id)| id)
            else {
                continue;
            };
            let valid = !id.is_empty()
                && id.len() <= 64
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
            if valid && !present.contains(format!("Observation/{id}").as_str()) {
                out.push(id.to_owned());
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// A `collection` Bundle of `resources`, as the importer reads it. `fullUrl` is `Type/id`, so
/// references between them (`DiagnosticReport.result`) resolve.
pub(crate) fn collection(resources: &[&PageEntry<'_>]) -> Vec<u8> {
    let entries: Vec<Value> = resources
        .iter()
        .map(|e| serde_json::json!({ "fullUrl": e.address, "resource": e.resource }))
        .collect();
    serde_json::to_vec(&serde_json::json!({
        "resourceType": "Bundle", "type": "collection", "entry": entries
    }))
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_page_yields_addresses_versions_and_included_entries() {
        let page = json!({"resourceType": "Bundle", "type": "searchset", "entry": [
            {"resource": {"resourceType": "DiagnosticReport", "id": "r1",
                "meta": {"versionId": "v1", "lastUpdated": "2026-11-01T00:00:00Z"}},
             "search": {"mode": "match"}},
            {"resource": {"resourceType": "Observation", "id": "o1"},
             "search": {"mode": "include"}},
            {"resource": {"resourceType": "Observation"}},
            {"search": {"mode": "outcome"}}
        ]});
        let e = page_entries(&page);
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].address, "DiagnosticReport/r1");
        assert_eq!(e[0].version, "v1");
        assert_eq!(e[0].last_updated, Some("2026-11-01T00:00:00Z"));
        assert!(!e[0].included && e[1].included);
        let bundle: Value = serde_json::from_slice(&collection(&[&e[1]])).unwrap();
        assert_eq!(bundle["type"], "collection");
        assert_eq!(bundle["entry"][0]["fullUrl"], "Observation/o1");
    }

    #[test]
    fn results_the_page_lacks_are_named_once_and_only_well_formed_ids() {
        let page = json!({"entry": [
            {"resource": {"resourceType": "DiagnosticReport", "id": "r1", "result": [
                {"reference": "Observation/a"}, {"reference": "Observation/b"},
                {"reference": "https://x.example/fhir/Observation/c"},
                {"reference": "Observation/a"}, {"reference": "Observation/bad,id"},
                {"reference": "Specimen/s"}]}},
            {"resource": {"resourceType": "Observation", "id": "b"}, "search": {"mode": "include"}}
        ]});
        assert_eq!(missing_results(&page_entries(&page)), ["a", "c"]);
    }

    #[test]
    fn a_page_without_entries_is_empty() {
        assert!(page_entries(&json!({"resourceType": "Bundle", "total": 0})).is_empty());
        assert!(page_entries(&json!({"resourceType": "OperationOutcome"})).is_empty());
    }
}
