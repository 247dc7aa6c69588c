//! FHIR R4 import through the real Session API: every resource type, the quirks real files
//! have, errors that name the JSON path, all-or-nothing, dedupe, documents, Japanese byte for
//! byte, the round trip export → import → export, and the consent-gated export.

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "common/fhir_validators.rs"]
mod validators;

use common::{jst_days_ago, kdf, person};
use phr_core::records::*;
use phr_core::{ClinicalInput, Error, ImportReport, Session};
use serde_json::Value;
use std::collections::BTreeMap;

const QUIRKY: &str = include_str!("fixtures/fhir/quirky-collection.json");
const CHECKUP: &str = include_str!("fixtures/fhir/checkup-transaction.json");
const SINGLE: &str = include_str!("fixtures/fhir/single-heart-rate.json");

/// A store whose owner is 山田 太郎, born 1960-04-12 (the Patient of the fixtures).
fn store() -> (tempfile::TempDir, Session, String) {
    let dir = tempfile::tempdir().unwrap();
    let s = Session::create(dir.path(), "correct horse", kdf()).unwrap();
    let me = s
        .add_person(person("taro", "山田", "太郎", (1960, 4, 12), Sex::Male))
        .unwrap()
        .id;
    (dir, s, me)
}

fn import(s: &Session, me: &str, json: &str) -> phr_core::Result<ImportReport> {
    s.import_fhir(
        me,
        json.as_bytes(),
        Provenance::ImportedFile,
        Some("test.json"),
    )
}

fn reason_of<'a>(list: &'a [phr_core::ImportedResource], path: &str) -> &'a str {
    list.iter()
        .find(|r| r.path == path)
        .and_then(|r| r.reason.as_deref())
        .unwrap_or_else(|| panic!("{path} not in {list:?}"))
}

fn entry_path(bundle: &str, id: &str) -> String {
    let b: Value = serde_json::from_str(bundle).unwrap();
    let i = b["entry"]
        .as_array()
        .unwrap()
        .iter()
        .position(|e| e["resource"]["id"] == id || e["resource"]["id"] == format!("obs-{id}"))
        .unwrap();
    format!("entry[{i}].resource")
}

fn all_records(s: &Session, me: &str) -> Vec<Record> {
    s.list_records(me, &RecordFilter::default(), &PageRequest::first(500))
        .unwrap()
        .records
}

#[test]
fn every_resource_type_of_the_quirky_bundle_lands_somewhere() {
    let (_d, s, me) = store();
    let r = import(&s, &me, QUIRKY).unwrap();
    let p = |id| entry_path(QUIRKY, id);
    // Records: BP, weight (lb), height, temperature (°F), heart rate, glucose (JLAC10 under the
    // JP-CLINS URI), HbA1c (full-width JLAC10 under the JP Core OID), steps, sleep,
    // immunization, 2 medications, condition, allergy, note.
    assert_eq!(r.imported.len(), 15, "{r:#?}");
    assert_eq!(
        r.derived, 1,
        "BMI derived from the imported weight and height"
    );
    // Kept as documents: BMI, respiratory rate 400 回, LDL outside a checkup, Consent, RelatedPerson.
    let docs: Vec<&str> = r
        .documents
        .iter()
        .map(|d| d.resource_type.as_str())
        .collect();
    assert_eq!(docs.len(), 5, "{r:#?}");
    for t in ["Consent", "RelatedPerson"] {
        assert!(docs.contains(&t));
    }
    assert!(reason_of(&r.documents, &p("resp-400")).contains("no record type"));
    assert!(reason_of(&r.documents, &p("bmi")).contains("derived"));
    // Skipped with a reason: the Patient (this person), data absent, not done.
    assert!(reason_of(&r.skipped, &p("bp-dar")).contains("dataAbsentReason"));
    assert!(reason_of(&r.skipped, &p("imm-notdone")).contains("not-done"));
    assert!(reason_of(&r.skipped, &p("yamada-taro")).contains("this person"));
    assert_eq!(r.skipped.len(), 3);

    let recs = all_records(&s, &me);
    let obs = |ty: ObservationType| -> Observation {
        recs.iter()
            .find_map(|r| match &r.body {
                RecordBody::Observation(o) if o.observation_type == ty => Some(o.clone()),
                _ => None,
            })
            .unwrap_or_else(|| panic!("{ty:?} missing"))
    };
    assert!((obs(ObservationType::Weight).value - 154.3 * 0.453_592_37).abs() < 1e-9);
    assert!((obs(ObservationType::BodyTemperature).value - (99.1 - 32.0) * 5.0 / 9.0).abs() < 1e-9);
    let bp = obs(ObservationType::BloodPressure);
    assert_eq!((bp.value, bp.value2), (142.0, Some(91.0)));
    assert_eq!(bp.effective.offset_seconds, 9 * 3600);
    let g = obs(ObservationType::BloodGlucose);
    assert_eq!(g.value, 104.0);
    assert_eq!(obs(ObservationType::Hba1c).value, 6.1);
    assert_eq!(obs(ObservationType::Sleep).value, 7.0);
    assert_eq!(obs(ObservationType::Steps).value, 8123.0);
    let meds: Vec<&Medication> = recs
        .iter()
        .filter_map(|r| match &r.body {
            RecordBody::Medication(m) => Some(m),
            _ => None,
        })
        .collect();
    assert_eq!(meds.len(), 2);
    assert!(meds.iter().any(|m| m.drug_name == "ムコダイン錠２５０ｍｇ"
        && m.code_system.as_deref() == Some("hot")
        && m.prescriber.as_deref() == Some("鈴木\u{3000}一郎")));
    assert!(
        meds.iter().any(|m| m.code_system.as_deref() == Some("yj")
            && m.pharmacy.as_deref() == Some("あおば薬局"))
    );
    let note = recs
        .iter()
        .find_map(|r| match &r.body {
            RecordBody::Note(n) => Some(n.text.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(note, "朝の血圧は高め。\u{3000}減塩を続ける（医師より）");
    assert!(
        recs.iter()
            .all(|r| r.meta.provenance == Provenance::ImportedFile
                || r.meta.provenance == Provenance::Derived)
    );
    let docs = s.fhir_documents(&me).unwrap();
    assert_eq!(docs.iter().map(|(_, n)| n).sum::<i64>(), 5);
    // One audit entry for the whole import.
    let audit = s.access_history(&me, 10).unwrap();
    let imported: Vec<_> = audit
        .iter()
        .filter(|e| e.action == "records_imported")
        .collect();
    assert_eq!(imported.len(), 1);
    assert_eq!(imported[0].record_ids.len(), 16);
}

#[test]
fn japanese_text_survives_byte_for_byte_in_the_original_and_the_export() {
    let (_d, s, me) = store();
    let r = import(&s, &me, QUIRKY).unwrap();
    let med_id = r
        .imported
        .iter()
        .find(|i| i.resource_type == "MedicationStatement")
        .and_then(|i| i.record_id.clone())
        .unwrap();
    let original = s.original_json(&me, &med_id).unwrap().unwrap();
    assert!(original.contains("1日1回\u{3000}朝食後"));
    let b = s.export_fhir(&me, jst_days_ago(0)).unwrap();
    let text = serde_json::to_string(&b).unwrap();
    for jp in [
        "1日1回\u{3000}朝食後",
        "ムコダイン錠２５０ｍｇ",
        "鈴木\u{3000}一郎",
        "インフルエンザHAワクチン",
        "ＡＢ１２３",
        "本態性高血圧症",
    ] {
        assert!(text.contains(jp), "{jp} lost");
    }
}

#[test]
fn a_checkup_report_and_its_lines_become_one_checkup() {
    let (_d, s, me) = store();
    let r = import(&s, &me, CHECKUP).unwrap();
    assert_eq!(r.imported.len(), 1, "{r:#?}");
    assert_eq!(r.checkup_lines, 6);
    assert!(
        r.skipped
            .iter()
            .any(|x| x.reason.as_deref() == Some("the entry has no resource"))
    );
    let recs = all_records(&s, &me);
    let RecordBody::Checkup(c) = &recs[0].body else {
        panic!("not a checkup")
    };
    assert_eq!(c.program, "specific_health_checkup");
    assert_eq!(c.institution, "みどり健診センター");
    assert_eq!(c.institution_code.as_deref(), Some("1312345678"));
    assert_eq!(c.judgement.as_deref(), Some("要指導（脂質）"));
    assert_eq!(c.results.len(), 6);
    let tg = &c.results[3];
    assert_eq!(tg.code_system, CheckupCodeSystem::Tokutei);
    assert_eq!(tg.unit.as_deref(), Some("mg/dL"));
    assert_eq!((tg.ref_low, tg.ref_high), (Some(30.0), Some(149.0)));
    assert_eq!(c.results[2].flag.as_deref(), Some("H"));
    assert_eq!(c.results[4].value_code.as_deref(), Some("1"));
    assert_eq!(c.results[4].value_text.as_deref(), Some("基準該当"));
    assert_eq!(c.results[5].value_text.as_deref(), Some("特記事項なし"));
}

#[test]
fn a_single_resource_imports() {
    let (_d, s, me) = store();
    let r = import(&s, &me, SINGLE).unwrap();
    assert_eq!(r.imported.len(), 1);
    assert_eq!(r.imported[0].path, "$");
}

#[test]
fn reimporting_is_skipped_as_identical_and_a_change_updates_with_history() {
    let (_d, s, me) = store();
    let first = import(&s, &me, QUIRKY).unwrap();
    let n = all_records(&s, &me).len();
    let again = import(&s, &me, QUIRKY).unwrap();
    assert!(again.imported.is_empty(), "{again:#?}");
    assert!(again.updated.is_empty());
    assert_eq!(
        again
            .skipped
            .iter()
            .filter(|x| x.reason.as_deref() == Some("identical to the stored record"))
            .count(),
        first.imported.len()
    );
    assert_eq!(all_records(&s, &me).len(), n);
    // The same heart-rate resource with a new value updates the record it made.
    let changed = QUIRKY.replace(r#""value": 72,"#, r#""value": 75,"#);
    assert_ne!(changed, QUIRKY);
    let upd = import(&s, &me, &changed).unwrap();
    assert_eq!(upd.updated.len(), 1, "{upd:#?}");
    let id = upd.updated[0].record_id.clone().unwrap();
    assert_eq!(s.record_history(&me, &id).unwrap().len(), 1);
    let RecordBody::Observation(o) = s.get_record(&me, &id).unwrap().body else {
        panic!()
    };
    assert_eq!(o.value, 75.0);
    assert_eq!(all_records(&s, &me).len(), n);
}

#[test]
fn reimporting_our_own_export_into_the_same_store_changes_nothing() {
    let (_d, s, me) = store();
    s.add_record(
        &me,
        ClinicalInput::Medication(Medication {
            drug_name: "アムロジピン錠5mg".into(),
            code_system: Some("yj".into()),
            code: Some("2171022F1022".into()),
            dose: Some("1錠".into()),
            frequency: Some("1日1回朝食後".into()),
            start_date: chrono::NaiveDate::from_ymd_opt(2025, 1, 15).unwrap(),
            end_date: None,
            prescriber: None,
            pharmacy: None,
        }),
        Provenance::SelfEntered,
        None,
    )
    .unwrap();
    s.log_observation(
        &me,
        ObservationInput::simple(ObservationType::Pulse, 66.0, jst_days_ago(1)),
    )
    .unwrap();
    let b = serde_json::to_string(&s.export_fhir(&me, jst_days_ago(0)).unwrap()).unwrap();
    let r = import(&s, &me, &b).unwrap();
    assert!(r.imported.is_empty() && r.updated.is_empty(), "{r:#?}");
    assert_eq!(r.skipped.len(), 3, "{r:#?}"); // Patient + 2 identical records
}

#[test]
fn a_bundle_with_one_bad_entry_imports_nothing_and_names_the_path() {
    let (_d, s, me) = store();
    let mut b: Value = serde_json::from_str(QUIRKY).unwrap();
    let i = 3;
    b["entry"][i]["resource"]["valueQuantity"]["value"] = Value::from("154.3");
    let e = import(&s, &me, &b.to_string()).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("invalid entry[{i}].resource.valueQuantity.value: expected a number")
    );
    assert!(all_records(&s, &me).is_empty());
    assert!(s.fhir_documents(&me).unwrap().is_empty());
}

#[test]
fn every_error_path_names_where_and_never_the_value() {
    let (_d, s, me) = store();
    let cases: &[(&str, &str)] = &[
        ("{", "$"),
        ("[]", "$"),
        (r#"{"resourceType":"Bundle"}"#, "type"),
        (r#"{"resourceType":"Bundle","type":"message"}"#, "type"),
        (
            r#"{"resourceType":"Bundle","type":"collection","entry":{}}"#,
            "entry",
        ),
        (
            r#"{"resourceType":"Bundle","type":"collection","entry":[7]}"#,
            "entry[0]",
        ),
        (
            r#"{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"id":"秘密"}}]}"#,
            "entry[0].resource.resourceType",
        ),
        (
            r#"{"resourceType":"Observation","code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},"effectiveDateTime":"昨日"}"#,
            "effectiveDateTime",
        ),
        (
            r#"{"resourceType":"Observation","code":{"coding":"秘密"}}"#,
            "code.coding",
        ),
        (
            r#"{"resourceType":"Observation","code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},"effectiveDateTime":"2025-01-01","valueQuantity":{"value":"秘密"}}"#,
            "valueQuantity.value",
        ),
        (
            r#"{"resourceType":"Immunization","vaccineCode":{"text":"x"},"occurrenceDateTime":"2025-01-01","protocolApplied":[{"doseNumberPositiveInt":-1}]}"#,
            "protocolApplied[0].doseNumberPositiveInt",
        ),
        (
            r#"{"resourceType":"DocumentReference","content":[{"attachment":{"contentType":"text/plain","data":"秘密!!"}}]}"#,
            "content[0].attachment.data",
        ),
        (
            r#"{"resourceType":"Patient","birthDate":"1960-04-1２"}"#,
            "birthDate",
        ),
    ];
    for (json, path) in cases {
        let e = import(&s, &me, json).unwrap_err();
        let Error::InvalidInput { field, reason } = &e else {
            panic!("{json}: {e:?}")
        };
        assert_eq!(field, path, "{json}: {e}");
        assert!(!e.to_string().contains("秘密"), "{e}");
        assert!(!reason.is_empty());
    }
    assert!(all_records(&s, &me).is_empty());
}

#[test]
fn someone_elses_patient_is_refused_and_no_person_is_created() {
    let (_d, s, me) = store();
    let other = QUIRKY.replace("1960-04-12", "1988-08-08");
    let e = import(&s, &me, &other).unwrap_err();
    assert!(
        matches!(&e, Error::InvalidInput { field, .. } if field == "entry[0].resource.birthDate"),
        "{e:?}"
    );
    assert!(all_records(&s, &me).is_empty());
    assert_eq!(s.persons().unwrap().len(), 1);
}

#[test]
fn a_value_the_model_refuses_is_reported_with_its_field_and_kept() {
    let (_d, s, me) = store();
    // A heart rate of 400/min is outside what the record model accepts (20–300).
    let bad = QUIRKY.replace(r#""value": 72,"#, r#""value": 400,"#);
    let r = import(&s, &me, &bad).unwrap();
    let path = entry_path(QUIRKY, "hr");
    let why = reason_of(&r.skipped, &path);
    assert!(
        why.starts_with(&format!("{path}.valueQuantity.value: must be between")),
        "{why}"
    );
    assert!(!why.contains("400"));
    assert!(reason_of(&r.documents, &path).starts_with("refused by the record model"));
    assert_eq!(r.imported.len(), 14);
}

fn normalised(b: &Value) -> BTreeMap<String, Value> {
    let patient = b["entry"][0]["resource"]["id"].as_str().unwrap().to_owned();
    let mut out = BTreeMap::new();
    for e in b["entry"].as_array().unwrap() {
        let mut r = e["resource"].clone();
        let t = r["resourceType"].as_str().unwrap().to_owned();
        if t == "Provenance" {
            continue;
        }
        let text = serde_json::to_string(&r)
            .unwrap()
            .replace(&patient, "PATIENT");
        r = serde_json::from_str(&text).unwrap();
        if let Some(m) = r.get_mut("meta").and_then(Value::as_object_mut) {
            m.remove("lastUpdated");
        }
        // The derived BMI is made again (new id) from the imported weight and height: a BMI is
        // known by its time and category.
        let key = if r["code"]["coding"][0]["code"] == "39156-5" {
            r.as_object_mut().unwrap().remove("id");
            r.as_object_mut().unwrap().remove("identifier");
            r.as_object_mut().unwrap().remove("derivedFrom");
            format!(
                "BMI at {} ({})",
                r["effectiveDateTime"], r["category"][0]["coding"][0]["code"]
            )
        } else {
            format!("{t}/{}", r["id"].as_str().unwrap())
        };
        // Every resource once: a doubled one is no round trip.
        assert!(out.insert(key.clone(), r).is_none(), "{key} twice");
    }
    out
}

/// A record with every kind the export maps, entered through the Session API.
fn full_record(s: &Session, me: &str) {
    let obs =
        |ty, v, d| ClinicalInput::Observation(ObservationInput::simple(ty, v, jst_days_ago(d)));
    s.add_records(
        me,
        vec![
            ClinicalInput::Observation(ObservationInput::blood_pressure(
                128.0,
                82.0,
                Some(64.0),
                jst_days_ago(3),
            )),
            obs(ObservationType::Height, 170.2, 3),
            obs(ObservationType::Weight, 68.5, 2),
            obs(ObservationType::Steps, 9000.0, 1),
            ClinicalInput::Note {
                text: "散歩\u{3000}30分".into(),
                at: None,
            },
            ClinicalInput::Condition(Condition {
                name: "高血圧症".into(),
                code_system: Some("icd10".into()),
                code: Some("I10".into()),
                onset_date: chrono::NaiveDate::from_ymd_opt(2024, 4, 1),
                end_date: None,
                status: "active".into(),
            }),
            ClinicalInput::Allergy(Allergy {
                substance: "そば".into(),
                code_system: None,
                code: None,
                reaction: Some("じんましん".into()),
                severity: Some("severe".into()),
            }),
            ClinicalInput::Immunization(Immunization {
                vaccine: "インフルエンザHAワクチン".into(),
                code_system: Some("hot".into()),
                code: Some("123456701".into()),
                date: chrono::NaiveDate::from_ymd_opt(2025, 10, 20).unwrap(),
                dose_number: Some(1),
                lot: None,
                place: None,
            }),
        ],
        Provenance::SelfEntered,
        None,
    )
    .unwrap();
}

/// A full record exported, imported into a fresh store, exported again: both exports.
fn round_trip() -> (tempfile::TempDir, Value, Value) {
    let (d1, a, me_a) = store();
    full_record(&a, &me_a);
    import(&a, &me_a, CHECKUP).unwrap();
    import(&a, &me_a, QUIRKY).unwrap();
    let first = a.export_fhir(&me_a, jst_days_ago(0)).unwrap();
    let (_d2, b, me_b) = store();
    let r = b
        .import_fhir(
            &me_b,
            first.to_string().as_bytes(),
            Provenance::ImportedFile,
            None,
        )
        .unwrap();
    assert!(r.updated.is_empty());
    let second = b.export_fhir(&me_b, jst_days_ago(0)).unwrap();
    (d1, first, second)
}

#[test]
fn export_import_export_round_trips_into_a_fresh_store() {
    let (_d, first, second) = round_trip();
    let (x, y) = (normalised(&first), normalised(&second));
    assert_eq!(x.keys().collect::<Vec<_>>(), y.keys().collect::<Vec<_>>());
    for (k, v) in &x {
        assert_eq!(v, &y[k], "{k} differs after the round trip");
    }
}

#[test]
#[cfg_attr(
    not(feature = "validators"),
    ignore = "needs the Python and Node validators: scripts/test.sh installs them and runs this with --features phr-core/validators"
)]
fn both_exports_of_the_round_trip_pass_the_validators() {
    let (d, first, second) = round_trip();
    for (name, bundle) in [("first.json", &first), ("second.json", &second)] {
        let file = d.path().join(name);
        std::fs::write(&file, serde_json::to_vec_pretty(bundle).unwrap()).unwrap();
        let n = bundle["entry"].as_array().unwrap().len();
        assert_eq!(validators::python_fhir_resources(&file), Ok(n), "{name}");
        assert_eq!(validators::node_fhir_js(&file), Ok(n), "{name}");
    }
}

#[test]
fn an_imported_quirky_resource_exports_as_it_came() {
    let (_d, s, me) = store();
    import(&s, &me, QUIRKY).unwrap();
    let b = s.export_fhir(&me, jst_days_ago(0)).unwrap();
    let src: Value = serde_json::from_str(QUIRKY).unwrap();
    let src_of = |id: &str| {
        src["entry"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["resource"]["id"] == id || e["resource"]["id"] == format!("obs-{id}"))
            .unwrap()["resource"]
            .clone()
    };
    let patient = b["entry"][0]["resource"]["id"].as_str().unwrap().to_owned();
    for id in [
        "weight-lb",
        "glucose-medis",
        "hba1c-oid",
        "med-amlo",
        "medreq-1",
        "note-1",
    ] {
        let mut want = src_of(id);
        let got = b["entry"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| &e["resource"])
            .find(|r| {
                r["identifier"] == want["identifier"]
                    && r["resourceType"] == want["resourceType"]
                    && r.get("code") == want.get("code")
                    && r.get("content") == want.get("content")
                    && r.get("medicationCodeableConcept") == want.get("medicationCodeableConcept")
            })
            .unwrap_or_else(|| panic!("{id} not exported"))
            .clone();
        // Normalised: the id is the record's, meta.lastUpdated the record's, the subject ours.
        want["id"] = got["id"].clone();
        want["meta"] = got["meta"].clone();
        want["subject"] = serde_json::json!({"reference": format!("urn:uuid:{patient}")});
        assert_eq!(got, want, "{id}");
    }
}

#[test]
fn the_gated_export_leaves_out_what_consent_withholds() {
    let (_d, s, me) = store();
    import(&s, &me, CHECKUP).unwrap();
    import(&s, &me, QUIRKY).unwrap();
    s.set_operator_profile(phr_core::consent::samples::municipality())
        .unwrap();
    let purpose = "specific_health_guidance";
    s.set_consent(
        &me,
        phr_core::consent::ConsentRequest::permit(
            "health-dept",
            &[phr_core::consent::DataCategory::Checkup],
            &[purpose],
        ),
    )
    .unwrap();
    let b = s
        .export_fhir_for(&me, "health-dept", purpose, jst_days_ago(0))
        .unwrap();
    let types: Vec<&str> = b["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["resource"]["resourceType"].as_str().unwrap())
        .collect();
    assert!(types.contains(&"DiagnosticReport"));
    for t in [
        "Immunization",
        "MedicationStatement",
        "MedicationRequest",
        "Condition",
        "AllergyIntolerance",
        "DocumentReference",
    ] {
        assert!(!types.contains(&t), "{t} was not consented to");
    }
    // Only the checkup's 6 lines: no vital sign, body measurement or lab observation.
    assert_eq!(types.iter().filter(|t| **t == "Observation").count(), 6);
    let text = b.to_string();
    assert!(!text.contains("アムロジピン") && !text.contains("そば"));
    let released = s
        .access_history(&me, 3)
        .unwrap()
        .into_iter()
        .find(|e| e.action == "records_released")
        .expect("the release is audited");
    assert_eq!(released.record_ids.len(), 1);
    // Without consent for the purpose nothing but the Patient goes.
    let none = s
        .export_fhir_for(&me, "health-dept", "health_promotion", jst_days_ago(0))
        .map(|b| b["entry"].as_array().unwrap().len());
    assert!(
        matches!(none, Ok(1) | Err(Error::InvalidInput { .. })),
        "{none:?}"
    );
}

/// Every live record of one observation type, page by page.
fn observations(s: &Session, me: &str, ty: ObservationType) -> Vec<Record> {
    let filter = RecordFilter {
        observation_type: Some(ty),
        ..Default::default()
    };
    let (mut out, mut page) = (vec![], PageRequest::first(1000));
    loop {
        let p = s.list_records(me, &filter, &page).unwrap();
        out.extend(p.records);
        match p.next {
            Some(after) => page.after = Some(after),
            None => return out,
        }
    }
}

/// A Bundle large enough to be read on several threads and written while later chunks are
/// still being read: `weights` weights, then ONE height (older than every weight) at the end.
fn weights_then_height(weights: usize) -> Vec<String> {
    let obs = |id: String, loinc: &str, at: String, value: f64, unit: &str| {
        format!(
            r#"{{"fullUrl":"urn:uuid:{id}","resource":{{"resourceType":"Observation","id":"{id}","status":"final","code":{{"coding":[{{"system":"http://loinc.org","code":"{loinc}"}}]}},"effectiveDateTime":"{at}","valueQuantity":{{"value":{value},"unit":"{unit}","system":"http://unitsofmeasure.org","code":"{unit}"}}}}}}"#
        )
    };
    let start = chrono::DateTime::parse_from_rfc3339("2025-01-01T07:00:00+09:00").unwrap();
    let mut entries: Vec<String> = (0..weights)
        .map(|i| {
            let at = start + chrono::Duration::minutes(i as i64);
            let kg = 50.0 + (i % 200) as f64 / 10.0;
            obs(
                format!("00000000-0000-4000-8000-{i:012}"),
                "29463-7",
                at.to_rfc3339(),
                kg,
                "kg",
            )
        })
        .collect();
    entries.push(obs(
        "00000000-0000-4000-9000-000000000001".into(),
        "8302-2",
        "2024-12-01T07:00:00+09:00".into(),
        160.0,
        "cm",
    ));
    entries
}

fn bundle_of(entries: &[String]) -> String {
    format!(
        r#"{{"resourceType":"Bundle","type":"collection","entry":[{}]}}"#,
        entries.join(",")
    )
}

/// The writer starts on the first chunks while the rest is still being read; the outcome must
/// not depend on that: a height at the very end still gives every weight before it its BMI.
#[test]
fn a_height_at_the_end_of_a_large_bundle_gives_every_weight_its_bmi() {
    let (_d, s, me) = store();
    let n = 4_500;
    let report = import(&s, &me, &bundle_of(&weights_then_height(n))).unwrap();
    assert_eq!(report.imported.len(), n + 1);
    assert_eq!(report.derived, n);
    let bmis = observations(&s, &me, ObservationType::Bmi);
    assert_eq!(bmis.len(), n);
    for b in &bmis {
        let RecordBody::Observation(o) = &b.body else {
            panic!("a BMI is an observation")
        };
        let weight = 50.0 + ((o.effective.utc_seconds - 1_735_682_400) / 60 % 200) as f64 / 10.0;
        assert_eq!(o.value, bmi(weight, 160.0), "{o:?}");
    }
}

/// All or nothing holds when the writer has already written the first chunks: a malformed last
/// entry, or someone else's Patient at the end, leaves the store as it was. A malformed entry is
/// reported ahead of a wrong Patient earlier in the input, as when everything was read first.
#[test]
fn a_large_bundle_bad_at_its_end_imports_nothing() {
    let (_d, s, me) = store();
    let mut entries = weights_then_height(4_500);
    let patient = |birth: &str| {
        format!(r#"{{"resource":{{"resourceType":"Patient","birthDate":"{birth}"}}}}"#)
    };
    let bad_value = r#"{"resource":{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"29463-7"}]},"effectiveDateTime":"2025-01-01","valueQuantity":{"value":"60"}}}"#;
    let cases = [
        (None, Some(bad_value.to_owned()), "valueQuantity.value"),
        (None, Some(patient("1988-08-08")), "birthDate"),
        (
            Some(patient("1988-08-08")),
            Some(bad_value.to_owned()),
            "valueQuantity.value",
        ),
    ];
    for (first, last, named) in cases {
        let mut e = entries.clone();
        if let Some(p) = first {
            e.insert(0, p);
        }
        e.extend(last);
        let err = import(&s, &me, &bundle_of(&e)).unwrap_err();
        let Error::InvalidInput { field, .. } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(
            field,
            &format!("entry[{}].resource.{named}", e.len() - 1),
            "{err}"
        );
        assert!(all_records(&s, &me).is_empty());
    }
    // The same Bundle without the bad entry imports: nothing was left half-written.
    entries.insert(0, patient("1960-04-12"));
    assert_eq!(
        import(&s, &me, &bundle_of(&entries))
            .unwrap()
            .imported
            .len(),
        4_501
    );
}

/// The progress listener may call back into the session: a listener that logs a reading on its
/// first report neither deadlocks the import nor is lost (it runs once the import commits), and
/// it is never called on the thread that holds the import's transaction.
#[test]
fn a_progress_listener_that_writes_to_the_session_does_not_deadlock_the_import() {
    let (_d, s, me) = store();
    let importer = std::thread::current().id();
    let logged = std::sync::atomic::AtomicBool::new(false);
    let reports = std::sync::atomic::AtomicUsize::new(0);
    let listener = |done: usize, total: usize| {
        assert_ne!(std::thread::current().id(), importer);
        assert!(done <= total);
        reports.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if !logged.swap(true, std::sync::atomic::Ordering::SeqCst) {
            s.log_observation(
                &me,
                ObservationInput::simple(ObservationType::Steps, 1234.0, jst_days_ago(1)),
            )
            .unwrap();
        }
    };
    let json = bundle_of(&weights_then_height(1_000));
    let report = s
        .import_fhir_with_progress(
            &me,
            json.as_bytes(),
            Provenance::ImportedFile,
            None,
            &listener,
        )
        .unwrap();
    assert_eq!(report.imported.len(), 1_001);
    assert!(reports.load(std::sync::atomic::Ordering::SeqCst) >= 1);
    assert_eq!(observations(&s, &me, ObservationType::Steps).len(), 1);
}
