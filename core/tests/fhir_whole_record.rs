//! Lossless portability: the whole-record export holds every resource the store holds from an
//! import (the documents too), every reference in it resolves inside the Bundle, and "export,
//! import into a fresh store for the same person, export again" gives the same resources except
//! meta.lastUpdated, on the fixture corpus. Also the 健診結果報告書 document export.

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "common/fhir_validators.rs"]
mod validators;

use common::{jst_days_ago, kdf, person};
use phr_core::records::*;
use phr_core::{ImportReport, Session};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

const CORPUS: &[&str] = &[
    include_str!("fixtures/fhir/quirky-collection.json"),
    include_str!("fixtures/fhir/checkup-transaction.json"),
    include_str!("fixtures/fhir/echeckup-document.json"),
    include_str!("fixtures/fhir/municipal-lung-screening.json"),
    include_str!("fixtures/fhir/referral-with-references.json"),
];

fn store() -> (tempfile::TempDir, Session, String) {
    let dir = tempfile::tempdir().unwrap();
    let s = Session::create(dir.path(), "correct horse", kdf()).unwrap();
    let me = s
        .add_person(person("taro", "山田", "太郎", (1960, 4, 12), Sex::Male))
        .unwrap()
        .id;
    (dir, s, me)
}

// Session calls go through these helpers (the Session API is about to lose its actor).
fn import(s: &Session, me: &str, json: &str) -> ImportReport {
    s.import_fhir(me, json.as_bytes(), Provenance::ImportedFile, None)
        .unwrap()
}

fn export(s: &Session, me: &str) -> Value {
    s.export_fhir(me, jst_days_ago(0)).unwrap()
}

fn references(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get("reference") {
                out.push(r.clone());
            }
            m.values().for_each(|x| references(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| references(x, out)),
        _ => {}
    }
}

/// Every resource but the Provenance (the importing store records its own), without
/// meta.lastUpdated, by type and id; the derived BMI by its value (derived again, new id).
fn normalised(b: &Value) -> BTreeMap<String, Value> {
    // Each store made its own person: the Patient's id is the one id that differs.
    let patient = b["entry"][0]["resource"]["id"].as_str().unwrap().to_owned();
    let mut out = BTreeMap::new();
    for e in b["entry"].as_array().unwrap() {
        let text = serde_json::to_string(&e["resource"])
            .unwrap()
            .replace(&patient, "PATIENT");
        let mut r: Value = serde_json::from_str(&text).unwrap();
        let t = r["resourceType"].as_str().unwrap().to_owned();
        if t == "Provenance" {
            continue;
        }
        if let Some(m) = r.get_mut("meta").and_then(Value::as_object_mut) {
            m.remove("lastUpdated");
        }
        let key = if r["code"]["coding"][0]["code"] == "39156-5" && r["derivedFrom"].is_array() {
            let o = r.as_object_mut().unwrap();
            for k in ["id", "identifier", "derivedFrom"] {
                o.remove(k);
            }
            format!("BMI {}", r["valueQuantity"]["value"])
        } else {
            format!("{t}/{}", r["id"].as_str().unwrap())
        };
        out.insert(key, r);
    }
    out
}

fn corpus_store() -> (tempfile::TempDir, Session, String) {
    let (d, s, me) = store();
    for f in CORPUS {
        import(&s, &me, f);
    }
    (d, s, me)
}

#[test]
fn the_whole_record_export_holds_every_document_and_every_reference_resolves() {
    let (_d, s, me) = corpus_store();
    let b = export(&s, &me);
    let kept: i64 = s.fhir_documents(&me).unwrap().iter().map(|(_, n)| n).sum();
    assert!(kept >= 10, "{kept}");
    let types: BTreeSet<&str> = b["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["resource"]["resourceType"].as_str().unwrap())
        .collect();
    for t in [
        "Consent",
        "RelatedPerson",
        "Encounter",
        "Practitioner",
        "Organization",
        "Coverage",
    ] {
        assert!(types.contains(t), "{t} kept but not exported: {types:?}");
    }
    let urls: BTreeSet<String> = b["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["fullUrl"].as_str().unwrap().to_owned())
        .collect();
    let mut refs = vec![];
    references(&b, &mut refs);
    let dangling: Vec<&String> = refs
        .iter()
        .filter(|r| !r.starts_with('#') && !urls.contains(*r))
        .collect();
    assert!(
        dangling.is_empty(),
        "{} dangling: {dangling:?}",
        dangling.len()
    );
    // The referral's Condition still points at its Encounter and its Practitioner.
    let condition = b["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .find(|r| r["resourceType"] == "Condition" && r["code"]["text"] == "2型糖尿病")
        .unwrap();
    let enc = condition["encounter"]["reference"].as_str().unwrap();
    assert!(urls.contains(enc));
    assert!(
        condition["asserter"]["reference"]
            .as_str()
            .is_some_and(|r| urls.contains(r))
    );
}

fn round_trip() -> (tempfile::TempDir, Value, Value) {
    let (d, a, me_a) = corpus_store();
    let first = export(&a, &me_a);
    let (_d2, b, me_b) = store();
    let r = import(&b, &me_b, &first.to_string());
    assert!(r.updated.is_empty(), "{r:#?}");
    let second = export(&b, &me_b);
    (d, first, second)
}

#[test]
fn export_import_export_gives_the_same_resources_on_the_fixture_corpus() {
    let (_d, first, second) = round_trip();
    let (x, y) = (normalised(&first), normalised(&second));
    let (kx, ky): (BTreeSet<_>, BTreeSet<_>) = (x.keys().collect(), y.keys().collect());
    assert_eq!(
        kx.symmetric_difference(&ky).collect::<Vec<_>>(),
        Vec::<&&String>::new()
    );
    for (k, v) in &x {
        assert_eq!(v, &y[k], "{k} differs after the round trip");
    }
}

#[test]
fn a_checkup_exports_as_an_echeckup_document_that_imports_back_as_the_same_checkup() {
    let (_d, s, me) = store();
    import(&s, &me, CORPUS[2]);
    let doc = s.export_echeckup(&me, None, jst_days_ago(0)).unwrap();
    assert_eq!(doc["type"], "document");
    assert_eq!(doc["entry"][0]["resource"]["resourceType"], "Composition");
    assert_eq!(
        doc["entry"][0]["resource"]["type"]["coding"][0]["code"],
        "53576-5"
    );
    let (_d2, s2, me2) = store();
    let r = import(&s2, &me2, &doc.to_string());
    assert_eq!(r.imported.len(), 1, "{r:#?}");
    let checkup = |s: &Session, me: &str| {
        let recs = s
            .list_records(me, &RecordFilter::default(), &PageRequest::first(10))
            .unwrap()
            .records;
        match &recs[0].body {
            RecordBody::Checkup(c) => c.clone(),
            other => panic!("{other:?}"),
        }
    };
    let (a, b) = (checkup(&s, &me), checkup(&s2, &me2));
    assert_eq!(a.date, b.date);
    assert_eq!(a.institution, b.institution);
    assert_eq!(a.institution_code, b.institution_code);
    assert_eq!(a.judgement, b.judgement);
    assert_eq!(a.results.len(), b.results.len());
    for (x, y) in a.results.iter().zip(&b.results) {
        assert_eq!(
            (&x.code, x.value_num, &x.value_code, &x.value_system),
            (&y.code, y.value_num, &y.value_code, &y.value_system)
        );
    }
}

#[test]
#[cfg_attr(
    not(feature = "validators"),
    ignore = "needs the Python and Node validators: scripts/test.sh installs them and runs this with --features phr-core/validators"
)]
fn the_exports_of_the_round_trip_and_the_echeckup_document_pass_the_validators() {
    let (d, first, second) = round_trip();
    let (_d, s, me) = store();
    import(&s, &me, CORPUS[2]);
    import(&s, &me, CORPUS[3]);
    let doc = s.export_echeckup(&me, None, jst_days_ago(0)).unwrap();
    for (name, bundle) in [
        ("first.json", &first),
        ("second.json", &second),
        ("echeckup.json", &doc),
    ] {
        let file = d.path().join(name);
        std::fs::write(&file, serde_json::to_vec_pretty(bundle).unwrap()).unwrap();
        let n = bundle["entry"].as_array().unwrap().len();
        assert_eq!(validators::python_fhir_resources(&file), Ok(n), "{name}");
        assert_eq!(validators::node_fhir_js(&file), Ok(n), "{name}");
    }
}
