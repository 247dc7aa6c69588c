//! Every record type is stored and read back as given; edits keep history; deletes and erases.

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::NaiveDate;
use common::*;
use phr_core::records::*;
use phr_core::{ClinicalInput, Error};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn checkup() -> Checkup {
    Checkup {
        date: d(2026, 6, 10),
        program: "specific_health_checkup".into(),
        institution: "渋谷健診センター".into(),
        institution_code: Some("1312345678".into()),
        judgement: Some("要経過観察　血圧に注意".into()),
        results: vec![
            CheckupResult {
                code_system: CheckupCodeSystem::Tokutei,
                code: "9N001000000000001".into(),
                name: "身長".into(),
                value_num: Some(158.2),
                value_code: None,
                value_system: None,
                value_text: None,
                unit: Some("cm".into()),
                ref_low: None,
                ref_high: None,
                flag: None,
            },
            CheckupResult {
                code_system: CheckupCodeSystem::Tokutei,
                code: "3D046000001906202".into(),
                name: "HbA1c（NGSP）".into(),
                value_num: Some(5.9),
                value_code: None,
                value_system: None,
                value_text: None,
                unit: Some("%".into()),
                ref_low: Some(4.6),
                ref_high: Some(5.5),
                flag: Some("H".into()),
            },
            CheckupResult {
                code_system: CheckupCodeSystem::Tokutei,
                code: "1A020000000191111".into(),
                name: "尿糖".into(),
                value_num: None,
                value_code: Some("1".into()),
                value_system: None,
                value_text: None,
                unit: None,
                ref_low: None,
                ref_high: None,
                flag: Some("N".into()),
            },
        ],
    }
}

fn all_inputs() -> Vec<ClinicalInput> {
    let mut glucose =
        ObservationInput::simple(ObservationType::BloodGlucose, 98.0, jst_days_ago(1));
    glucose.glucose_timing = Some(GlucoseTiming::Fasting);
    vec![
        ClinicalInput::Observation(ObservationInput::blood_pressure(
            128.0,
            82.0,
            Some(64.0),
            jst_days_ago(1),
        )),
        ClinicalInput::Observation(glucose),
        ClinicalInput::Observation(ObservationInput::simple(
            ObservationType::Steps,
            8432.0,
            jst_days_ago(1),
        )),
        ClinicalInput::Checkup(checkup()),
        ClinicalInput::Immunization(Immunization {
            vaccine: "インフルエンザHAワクチン".into(),
            code_system: Some("hot".into()),
            code: Some("123456789".into()),
            date: d(2025, 11, 2),
            dose_number: Some(1),
            lot: Some("HA-2025-11".into()),
            place: Some("山田内科クリニック".into()),
        }),
        ClinicalInput::Medication(Medication {
            drug_name: "アムロジピン錠5mg".into(),
            code_system: Some("yj".into()),
            code: Some("2171022F1020".into()),
            dose: Some("1錠".into()),
            frequency: Some("1日1回朝食後".into()),
            start_date: d(2026, 4, 1),
            end_date: None,
            prescriber: Some("山田内科クリニック".into()),
            pharmacy: Some("さくら薬局".into()),
        }),
        ClinicalInput::Condition(Condition {
            name: "高血圧症".into(),
            code_system: None,
            code: None,
            onset_date: Some(d(2026, 3, 15)),
            end_date: None,
            status: "active".into(),
        }),
        ClinicalInput::Allergy(Allergy {
            substance: "ペニシリン".into(),
            code_system: None,
            code: None,
            reaction: Some("発疹".into()),
            severity: Some("moderate".into()),
        }),
        ClinicalInput::Note {
            text: "朝の散歩　30分".into(),
            at: Some(jst_days_ago(2)),
        },
    ]
}

#[test]
fn every_record_type_round_trips() {
    let (_dir, s, hanako, _) = session_with_two();
    for input in all_inputs() {
        let stored = s
            .add_record(&hanako.id, input.clone(), Provenance::SelfEntered, None)
            .unwrap();
        let back = s.get_record(&hanako.id, &stored.meta.id).unwrap();
        assert_eq!(back, stored);
        assert_eq!(back.meta.version, 1);
        assert_eq!(back.meta.subject_id, hanako.id);
        // The body is what was given (after normalisation, which keeps these values).
        match (&input, &back.body) {
            (ClinicalInput::Checkup(c), RecordBody::Checkup(b)) => assert_eq!(c, b),
            (ClinicalInput::Immunization(c), RecordBody::Immunization(b)) => assert_eq!(c, b),
            (ClinicalInput::Medication(c), RecordBody::Medication(b)) => assert_eq!(c, b),
            (ClinicalInput::Condition(c), RecordBody::Condition(b)) => assert_eq!(c, b),
            (ClinicalInput::Allergy(c), RecordBody::Allergy(b)) => assert_eq!(c, b),
            (ClinicalInput::Note { text, .. }, RecordBody::Note(n)) => assert_eq!(text, &n.text),
            (ClinicalInput::Observation(o), RecordBody::Observation(b)) => {
                assert_eq!(o.value, b.value);
                assert_eq!(o.value2, b.value2);
                assert_eq!(o.value3, b.value3);
                assert_eq!(o.effective, b.effective);
                assert_eq!(o.glucose_timing, b.glucose_timing);
            }
            (i, b) => panic!("kind changed: {i:?} -> {b:?}"),
        }
    }
}

#[test]
fn provenance_and_source_are_kept() {
    let (_dir, s, hanako, _) = session_with_two();
    for p in [
        Provenance::SelfEntered,
        Provenance::Device,
        Provenance::Clinic,
        Provenance::Mynaportal,
        Provenance::ImportedFile,
    ] {
        let r = s
            .add_record(
                &hanako.id,
                ClinicalInput::Observation(ObservationInput::simple(
                    ObservationType::Pulse,
                    70.0,
                    jst_days_ago(0),
                )),
                p,
                Some("Omron HEM-7600T"),
            )
            .unwrap();
        assert_eq!(r.meta.provenance, p);
        assert_eq!(r.meta.source.as_deref(), Some("Omron HEM-7600T"));
    }
    let derived = s.add_record(
        &hanako.id,
        ClinicalInput::Observation(ObservationInput::simple(
            ObservationType::Pulse,
            70.0,
            jst_days_ago(0),
        )),
        Provenance::Derived,
        None,
    );
    assert!(matches!(derived, Err(Error::InvalidInput { field, .. }) if field == "provenance"));
}

#[test]
fn original_offset_survives() {
    let (_dir, s, hanako, _) = session_with_two();
    let at = Stamp {
        utc_seconds: phr_core::clock::Clock::from_environment().now().timestamp() - 3600,
        offset_seconds: -5 * 3600,
    };
    let r = s
        .log_observation(
            &hanako.id,
            ObservationInput::simple(ObservationType::Weight, 60.0, at),
        )
        .unwrap();
    assert_eq!(r.meta.effective, at);
    assert_eq!(
        r.meta.effective.to_fixed().offset().local_minus_utc(),
        -5 * 3600
    );
}

#[test]
fn edits_keep_earlier_versions() {
    let (_dir, s, hanako, _) = session_with_two();
    let h = &hanako.id;
    let r = s
        .log_observation(
            h,
            ObservationInput::blood_pressure(150.0, 95.0, None, jst_days_ago(1)),
        )
        .unwrap();
    let r2 = s
        .update_record(
            h,
            &r.meta.id,
            ClinicalInput::Observation(ObservationInput::blood_pressure(
                130.0,
                85.0,
                None,
                jst_days_ago(1),
            )),
        )
        .unwrap();
    assert_eq!(r2.meta.version, 2);
    assert!(r2.meta.updated >= r.meta.updated);
    assert_eq!(r2.meta.created, r.meta.created);
    let history = s.record_history(h, &r.meta.id).unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].version, 1);
    assert_eq!(history[0].body, r.body);
    let kind_change = s.update_record(
        h,
        &r.meta.id,
        ClinicalInput::Note {
            text: "x".into(),
            at: None,
        },
    );
    assert!(matches!(kind_change, Err(Error::InvalidInput { field, .. }) if field == "kind"));
}

#[test]
fn soft_delete_hides_and_erase_removes() {
    let (_dir, s, hanako, _) = session_with_two();
    let h = &hanako.id;
    let a = s
        .log_observation(
            h,
            ObservationInput::simple(ObservationType::Steps, 1000.0, jst_days_ago(1)),
        )
        .unwrap();
    let b = s
        .log_observation(
            h,
            ObservationInput::simple(ObservationType::Steps, 2000.0, jst_days_ago(2)),
        )
        .unwrap();
    s.delete_record(h, &a.meta.id).unwrap();
    assert!(matches!(
        s.get_record(h, &a.meta.id),
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        s.delete_record(h, &a.meta.id),
        Err(Error::NotFound { .. })
    ));
    let page = s.timeline(h, &PageRequest::first(100)).unwrap();
    assert_eq!(page.records.len(), 1);
    // The tombstone keeps its history (the body before deletion).
    assert_eq!(s.record_history(h, &a.meta.id).unwrap().len(), 1);
    s.erase_record(h, &a.meta.id).unwrap();
    assert!(matches!(
        s.record_history(h, &a.meta.id),
        Err(Error::NotFound { .. })
    ));
    assert_eq!(s.erase_all_records(h).unwrap(), 1);
    assert!(matches!(
        s.get_record(h, &b.meta.id),
        Err(Error::NotFound { .. })
    ));
    assert!(
        s.timeline(h, &PageRequest::first(100))
            .unwrap()
            .records
            .is_empty()
    );
}

#[test]
fn bmi_is_derived_from_weight_and_latest_height() {
    let (_dir, s, hanako, _) = session_with_two();
    let h = &hanako.id;
    s.log_observation(
        h,
        ObservationInput::simple(ObservationType::Height, 160.0, jst_days_ago(30)),
    )
    .unwrap();
    let w = s
        .log_observation(
            h,
            ObservationInput::simple(ObservationType::Weight, 64.0, jst_days_ago(1)),
        )
        .unwrap();
    let latest = s.latest_observations(h).unwrap();
    let bmi_rec = latest
        .iter()
        .find_map(|r| match &r.body {
            RecordBody::Observation(o) if o.observation_type == ObservationType::Bmi => {
                Some((r.clone(), o.clone()))
            }
            _ => None,
        })
        .expect("BMI derived");
    assert_eq!(bmi_rec.1.value, 25.0);
    assert_eq!(bmi_rec.1.derived_from.as_deref(), Some(w.meta.id.as_str()));
    assert_eq!(bmi_rec.0.meta.provenance, Provenance::Derived);
    // Derived values cannot be edited or deleted directly ...
    assert!(s.delete_record(h, &bmi_rec.0.meta.id).is_err());
    // ... they follow their weight.
    s.update_record(
        h,
        &w.meta.id,
        ClinicalInput::Observation(ObservationInput::simple(
            ObservationType::Weight,
            51.2,
            jst_days_ago(1),
        )),
    )
    .unwrap();
    let bmis = s
        .list_records(
            h,
            &RecordFilter {
                observation_type: Some(ObservationType::Bmi),
                ..Default::default()
            },
            &PageRequest::first(10),
        )
        .unwrap();
    assert_eq!(bmis.records.len(), 1);
    assert!(matches!(&bmis.records[0].body, RecordBody::Observation(o) if o.value == 20.0));
    s.delete_record(h, &w.meta.id).unwrap();
    let bmis = s
        .list_records(
            h,
            &RecordFilter {
                observation_type: Some(ObservationType::Bmi),
                ..Default::default()
            },
            &PageRequest::first(10),
        )
        .unwrap();
    assert!(bmis.records.is_empty());
}

#[test]
fn units_are_converted_on_input() {
    let (_dir, s, hanako, _) = session_with_two();
    let h = &hanako.id;
    let mut w = ObservationInput::simple(ObservationType::Weight, 132.0, jst_days_ago(0));
    w.unit = Some("[lb_av]".into());
    let r = s.log_observation(h, w).unwrap();
    assert!(
        matches!(&r.body, RecordBody::Observation(o) if (o.value - 59.8742).abs() < 1e-3 && o.unit == "kg")
    );
}

#[test]
fn invalid_input_writes_nothing() {
    let (_dir, s, hanako, _) = session_with_two();
    let h = &hanako.id;
    let before = s.audit_entries(1000, None).unwrap().len();
    let batch = vec![
        ClinicalInput::Observation(ObservationInput::simple(
            ObservationType::Steps,
            100.0,
            jst_days_ago(1),
        )),
        ClinicalInput::Observation(ObservationInput::blood_pressure(
            80.0,
            120.0,
            None,
            jst_days_ago(1),
        )),
    ];
    let e = s
        .add_records(h, batch, Provenance::Device, None)
        .unwrap_err();
    assert!(
        matches!(e, Error::InvalidInput { ref field, .. } if field == "diastolic"),
        "{e:?}"
    );
    assert!(
        s.timeline(h, &PageRequest::first(10))
            .unwrap()
            .records
            .is_empty()
    );
    // Only the timeline read itself was audited.
    assert_eq!(s.audit_entries(1000, None).unwrap().len(), before + 1);
}

#[test]
fn paging_visits_every_record_once_newest_first() {
    let (_dir, s, hanako, _) = session_with_two();
    let h = &hanako.id;
    // Several records share one instant, so the id breaks ties.
    let same = jst_days_ago(3);
    let mut inputs: Vec<ClinicalInput> = (0..25)
        .map(|i| {
            ClinicalInput::Observation(ObservationInput::simple(
                ObservationType::Steps,
                f64::from(i),
                if i % 5 == 0 {
                    same
                } else {
                    jst_days_ago(i64::from(i))
                },
            ))
        })
        .collect();
    inputs.push(ClinicalInput::Note {
        text: "memo".into(),
        at: Some(same),
    });
    let ids = s.add_records(h, inputs, Provenance::Device, None).unwrap();
    let mut seen = vec![];
    let mut page = PageRequest::first(7);
    loop {
        let p = s.timeline(h, &page).unwrap();
        seen.extend(
            p.records
                .iter()
                .map(|r| (r.meta.effective.utc_seconds, r.meta.id.clone())),
        );
        match p.next {
            Some(t) => page.after = Some(t),
            None => break,
        }
    }
    assert_eq!(seen.len(), ids.len());
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(seen, sorted, "newest first, ties by id");
    let filtered = s
        .list_records(
            h,
            &RecordFilter {
                kind: Some(RecordKind::Note),
                ..Default::default()
            },
            &PageRequest::first(10),
        )
        .unwrap();
    assert_eq!(filtered.records.len(), 1);
}

#[test]
fn search_finds_notes_and_medications_by_text() {
    let (_dir, s, hanako, _) = session_with_two();
    let h = &hanako.id;
    for input in all_inputs() {
        s.add_record(h, input, Provenance::SelfEntered, None)
            .unwrap();
    }
    assert_eq!(s.search(h, "アムロジピン", 10).unwrap().len(), 1);
    assert_eq!(s.search(h, "散歩", 10).unwrap().len(), 1);
    assert_eq!(
        s.search(h, "ペニシリン", 10).unwrap().len(),
        0,
        "allergies are not in the text search"
    );
    assert_eq!(
        s.search(h, "%", 10).unwrap().len(),
        0,
        "LIKE wildcards are literal"
    );
}

#[test]
fn another_persons_record_is_not_reachable() {
    let (_dir, s, hanako, taro) = session_with_two();
    let r = s
        .as_person(&taro.id)
        .log_observation(
            &taro.id,
            ObservationInput::simple(ObservationType::Steps, 10.0, jst_days_ago(0)),
        )
        .unwrap();
    assert!(matches!(
        s.as_person(&hanako.id).get_record(&taro.id, &r.meta.id),
        Err(Error::NotPermitted { .. })
    ));
    assert!(matches!(
        s.get_record(&hanako.id, &r.meta.id),
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        s.as_person(&hanako.id).log_observation(
            &taro.id,
            ObservationInput::simple(ObservationType::Steps, 10.0, jst_days_ago(0))
        ),
        Err(Error::NotPermitted { .. })
    ));
    assert!(matches!(
        s.as_person(&taro.id)
            .add_person(person("jiro", "山田", "次郎", (2010, 1, 1), Sex::Male)),
        Err(Error::NotPermitted { .. })
    ));
    assert!(matches!(
        s.as_person("nobody")
            .timeline(&hanako.id, &PageRequest::first(1)),
        Err(Error::NotPermitted { .. })
    ));
}

#[test]
fn reads_and_writes_are_audited_with_ids_only() {
    let (_dir, s, hanako, _) = session_with_two();
    let h = &hanako.id;
    let r = s
        .log_observation(
            h,
            ObservationInput::blood_pressure(128.0, 82.0, None, jst_days_ago(0)),
        )
        .unwrap();
    s.timeline(h, &PageRequest::first(10)).unwrap();
    let history = s.access_history(h, 10).unwrap();
    let actions: Vec<&str> = history.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(&actions[..2], &["records_listed", "record_written"]);
    assert_eq!(
        history[0].record_ids,
        vec![r.meta.id.clone()],
        "the timeline read names what it returned"
    );
    assert_eq!(history[1].record_ids, vec![r.meta.id.clone()]);
    assert_eq!(history[1].actor, *h);
    let all = format!("{:?}", s.audit_entries(1000, None).unwrap());
    // "128.0", not "128": hex digests and UUIDs in the entries contain "128" by chance
    // (about one run in six), never a decimal point.
    assert!(
        !all.contains("128.0") && !all.contains("山田"),
        "no values or names in the audit trail"
    );
    assert_eq!(s.verify_audit().unwrap().broken, None);
}
