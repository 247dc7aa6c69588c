//! A conformant export: JP_Observation_LabResult carries its specimen; every unit the export
//! writes as UCUM is valid UCUM (checked by NLM's validator); values keep the precision they
//! were entered with; coded checkup answers carry their code system. On a record of every
//! kind, every 特定健診 item with a unit, and the fixture corpus as imported.

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "common/fhir_validators.rs"]
mod validators;

use common::{jst_days_ago, kdf, person};
use phr_core::checkup_xml::{ValueType, all_items};
use phr_core::records::*;
use phr_core::{ClinicalInput, Session};
use serde_json::Value;
use std::collections::BTreeSet;

const LAB: &str = "http://jpfhir.jp/fhir/core/StructureDefinition/JP_Observation_LabResult";

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
fn add(s: &Session, me: &str, inputs: Vec<ClinicalInput>) {
    s.add_records(me, inputs, Provenance::SelfEntered, None)
        .unwrap();
}

fn import(s: &Session, me: &str, json: &str) {
    s.import_fhir(me, json.as_bytes(), Provenance::ImportedFile, None)
        .unwrap();
}

fn export(s: &Session, me: &str) -> Value {
    s.export_fhir(me, jst_days_ago(0)).unwrap()
}

/// Self-entered values in other units, a checkup with a result for every item of the table
/// that has a unit (and every coded item), and the fixtures imported.
fn corpus() -> (tempfile::TempDir, Session, String) {
    let (d, s, me) = store();
    let entered = |ty, v, unit: &str, days| {
        let mut o = ObservationInput::simple(ty, v, jst_days_ago(days));
        o.unit = Some(unit.into());
        if ty == ObservationType::BloodGlucose {
            o.glucose_timing = Some(GlucoseTiming::Fasting);
        }
        ClinicalInput::Observation(o)
    };
    add(
        &s,
        &me,
        vec![
            entered(ObservationType::Weight, 132.0, "lb", 3),
            entered(ObservationType::BloodGlucose, 5.5, "mmol/L", 3),
            entered(ObservationType::BodyTemperature, 98.6, "[degF]", 3),
            ClinicalInput::Observation(ObservationInput::simple(
                ObservationType::Hba1c,
                5.9,
                jst_days_ago(2),
            )),
        ],
    );
    let results: Vec<CheckupResult> = all_items()
        .iter()
        .filter(|i| !i.unit.is_empty() || matches!(i.value_type, ValueType::Cd | ValueType::Co))
        .map(|i| CheckupResult {
            code_system: CheckupCodeSystem::Tokutei,
            code: i.code.into(),
            name: i.name.chars().take(200).collect(),
            value_num: (i.value_type == ValueType::Pq).then_some(1.0),
            value_code: (i.value_type != ValueType::Pq).then(|| "1".into()),
            value_system: None,
            value_text: None,
            unit: (!i.unit.is_empty()).then(|| i.unit.into()),
            ref_low: None,
            ref_high: None,
            flag: None,
        })
        .collect();
    add(
        &s,
        &me,
        vec![ClinicalInput::Checkup(Checkup {
            date: chrono::NaiveDate::from_ymd_opt(2026, 5, 20).unwrap(),
            program: "specific_health_checkup".into(),
            institution: "みどり健診センター".into(),
            institution_code: None,
            judgement: None,
            results,
        })],
    );
    for f in [
        include_str!("fixtures/fhir/echeckup-document.json"),
        include_str!("fixtures/fhir/municipal-lung-screening.json"),
        include_str!("fixtures/fhir/checkup-transaction.json"),
        include_str!("fixtures/fhir/quirky-collection.json"),
    ] {
        import(&s, &me, f);
    }
    (d, s, me)
}

fn resources(b: &Value) -> impl Iterator<Item = &Value> {
    b["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
}

/// Every `code` of a Quantity-like object whose system is UCUM, anywhere in `v`.
fn ucum_codes(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            if m.get("system").and_then(Value::as_str) == Some("http://unitsofmeasure.org")
                && let Some(c) = m.get("code").and_then(Value::as_str)
            {
                out.insert(c.to_owned());
            }
            m.values().for_each(|x| ucum_codes(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| ucum_codes(x, out)),
        _ => {}
    }
}

#[test]
fn lab_results_carry_a_specimen_and_coded_answers_their_system() {
    let (_d, s, me) = corpus();
    let b = export(&s, &me);
    let mut labs = 0;
    for r in resources(&b) {
        if r["resourceType"] != "Observation" || r["meta"]["profile"][0] != LAB {
            continue;
        }
        labs += 1;
        let reference = r["specimen"]["reference"].as_str().unwrap_or_else(|| {
            // A laboratory line without a material (an examination item) is not a LabResult
            // specimen case; every one with a laboratory code must have it.
            let code = r["code"]["coding"][0]["code"].as_str().unwrap_or("");
            assert!(code.starts_with('9'), "no specimen: {r}");
            ""
        });
        if !reference.is_empty() {
            let local = reference.strip_prefix('#').unwrap();
            assert!(
                r["contained"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|c| c["id"] == local && c["resourceType"] == "Specimen"),
                "{r}"
            );
        }
        if let Some(cc) = r.get("valueCodeableConcept") {
            for c in cc["coding"].as_array().unwrap() {
                assert!(
                    c["system"].is_string(),
                    "a coded answer without its system: {r}"
                );
            }
        }
    }
    assert!(labs > 100, "{labs}");
    let glucose = resources(&b)
        .find(|r| r["code"]["coding"][0]["code"] == "1558-6")
        .unwrap();
    assert_eq!(glucose["contained"][0]["type"]["coding"][0]["code"], "021");
}

#[test]
fn values_keep_the_precision_they_were_entered_with() {
    let (_d, s, me) = corpus();
    let b = export(&s, &me);
    let value_of = |loinc: &str| {
        resources(&b)
            .find(|r| {
                r["code"]["coding"][0]["code"] == loinc
                    && r["meta"]["profile"].is_array()
                    && r.get("valueQuantity").is_some()
                    && r["identifier"][0]["system"] == "urn:ietf:rfc:3986"
            })
            .unwrap()["valueQuantity"]
            .clone()
    };
    assert_eq!(value_of("29463-7")["value"], 59.9, "132 lb");
    assert_eq!(value_of("1558-6")["value"], 99.0, "5.5 mmol/L");
    assert_eq!(value_of("8310-5")["value"], 37.0, "98.6 °F");
    let text = b.to_string();
    assert!(
        !text.contains("99.0858") && !text.contains("59.8741"),
        "false precision"
    );
}

#[test]
#[cfg_attr(
    not(feature = "validators"),
    ignore = "needs the Node UCUM validator (and the FHIR validators): scripts/test.sh installs them and runs this with --features phr-core/validators"
)]
fn every_ucum_unit_of_the_export_is_valid_ucum_and_the_bundle_validates() {
    let (d, s, me) = corpus();
    let b = export(&s, &me);
    let mut codes = BTreeSet::new();
    ucum_codes(&b, &mut codes);
    // And every unit the mapping may write as UCUM, whether or not this corpus used it.
    codes.extend(phr_core::fhir::ucum::known_units().map(str::to_owned));
    assert!(codes.contains("mL/min/{1.73_m2}"), "{codes:?}");
    let file = d.path().join("ucum.txt");
    std::fs::write(&file, codes.iter().cloned().collect::<Vec<_>>().join("\n")).unwrap();
    assert_eq!(validators::ucum_lhc(&file), Ok(codes.len()));
    // The validator is not vacuous.
    std::fs::write(&file, "ml/min/1.73m2\nmg/dL\n").unwrap();
    assert!(
        validators::ucum_lhc(&file)
            .unwrap_err()
            .contains("ml/min/1.73m2")
    );
    let bundle = d.path().join("export.json");
    std::fs::write(&bundle, serde_json::to_vec(&b).unwrap()).unwrap();
    let n = b["entry"].as_array().unwrap().len();
    assert_eq!(validators::python_fhir_resources(&bundle), Ok(n));
    assert_eq!(validators::node_fhir_js(&bundle), Ok(n));
}
