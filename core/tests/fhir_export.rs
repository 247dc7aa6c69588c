//! FHIR R4 (JP Core) export through the real Session API: every record kind, stable ids,
//! Japanese text byte for byte, the audit entry, and two independent validators.

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "common/fhir_validators.rs"]
mod validators;

use chrono::NaiveDate;
use common::{jst_days_ago, kdf, person};
use phr_core::records::*;
use phr_core::{ClinicalInput, Session};
use serde_json::Value;
use std::collections::BTreeMap;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn result(code: &str, name: &str) -> CheckupResult {
    CheckupResult {
        code_system: CheckupCodeSystem::Tokutei,
        code: code.into(),
        name: name.into(),
        value_num: None,
        value_code: None,
        value_system: None,
        value_text: None,
        unit: None,
        ref_low: None,
        ref_high: None,
        flag: None,
    }
}

/// A store whose owner has every kind of record from every kind of source.
fn full_record() -> (tempfile::TempDir, Session, String) {
    let dir = tempfile::tempdir().unwrap();
    let s = Session::create(dir.path(), "correct horse", kdf()).unwrap();
    let mut p = person("hanako", "山田", "花子", (1975, 5, 3), Sex::Female);
    p.family_name_kana = Some("ヤマダ".into());
    p.given_name_kana = Some("ハナコ".into());
    p.insurer_number = Some("06130001".into());
    let me = s.add_person(p).unwrap().id;
    let obs =
        |ty, v, d| ClinicalInput::Observation(ObservationInput::simple(ty, v, jst_days_ago(d)));
    s.add_records(
        &me,
        vec![
            ClinicalInput::Observation(ObservationInput::blood_pressure(
                128.0,
                82.0,
                Some(64.0),
                jst_days_ago(3),
            )),
            obs(ObservationType::Pulse, 66.0, 3),
            obs(ObservationType::BodyTemperature, 36.6, 3),
            obs(ObservationType::Spo2, 98.0, 3),
            obs(ObservationType::Waist, 78.5, 3),
            obs(ObservationType::BodyFat, 27.5, 3),
            obs(ObservationType::Hba1c, 5.4, 3),
            ClinicalInput::Observation(ObservationInput {
                glucose_timing: Some(GlucoseTiming::Fasting),
                ..ObservationInput::simple(ObservationType::BloodGlucose, 96.0, jst_days_ago(3))
            }),
            ClinicalInput::Note {
                text: "朝の散歩\u{3000}30分。気分良好".into(),
                at: None,
            },
        ],
        Provenance::SelfEntered,
        None,
    )
    .unwrap();
    // Height then weight: the core derives a BMI from them.
    s.add_records(
        &me,
        vec![
            obs(ObservationType::Height, 158.2, 2),
            obs(ObservationType::Weight, 52.3, 2),
        ],
        Provenance::Device,
        Some("体組成計 HBF-228T"),
    )
    .unwrap();
    // A walk in New York: the reading keeps its -05:00 offset.
    let ny = Stamp {
        utc_seconds: phr_core::clock::Clock::from_environment().now().timestamp() - 86_400,
        offset_seconds: -5 * 3600,
    };
    s.add_records(
        &me,
        vec![
            ClinicalInput::Observation(ObservationInput::simple(
                ObservationType::Steps,
                8432.0,
                ny,
            )),
            obs(ObservationType::Sleep, 7.5, 1),
        ],
        Provenance::Device,
        Some("iPhone"),
    )
    .unwrap();
    let checkup = Checkup {
        date: day(2025, 6, 10),
        program: "specific_health_checkup".into(),
        institution: "さくら健診センター".into(),
        institution_code: Some("1312345678".into()),
        judgement: Some("要経過観察（脂質）".into()),
        results: vec![
            CheckupResult {
                value_num: Some(158.0),
                unit: Some("cm".into()),
                ..result("9N001000000000001", "身長")
            },
            CheckupResult {
                value_num: Some(52.0),
                unit: Some("kg".into()),
                ..result("9N006000000000001", "体重")
            },
            CheckupResult {
                value_num: Some(20.8),
                unit: Some("kg/m2".into()),
                ..result("9N011000000000001", "BMI")
            },
            CheckupResult {
                value_num: Some(132.0),
                unit: Some("mm[Hg]".into()),
                flag: Some("H".into()),
                ..result("9A751000000000001", "収縮期血圧(1回目)")
            },
            CheckupResult {
                value_num: Some(84.0),
                unit: Some("mm[Hg]".into()),
                ..result("9A761000000000001", "拡張期血圧(1回目)")
            },
            CheckupResult {
                value_num: Some(180.0),
                unit: Some("mg/dL".into()),
                ref_low: Some(30.0),
                ref_high: Some(149.0),
                flag: Some("H".into()),
                ..result("3F015000002327101", "中性脂肪(空腹時)")
            },
            CheckupResult {
                value_num: Some(5.4),
                unit: Some("%".into()),
                flag: Some("N".into()),
                ..result("3D046000001906202", "HbA1c(NGSP値)")
            },
            CheckupResult {
                value_code: Some("1".into()),
                value_system: None,
                value_text: Some("基準該当".into()),
                ..result("9N501000000000011", "メタボリックシンドローム判定")
            },
            CheckupResult {
                value_text: Some("特記事項なし".into()),
                ..result("9N076000000000049", "視診(口腔内含む)")
            },
        ],
    };
    s.add_record(
        &me,
        ClinicalInput::Checkup(checkup),
        Provenance::Mynaportal,
        None,
    )
    .unwrap();
    s.add_record(
        &me,
        ClinicalInput::Immunization(Immunization {
            vaccine: "インフルエンザHAワクチン".into(),
            code_system: Some("hot".into()),
            code: Some("123456701".into()),
            date: day(2025, 10, 20),
            dose_number: Some(1),
            lot: Some("AB1234".into()),
            place: Some("やまだ内科クリニック".into()),
        }),
        Provenance::Clinic,
        Some("やまだ内科クリニック"),
    )
    .unwrap();
    s.add_record(
        &me,
        ClinicalInput::Medication(Medication {
            drug_name: "アムロジピン錠5mg".into(),
            code_system: Some("yj".into()),
            code: Some("2171022F1022".into()),
            dose: Some("1錠".into()),
            frequency: Some("1日1回朝食後".into()),
            start_date: day(2025, 1, 15),
            end_date: None,
            prescriber: None,
            pharmacy: Some("あおば薬局".into()),
        }),
        Provenance::Mynaportal,
        Some("薬剤情報"),
    )
    .unwrap();
    s.add_record(
        &me,
        ClinicalInput::Condition(Condition {
            name: "高血圧症".into(),
            code_system: Some("icd10".into()),
            code: Some("I10".into()),
            onset_date: Some(day(2024, 4, 1)),
            end_date: None,
            status: "active".into(),
        }),
        Provenance::SelfEntered,
        None,
    )
    .unwrap();
    s.add_record(
        &me,
        ClinicalInput::Allergy(Allergy {
            substance: "そば".into(),
            code_system: None,
            code: None,
            reaction: Some("じんましん".into()),
            severity: Some("severe".into()),
        }),
        Provenance::ImportedFile,
        Some("allergies.json"),
    )
    .unwrap();
    s.add_record(
        &me,
        ClinicalInput::Allergy(Allergy {
            substance: "ペニシリン".into(),
            code_system: None,
            code: None,
            reaction: None,
            severity: Some("moderate".into()),
        }),
        Provenance::ImportedFile,
        Some("allergies.json"),
    )
    .unwrap();
    (dir, s, me)
}

fn at() -> Stamp {
    phr_core::records::Stamp::from_utc(phr_core::clock::Clock::from_environment().now(), 9 * 3600)
}

fn resources(b: &Value) -> Vec<&Value> {
    b["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .collect()
}

fn counts(b: &Value) -> BTreeMap<String, usize> {
    let mut c = BTreeMap::new();
    for r in resources(b) {
        *c.entry(r["resourceType"].as_str().unwrap().to_owned())
            .or_insert(0) += 1;
    }
    c
}

#[test]
fn every_record_kind_maps_to_its_resource() {
    let (_d, s, me) = full_record();
    let b = s.export_fhir(&me, at()).unwrap();
    let c = counts(&b);
    // 12 observations logged + 1 derived BMI + 9 checkup lines.
    assert_eq!(c["Observation"], 13 + 9);
    assert_eq!(c["Patient"], 1);
    assert_eq!(c["DiagnosticReport"], 1);
    assert_eq!(c["Immunization"], 1);
    assert_eq!(c["MedicationStatement"], 1);
    assert_eq!(c["Condition"], 1);
    assert_eq!(c["AllergyIntolerance"], 2);
    assert_eq!(c["DocumentReference"], 1);
    // Sources: self-entered, device ×2, Mynaportal ×2, clinic, imported file, derived.
    assert_eq!(c["Provenance"], 8);
    let all = resources(&b);
    let bmi = all
        .iter()
        .find(|r| r["code"]["coding"][0]["code"] == "39156-5" && r.get("derivedFrom").is_some())
        .expect("derived BMI");
    let weight_ref = bmi["derivedFrom"][0]["reference"].as_str().unwrap();
    let weight = all
        .iter()
        .find(|r| format!("urn:uuid:{}", r["id"].as_str().unwrap()) == weight_ref)
        .expect("the weight BMI came from is in the bundle");
    assert_eq!(weight["code"]["coding"][0]["code"], "29463-7");
    let steps = all
        .iter()
        .find(|r| r["code"]["coding"][0]["code"] == "55423-8")
        .unwrap();
    assert!(
        steps["effectiveDateTime"]
            .as_str()
            .unwrap()
            .ends_with("-05:00")
    );
    let report = all
        .iter()
        .find(|r| r["resourceType"] == "DiagnosticReport")
        .unwrap();
    assert_eq!(report["conclusion"], "要経過観察（脂質）");
    assert_eq!(report["result"].as_array().unwrap().len(), 9);
    // Every resource with a JP Core profile names it.
    for r in &all {
        let t = r["resourceType"].as_str().unwrap();
        let has = r["meta"]["profile"][0].as_str().is_some();
        let expected = !matches!(
            t,
            "MedicationStatement" | "DocumentReference" | "Provenance"
        );
        assert_eq!(has, expected, "{t}");
    }
}

#[test]
fn exporting_twice_gives_identical_json_and_is_audited() {
    let (_d, s, me) = full_record();
    let t = at();
    let a = serde_json::to_string(&s.export_fhir(&me, t).unwrap()).unwrap();
    let b = serde_json::to_string(&s.export_fhir(&me, t).unwrap()).unwrap();
    assert_eq!(a, b);
    let history = s.access_history(&me, 5).unwrap();
    let exported = history
        .iter()
        .find(|e| e.action == "records_exported")
        .expect("the export is audited");
    assert_eq!(exported.record_ids.len(), 20); // every record (a checkup is one record)
}

#[test]
fn japanese_names_survive_byte_for_byte() {
    let (_d, s, me) = full_record();
    let text = serde_json::to_string(&s.export_fhir(&me, at()).unwrap()).unwrap();
    for jp in [
        "山田",
        "花子",
        "ヤマダ",
        "ハナコ",
        "山田\u{3000}花子",
        "さくら健診センター",
    ] {
        assert!(text.contains(jp), "{jp} lost");
    }
    let b: Value = serde_json::from_str(&text).unwrap();
    let patient = resources(&b)[0];
    assert_eq!(patient["name"][0]["text"], "山田\u{3000}花子");
    assert_eq!(patient["name"][1]["text"], "ヤマダ\u{3000}ハナコ");
}

#[test]
fn another_persons_record_needs_permission() {
    let (_d, s, me) = full_record();
    let other = s
        .add_person(person("taro", "山田", "太郎", (1945, 1, 20), Sex::Male))
        .unwrap();
    assert!(matches!(
        s.as_person(&other.id).export_fhir(&me, at()),
        Err(phr_core::Error::NotPermitted { .. })
    ));
}

#[test]
#[cfg_attr(
    not(feature = "validators"),
    ignore = "needs the Python and Node validators: scripts/test.sh installs them and runs this with --features phr-core/validators"
)]
fn both_validators_accept_the_export() {
    let (d, s, me) = full_record();
    let b = s.export_fhir(&me, at()).unwrap();
    let file = d.path().join("bundle.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&b).unwrap()).unwrap();
    let n = b["entry"].as_array().unwrap().len();
    assert_eq!(validators::python_fhir_resources(&file), Ok(n));
    assert_eq!(validators::node_fhir_js(&file), Ok(n));
}

#[test]
#[cfg_attr(
    not(feature = "validators"),
    ignore = "needs the Python and Node validators: scripts/test.sh installs them and runs this with --features phr-core/validators"
)]
fn the_validators_catch_a_broken_bundle() {
    // Guards against validators that accept anything.
    let (d, s, me) = full_record();
    let mut b = s.export_fhir(&me, at()).unwrap();
    let file = d.path().join("broken.json");
    b["entry"][0]["resource"]["gender"] = "bogus".into();
    std::fs::write(&file, serde_json::to_vec(&b).unwrap()).unwrap();
    assert!(validators::node_fhir_js(&file).is_err());
    b["entry"][1]["resource"]["status"] = Value::Null;
    b["entry"][1]["resource"]["effectiveDateTime"] = "yesterday".into();
    std::fs::write(&file, serde_json::to_vec(&b).unwrap()).unwrap();
    assert!(validators::python_fhir_resources(&file).is_err());
}
