//! The pure plan: limits, identities, and what each resource becomes.

use super::*;

fn one(json: &str) -> PlannedItem {
    plan(json.as_bytes()).unwrap().items.remove(0)
}

#[test]
fn nesting_and_size_are_capped_before_parsing() {
    let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
    let e = plan(deep.as_bytes()).unwrap_err();
    assert_eq!(e.to_string(), "invalid $: nested too deeply");
    // Brackets inside strings do not count.
    let s = format!(r#"{{"resourceType":"Basic","id":"{}"}}"#, "[".repeat(500));
    assert!(plan(s.as_bytes()).is_ok());
    let big = vec![b' '; MAX_INPUT_BYTES + 1];
    assert!(plan(&big).is_err());
}

#[test]
fn identities_come_from_the_id_the_full_url_and_identifiers() {
    let b = r#"{"resourceType":"Bundle","type":"searchset","entry":[{"fullUrl":"urn:uuid:6F9619FF-8B86-D011-B42D-00C04FC964FF",
      "resource":{"resourceType":"Condition","id":"c1","code":{"text":"x"},
      "identifier":[{"system":"urn:x","value":"42"}]}}]}"#;
    let item = plan(b.as_bytes()).unwrap().items.remove(0);
    let Outcome::Record(r) = item.outcome else {
        panic!("not a record")
    };
    assert_eq!(
        r.identity,
        vec![
            Identity::Uuid("6f9619ff-8b86-d011-b42d-00c04fc964ff".into()),
            Identity::Foreign("identifier urn:x|42".into()),
            Identity::Foreign("id Condition/c1".into()),
        ]
    );
}

#[test]
fn unmodelled_resources_are_documents_and_absent_data_is_skipped() {
    assert!(matches!(
        one(r#"{"resourceType":"Consent","status":"active"}"#).outcome,
        Outcome::Document { .. }
    ));
    let dar = r#"{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},
      "effectiveDateTime":"2025-01-01","dataAbsentReason":{"text":"x"}}"#;
    assert!(matches!(one(dar).outcome, Outcome::Skipped { .. }));
    let err = r#"{"resourceType":"Observation","status":"entered-in-error"}"#;
    assert!(matches!(one(err).outcome, Outcome::Skipped { .. }));
}

#[test]
fn jlac10_under_either_uri_maps_the_same() {
    let obs = |system: &str| {
        format!(
            r#"{{"resourceType":"Observation","status":"final","code":{{"coding":[{{"system":"{system}","code":"3D046000001906202"}}]}},
            "effectiveDateTime":"2025-01-01T08:00:00+09:00","valueQuantity":{{"value":5.6,"unit":"%"}}}}"#
        )
    };
    for s in [
        "urn:oid:1.2.392.200119.4.504",
        "http://medis.or.jp/CodeSystem/master-JLAC10-17digits",
    ] {
        let Outcome::Record(r) = one(&obs(s)).outcome else {
            panic!("{s}")
        };
        let ClinicalInput::Observation(o) = &r.input else {
            panic!()
        };
        assert_eq!(
            o.observation_type,
            crate::records::ObservationType::Hba1c,
            "{s}"
        );
    }
}

/// Inputs of the kinds the fuzzer explores (and any crash it finds, once found): truncations of
/// a real fixture, huge and negative numbers, wrong types everywhere, deep but allowed nesting.
#[test]
fn fuzz_regressions() {
    let fixture = include_str!("../../../tests/fixtures/fhir/quirky-collection.json");
    for cut in (0..fixture.len()).step_by(97) {
        // Cuts fall inside multi-byte characters too: the bytes need not be UTF-8.
        let _ = plan(&fixture.as_bytes()[..cut]);
    }
    for n in [
        "1e400",
        "-1e308",
        "-0",
        "18446744073709551616",
        "NaN",
        "\"\"",
        "[]",
        "{}",
        "null",
        "true",
    ] {
        let obs = format!(
            r#"{{"resourceType":"Observation","code":{{"coding":[{{"system":"http://loinc.org","code":"8867-4"}}]}},
            "effectiveDateTime":"2025-01-01","valueQuantity":{{"value":{n}}},
            "component":{n},"identifier":{n},"meta":{n}}}"#
        );
        let _ = plan(obs.as_bytes());
        let bundle = format!(
            r#"{{"resourceType":"Bundle","type":"collection","entry":[{{"fullUrl":{n},"resource":{n}}}]}}"#
        );
        let _ = plan(bundle.as_bytes());
        let report = format!(
            r##"{{"resourceType":"DiagnosticReport","result":[{{"reference":"#a"}}],"contained":[{{"resourceType":"Observation","id":"a","code":{n}}}]}}"##
        );
        let _ = plan(report.as_bytes());
    }
    let nested = format!(
        r#"{{"resourceType":"Basic","extension":{}1{}}}"#,
        "[".repeat(MAX_DEPTH - 2),
        "]".repeat(MAX_DEPTH - 2)
    );
    assert!(plan(nested.as_bytes()).is_ok());
}
