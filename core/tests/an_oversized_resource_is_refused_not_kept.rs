//! A resource too large for a record is not kept as a document of that size either: the import
//! is refused as a whole, naming the entry, and nothing is written (issue #13, "Bad input").

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{assert_unchanged, hashes, session_with_two};
use phr_core::Error;
use phr_core::records::Provenance;

#[test]
fn a_resource_larger_than_the_document_cap_refuses_the_import_naming_it() {
    let (dir, s, hanako, _taro) = session_with_two();
    let big = "x".repeat(phr_core::records::MAX_KEPT_DOCUMENT_BYTES + 1);
    let bundle = serde_json::json!({
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"resource": {"resourceType": "Observation", "status": "final",
              "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]},
              "effectiveDateTime": "2026-11-01T08:00:00+09:00",
              "valueQuantity": {"value": 60.0, "unit": "kg", "system": "http://unitsofmeasure.org", "code": "kg"}}},
            {"resource": {"resourceType": "Basic", "code": {"text": big}}}
        ]
    });
    let before = hashes(dir.path());
    let r = s.import_fhir(
        &hanako.id,
        &serde_json::to_vec(&bundle).unwrap(),
        Provenance::ImportedFile,
        Some("big.json"),
    );
    match r {
        Err(Error::InvalidInput { field, reason }) => {
            assert_eq!(field, "entry[1].resource");
            assert!(reason.contains("4 MiB"), "{reason}");
            assert!(!reason.contains("xxxx"), "the error carries the value");
        }
        other => panic!("{other:?}"),
    }
    assert_unchanged(&before, dir.path(), "a refused import");
}
