//! The FHIR `batch` Bundles sync sends and how their answers are read: one request entry per
//! resource (PUT or DELETE by `Type/id`, both idempotent), one status per entry back.

use serde_json::{Value, json};

/// How the server answered the requests of one item.
pub(crate) enum Outcome {
    Done,
    Rejected(u16),
    Deferred,
}

pub(crate) fn outcome_of(statuses: &[u16], deleting: bool) -> Outcome {
    let mut out = Outcome::Done;
    for &s in statuses {
        match s {
            200..=299 => {}
            404 | 410 if deleting => {}
            400..=499 => return Outcome::Rejected(s),
            _ => out = Outcome::Deferred,
        }
    }
    out
}

/// The HTTP status of each entry of a batch-response, in request order.
pub(crate) fn entry_statuses(response: &Value, expected: usize) -> Vec<u16> {
    let entries = response["entry"].as_array().cloned().unwrap_or_default();
    if response["type"] != "batch-response" || entries.len() != expected {
        return vec![0; expected]; // unreadable: everything deferred to the next pass
    }
    entries
        .iter()
        .map(|e| {
            e["response"]["status"]
                .as_str()
                .and_then(|s| s.split_whitespace().next())
                .and_then(|s| s.parse().ok())
                .unwrap_or(0)
        })
        .collect()
}

pub(crate) fn batch_bundle(requests: Vec<Value>) -> Value {
    json!({ "resourceType": "Bundle", "type": "batch", "entry": requests })
}

pub(crate) fn put(address: &str, resource: &Value) -> Value {
    json!({ "request": { "method": "PUT", "url": address }, "resource": resource })
}

pub(crate) fn delete(address: &str) -> Value {
    json!({ "request": { "method": "DELETE", "url": address } })
}

/// The `meta.security` label of a copy kept after its consent was withdrawn.
pub(crate) const WITHDRAWN_SYSTEM: &str = "urn:phr-core:consent-status";

/// `PATCH address` labelling the copy withdrawn ("keep, do not use"): a JSON Patch of its
/// `meta.security` only, in a Binary as FHIR batch entries carry patches. No content is sent.
pub(crate) fn label_withdrawn(address: &str) -> Value {
    use base64::Engine;
    let label = json!({ "system": WITHDRAWN_SYSTEM, "code": "withdrawn",
        "display": "consent withdrawn: keep, do not use" });
    let patch = json!([{ "op": "add", "path": "/meta/security", "value": [label] }]);
    let data = base64::engine::general_purpose::STANDARD.encode(patch.to_string());
    json!({
        "request": { "method": "PATCH", "url": address },
        "resource": { "resourceType": "Binary", "contentType": "application/json-patch+json",
            "data": data }
    })
}

/// `POST address/$expunge`: remove a deleted resource's history too (HAPI FHIR's operation).
pub(crate) fn expunge(address: &str) -> Value {
    json!({
        "request": { "method": "POST", "url": format!("{address}/$expunge") },
        "resource": { "resourceType": "Parameters", "parameter": [
            { "name": "expungeDeletedResources", "valueBoolean": true },
            { "name": "expungePreviousVersions", "valueBoolean": true }
        ]}
    })
}
