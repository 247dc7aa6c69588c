//! The pure plan: limits, identities, and what each resource becomes.

use super::parallel::{ENTRIES_PER_THREAD, in_order};
use super::*;

fn one(json: &str) -> PlannedItem<'_> {
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

#[test]
fn split_work_keeps_the_order_and_the_first_error() {
    let items: Vec<usize> = (0..10 * ENTRIES_PER_THREAD + 7).collect();
    let out = in_order(&items, |i, v| Ok((i, *v * 2))).unwrap();
    assert_eq!(out, items.iter().map(|&v| (v, v * 2)).collect::<Vec<_>>());
    // Failures in several parts: the earliest one is reported, as a sequential pass would.
    let last = items.len() - 1;
    for bad in [vec![last], vec![9_000, last], vec![5, 9_000, last]] {
        let e = in_order(&items, |i, _| {
            if bad.contains(&i) {
                Err(Error::invalid(format!("entry[{i}]"), "bad"))
            } else {
                Ok(i)
            }
        })
        .unwrap_err();
        assert_eq!(e.to_string(), format!("invalid entry[{}]: bad", bad[0]));
    }
}

#[test]
fn a_large_bundle_plans_the_same_in_parts() {
    let entry = |i: usize| {
        format!(
            r#"{{"fullUrl":"urn:uuid:00000000-0000-4000-8000-{i:012}","resource":{{"resourceType":"Observation","id":"00000000-0000-4000-8000-{i:012}","status":"final","code":{{"coding":[{{"system":"http://loinc.org","code":"29463-7"}}]}},"effectiveDateTime":"2026-11-01T07:00:00+09:00","valueQuantity":{{"value":{i},"unit":"kg","system":"http://unitsofmeasure.org","code":"kg"}}}}}}"#
        )
    };
    let n = 4 * ENTRIES_PER_THREAD + 3;
    let mut entries: Vec<String> = (0..n).map(entry).collect();
    entries[17] = "{}".into(); // no resource
    let bundle = |entries: &[String]| {
        format!(
            r#"{{"resourceType":"Bundle","type":"collection","entry":[{}]}}"#,
            entries.join(",")
        )
    };
    let json = bundle(&entries);
    let p = plan(json.as_bytes()).unwrap();
    assert_eq!(p.items.len(), n);
    // The entry without a resource first, then every resource in input order.
    assert_eq!(p.items[0].path, "entry[17]");
    let paths: Vec<String> = (0..n)
        .filter(|&i| i != 17)
        .map(|i| format!("entry[{i}].resource"))
        .collect();
    let got: Vec<&str> = p.items[1..].iter().map(|i| i.path.as_str()).collect();
    assert_eq!(got, paths);
    assert_eq!(
        p.items[n - 1].original,
        entry(n - 1)[70..entry(n - 1).len() - 1]
    );
    // A malformed resource late in the Bundle is named, whichever thread read it.
    entries[n - 2] = r#"{"resource":{"resourceType":"Observation","status":7}}"#.into();
    entries[n - 1] = r#"{"resource":{"resourceType":"Observation","status":8}}"#.into();
    let e = plan(bundle(&entries).as_bytes()).unwrap_err();
    assert!(
        e.to_string()
            .starts_with(&format!("invalid entry[{}]", n - 2)),
        "{e}"
    );
    // As before the split: every entry is read (type, id) before any is mapped, so an entry
    // that is not even an object is reported ahead of an earlier mapping error.
    entries[n - 1] = r#"{"resource":"text"}"#.into();
    let e = plan(bundle(&entries).as_bytes()).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("invalid entry[{}].resource: expected an object", n - 1)
    );
}

/// The nesting check as it was first written, one byte at a time.
fn depth_byte_by_byte(bytes: &[u8], limit: usize) -> bool {
    let (mut depth, mut in_str, mut esc) = (0usize, false, false);
    for &b in bytes {
        if in_str {
            match (esc, b) {
                (true, _) => esc = false,
                (false, b'\\') => esc = true,
                (false, b'"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_str = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return false;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    true
}

proptest::proptest! {
    /// The byte-class scan decides exactly as the plain byte-by-byte scan, escapes,
    /// unterminated strings and a trailing backslash included.
    #[test]
    fn the_nesting_check_skips_strings_without_changing_its_answer(
        text in "[\\[\\]{}\"\\\\a ]{0,48}",
        limit in 0usize..6,
    ) {
        proptest::prop_assert_eq!(
            within_depth(text.as_bytes(), limit),
            depth_byte_by_byte(text.as_bytes(), limit)
        );
    }
}
