//! FHIR partial dates and dateTimes (`2015`, `2022-05`) wherever R4 allows them: imported with
//! their precision, sorted and filtered by their earliest instant, shown and exported as given;
//! a malformed one refused naming the path and the accepted forms.

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{jst_days_ago, kdf, person};
use phr_core::records::*;
use phr_core::{Error, ImportReport, Session};
use serde_json::{Value, json};

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
fn import(s: &Session, me: &str, json: &str) -> phr_core::Result<ImportReport> {
    s.import_fhir(me, json.as_bytes(), Provenance::ImportedFile, None)
}

fn records(s: &Session, me: &str) -> Vec<Record> {
    s.list_records(me, &RecordFilter::default(), &PageRequest::first(500))
        .unwrap()
        .records
}

fn export(s: &Session, me: &str) -> Value {
    s.export_fhir(me, jst_days_ago(0)).unwrap()
}

fn bundle(resources: Vec<Value>) -> String {
    let entry: Vec<Value> = resources
        .into_iter()
        .map(|r| json!({ "resource": r }))
        .collect();
    json!({"resourceType": "Bundle", "type": "collection", "entry": entry}).to_string()
}

fn loinc(code: &str) -> Value {
    json!({"coding": [{"system": "http://loinc.org", "code": code}]})
}

/// An IPS-like set: a condition since 2015, a vaccination in May 2022, a weight in 2019, a
/// medication started in 2020 and a Patient whose birth date is only the year.
fn partial() -> String {
    bundle(vec![
        json!({"resourceType": "Patient", "id": "p", "birthDate": "1960"}),
        json!({"resourceType": "Condition", "id": "c1", "code": {"text": "高血圧症"},
               "clinicalStatus": {"coding": [{"code": "active"}]}, "onsetDateTime": "2015"}),
        json!({"resourceType": "Condition", "id": "c2", "code": {"text": "気管支炎"},
               "clinicalStatus": {"coding": [{"code": "resolved"}]},
               "onsetDateTime": "2018-03", "abatementDateTime": "2018"}),
        json!({"resourceType": "Immunization", "id": "i1", "status": "completed",
               "vaccineCode": {"text": "インフルエンザHAワクチン"}, "occurrenceDateTime": "2022-05"}),
        json!({"resourceType": "Observation", "id": "o1", "status": "final", "code": loinc("29463-7"),
               "effectiveDateTime": "2019",
               "valueQuantity": {"value": 61.5, "unit": "kg", "system": "http://unitsofmeasure.org", "code": "kg"}}),
        json!({"resourceType": "MedicationStatement", "id": "m1", "status": "active",
               "medicationCodeableConcept": {"text": "アムロジピン錠5mg"},
               "effectivePeriod": {"start": "2020"}}),
    ])
}

#[test]
fn partial_dates_import_with_their_precision_and_sort_by_their_earliest_instant() {
    let (_d, s, me) = store();
    let r = import(&s, &me, &partial()).unwrap();
    assert_eq!(r.imported.len(), 5, "{r:#?}");
    let recs = records(&s, &me);
    let of = |text: &str| {
        recs.iter()
            .find(|r| r.meta.effective_text.as_deref() == Some(text))
            .unwrap_or_else(|| panic!("{text} not kept: {recs:#?}"))
    };
    let c = of("2015");
    assert_eq!(c.meta.effective_precision, DatePrecision::Year);
    assert_eq!(c.meta.effective.to_rfc3339(), "2015-01-01T00:00:00+09:00");
    assert_eq!(c.meta.effective_label(), "2015");
    let RecordBody::Condition(cond) = &c.body else {
        panic!()
    };
    assert_eq!(cond.onset_date, chrono::NaiveDate::from_ymd_opt(2015, 1, 1));
    // An end known to the year ends on its last day (not before an onset in March).
    let RecordBody::Condition(c2) = &of("2018-03").body else {
        panic!()
    };
    assert_eq!(c2.end_date, chrono::NaiveDate::from_ymd_opt(2018, 12, 31));
    let imm = of("2022-05");
    assert_eq!(imm.meta.effective_precision, DatePrecision::Month);
    let w = of("2019");
    assert_eq!(w.meta.effective.to_rfc3339(), "2019-01-01T00:00:00+09:00");
    assert_eq!(of("2020").meta.effective_precision, DatePrecision::Year);
    // Newest first, by the earliest instant of each.
    let order: Vec<&str> = recs
        .iter()
        .filter_map(|r| r.meta.effective_text.as_deref())
        .collect();
    assert_eq!(order, ["2022-05", "2020", "2019", "2018-03", "2015"]);
    // Filtered by that instant too.
    let since_2019 = s
        .list_records(
            &me,
            &RecordFilter {
                from_utc: Some(w.meta.effective.utc_seconds),
                ..Default::default()
            },
            &PageRequest::first(50),
        )
        .unwrap();
    assert_eq!(since_2019.records.len(), 3);
}

#[test]
fn partial_dates_export_as_given() {
    let (_d, s, me) = store();
    import(&s, &me, &partial()).unwrap();
    let text = export(&s, &me).to_string();
    for given in [
        r#""onsetDateTime":"2015""#,
        r#""occurrenceDateTime":"2022-05""#,
        r#""effectiveDateTime":"2019""#,
        r#""start":"2020""#,
    ] {
        assert!(text.contains(given), "{given} not exported as given");
    }
    // Reimporting the export changes nothing: same times, same precision.
    let again = import(&s, &me, &text).unwrap();
    assert!(
        again.imported.is_empty() && again.updated.is_empty(),
        "{again:#?}"
    );
}

#[test]
fn a_partial_birth_date_is_checked_as_far_as_it_goes() {
    let (_d, s, me) = store();
    for (birth, ok) in [
        ("1960", true),
        ("1960-04", true),
        ("1961", false),
        ("1960-05", false),
    ] {
        let b = bundle(vec![json!({"resourceType": "Patient", "birthDate": birth})]);
        let r = import(&s, &me, &b);
        assert_eq!(r.is_ok(), ok, "{birth}: {r:?}");
        if let Err(Error::InvalidInput { field, .. }) = r {
            assert_eq!(field, "entry[0].resource.birthDate");
        }
    }
}

#[test]
fn a_malformed_date_names_its_path_and_the_accepted_forms() {
    let (_d, s, me) = store();
    let cases = [
        (
            json!({"resourceType": "Condition", "code": {"text": "x"}, "onsetDateTime": "2015-13"}),
            "entry[0].resource.onsetDateTime",
            "YYYY, YYYY-MM or YYYY-MM-DD",
        ),
        (
            json!({"resourceType": "Immunization", "vaccineCode": {"text": "x"}, "occurrenceDateTime": "05/2022"}),
            "entry[0].resource.occurrenceDateTime",
            "YYYY, YYYY-MM or YYYY-MM-DD",
        ),
        (
            json!({"resourceType": "Observation", "code": loinc("29463-7"), "effectiveDateTime": "2019-01-01T10:00",
                   "valueQuantity": {"value": 60, "code": "kg"}}),
            "entry[0].resource.effectiveDateTime",
            "YYYY-MM-DDThh:mm:ss with a zone",
        ),
        (
            json!({"resourceType": "Observation", "code": loinc("29463-7"), "effectiveInstant": "2019",
                   "valueQuantity": {"value": 60, "code": "kg"}}),
            "entry[0].resource.effectiveInstant",
            "instant",
        ),
    ];
    for (resource, path, forms) in cases {
        let e = import(&s, &me, &bundle(vec![resource])).unwrap_err();
        let Error::InvalidInput { field, reason } = &e else {
            panic!("{e:?}")
        };
        assert_eq!(field, path);
        assert!(reason.contains(forms), "{reason}");
    }
    assert!(records(&s, &me).is_empty());
}

#[test]
fn a_record_entered_in_the_app_keeps_the_natural_precision_of_its_kind() {
    let (_d, s, me) = store();
    s.log_observation(
        &me,
        ObservationInput::simple(ObservationType::Pulse, 64.0, jst_days_ago(1)),
    )
    .unwrap();
    let r = &records(&s, &me)[0];
    assert_eq!(r.meta.effective_precision, DatePrecision::Second);
    assert_eq!(r.meta.effective_text, None);
}
