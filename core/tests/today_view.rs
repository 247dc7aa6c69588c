//! The rules the apps used to repeat, now the core's: the today view (latest values with their
//! level), the trend window, logging a reading "now" in one call, and telling an imported file
//! by its content.

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{jst_days_ago, kdf, person};
use phr_core::guidance::Level;
use phr_core::records::*;
use phr_core::{FileImport, Session};

fn store(sex: Sex) -> (tempfile::TempDir, Session, String) {
    let dir = tempfile::tempdir().unwrap();
    let s = Session::create(dir.path(), "correct horse", kdf()).unwrap();
    let me = s
        .add_person(person("hanako", "山田", "花子", (1970, 4, 15), sex))
        .unwrap()
        .id;
    (dir, s, me)
}

fn reading(ty: ObservationType, value: f64) -> Reading {
    Reading {
        observation_type: ty,
        value,
        value2: None,
        value3: None,
        unit: None,
        glucose_timing: None,
    }
}

#[test]
fn the_dashboard_shows_the_newest_value_of_each_type_with_its_level() {
    let (_d, s, me) = store(Sex::Female);
    let bp = |sys, dia, days| ObservationInput::blood_pressure(sys, dia, None, jst_days_ago(days));
    s.log_observation(&me, bp(118.0, 76.0, 3)).unwrap();
    s.log_observation(&me, bp(142.0, 92.0, 1)).unwrap();
    s.log_observation(
        &me,
        ObservationInput::simple(ObservationType::Steps, 4000.0, jst_days_ago(1)),
    )
    .unwrap();
    let tiles = s.dashboard(&me).unwrap();
    let bp = tiles
        .iter()
        .find(|t| t.observation_type == ObservationType::BloodPressure)
        .unwrap();
    assert_eq!(
        bp.level,
        Some(Level::SeeDoctor),
        "140/90 and above: see a doctor"
    );
    assert!(bp.summary.contains("142/92"), "{}", bp.summary);
    let steps = tiles
        .iter()
        .find(|t| t.observation_type == ObservationType::Steps)
        .unwrap();
    assert_eq!(steps.level, None, "steps have no checkup threshold");
    assert_eq!(tiles.len(), 2);
}

#[test]
fn the_trend_window_ends_today_in_the_session_zone() {
    let (_d, mut s, me) = store(Sex::Male);
    s.log_reading(&me, reading(ObservationType::Steps, 5000.0), None)
        .unwrap();
    let days = s.trend(&me, ObservationType::Steps, 30).unwrap();
    let last = days.last().unwrap();
    assert_eq!(last.start, s.today());
    assert_eq!(
        days.first().unwrap().start,
        s.today() - chrono::Duration::days(29)
    );
    assert_eq!(last.sum, Some(5000.0));
    // In Honolulu the same instant is the day before: the window moves with the zone, and the
    // reading taken now is still on its last day.
    let tokyo_today = s.today();
    s.set_time_zone("Pacific/Honolulu").unwrap();
    assert_eq!(s.today(), tokyo_today - chrono::Duration::days(1));
    let days = s.trend(&me, ObservationType::Steps, 30).unwrap();
    assert_eq!(days.last().unwrap().start, s.today());
    assert_eq!(days.last().unwrap().sum, Some(5000.0));
}

#[test]
fn a_reading_without_a_time_is_logged_at_the_sessions_now_in_one_call() {
    let (_d, s, me) = store(Sex::Female);
    let r = s
        .log_reading(&me, reading(ObservationType::Weight, 58.5), None)
        .unwrap();
    assert_eq!(r.meta.effective, s.now());
    let mut glucose = reading(ObservationType::BloodGlucose, 98.0);
    let e = s.log_reading(&me, glucose.clone(), None).unwrap_err();
    assert!(e.to_string().contains("timing"), "{e}");
    glucose.glucose_timing = Some(GlucoseTiming::Fasting);
    s.log_reading(&me, glucose, Some(jst_days_ago(1))).unwrap();
}

#[test]
fn an_imported_file_is_told_by_its_content_not_its_name() {
    let (_d, s, me) = store(Sex::Female);
    let xml = include_bytes!("fixtures/checkup/tokutei_minimal.xml");
    match s
        .import_file(&me, xml, Provenance::ImportedFile, None, &|_, _| {})
        .unwrap()
    {
        FileImport::Checkup(r) => assert_eq!(r.record.meta.kind, RecordKind::Checkup),
        other => panic!("a checkup XML became {other:?}"),
    }
    let json = br#"{"resourceType":"Bundle","type":"collection","entry":[]}"#;
    assert!(matches!(
        s.import_file(&me, json, Provenance::ImportedFile, None, &|_, _| {}),
        Ok(FileImport::Fhir(_))
    ));
    let e = s
        .import_file(
            &me,
            b"name,value\nweight,60\n",
            Provenance::ImportedFile,
            None,
            &|_, _| {},
        )
        .unwrap_err();
    assert!(
        matches!(e, phr_core::Error::InvalidInput { ref field, .. } if field == "file"),
        "{e}"
    );
}
