//! Checkups as FHIR documents: the MHLW 健診結果報告書 (JP eCheckupReport: Bundle `document`,
//! Composition, Observations with 特定健診 item codes, the judgement) imports as ONE checkup
//! with all its results; a municipal screening report's findings as a checkup's results; the
//! same document imported again adds nothing; `export_echeckup` writes the document form back.

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{kdf, person};
use phr_core::records::*;
use phr_core::{ImportReport, Session};

const ECHECKUP: &str = include_str!("fixtures/fhir/echeckup-document.json");
const MUNICIPAL: &str = include_str!("fixtures/fhir/municipal-lung-screening.json");

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

fn checkups(s: &Session, me: &str) -> Vec<(Record, Checkup)> {
    let filter = RecordFilter {
        kind: Some(RecordKind::Checkup),
        ..Default::default()
    };
    s.list_records(me, &filter, &PageRequest::first(50))
        .unwrap()
        .records
        .into_iter()
        .map(|r| match &r.body {
            RecordBody::Checkup(c) => {
                let c = c.clone();
                (r, c)
            }
            _ => unreachable!(),
        })
        .collect()
}

#[test]
fn an_echeckup_document_is_one_checkup_with_every_result_and_the_judgement() {
    let (_d, s, me) = store();
    let r = import(&s, &me, ECHECKUP);
    assert_eq!(r.imported.len(), 1, "{r:#?}");
    assert_eq!(r.imported[0].resource_type, "Composition");
    // Every Observation is a line of the checkup: nothing loose, nothing opaque.
    assert_eq!(r.checkup_lines, 15);
    let docs: Vec<&str> = r
        .documents
        .iter()
        .map(|d| d.resource_type.as_str())
        .collect();
    assert_eq!(
        docs,
        ["Practitioner", "Organization", "Encounter", "Coverage"],
        "{r:#?}"
    );
    let all = checkups(&s, &me);
    assert_eq!(all.len(), 1);
    let (rec, c) = &all[0];
    assert_eq!(c.program, "specific_health_checkup");
    assert_eq!(
        c.date,
        chrono::NaiveDate::from_ymd_opt(2026, 6, 12).unwrap()
    );
    assert_eq!(c.institution, "みどり健診センター");
    assert_eq!(c.institution_code.as_deref(), Some("1312345678"));
    assert_eq!(
        c.judgement.as_deref(),
        Some("脂質と血圧に注意。\u{3000}減塩と運動を続けてください。")
    );
    // 14 results: the ECG line has no value (dataAbsentReason), so it is not a result.
    assert_eq!(c.results.len(), 14);
    let code = |k: &str| c.results.iter().find(|x| x.code == k).unwrap();
    assert_eq!(code("9A751000000000001").value_num, Some(138.0));
    assert_eq!(code("9A751000000000001").flag.as_deref(), Some("H"));
    let tg = code("3F015000002327101");
    assert_eq!((tg.ref_low, tg.ref_high), (Some(30.0), Some(149.0)));
    assert_eq!(code("9N501000000000011").value_code.as_deref(), Some("2"));
    assert_eq!(
        code("8A065000002391901").unit.as_deref(),
        Some("mL/min/{1.73_m2}")
    );
    // No loose observation was made of height, weight, blood pressure or HbA1c.
    let loose = s
        .list_records(
            &me,
            &RecordFilter {
                kind: Some(RecordKind::Observation),
                ..Default::default()
            },
            &PageRequest::first(50),
        )
        .unwrap();
    assert!(loose.records.is_empty(), "{:#?}", loose.records);
    assert_eq!(rec.meta.provenance, Provenance::ImportedFile);
}

#[test]
fn the_same_document_imported_again_adds_nothing_and_says_so() {
    let (_d, s, me) = store();
    import(&s, &me, ECHECKUP);
    let again = import(&s, &me, ECHECKUP);
    assert!(again.imported.is_empty(), "{again:#?}");
    assert!(
        again
            .skipped
            .iter()
            .any(|x| x.resource_type == "Composition"
                && x.reason.as_deref() == Some("identical to the stored record")),
        "{again:#?}"
    );
    // The same content under another document id (a re-sent copy) adds nothing either.
    let copy = ECHECKUP
        .replace("1312345678-2026-000451", "1312345678-2026-000999")
        .replace("5a0e3f000000", "5a0e3f000099");
    let r = import(&s, &me, &copy);
    assert!(r.imported.is_empty(), "{r:#?}");
    assert!(
        r.skipped
            .iter()
            .any(|x| x.reason.as_deref() == Some("identical to a checkup already held"))
    );
    assert_eq!(checkups(&s, &me).len(), 1);
}

#[test]
fn municipal_screening_findings_import_as_a_checkups_results() {
    let (_d, s, me) = store();
    let r = import(&s, &me, MUNICIPAL);
    assert_eq!(r.imported.len(), 1, "{r:#?}");
    assert_eq!(r.checkup_lines, 4);
    let all = checkups(&s, &me);
    let (_, c) = &all[0];
    assert_eq!(c.program, "other");
    assert_eq!(c.institution, "あおば市保健センター");
    assert_eq!(c.institution_code.as_deref(), Some("1319876543"));
    assert_eq!(c.results.len(), 4);
    let xray = &c.results[0];
    assert_eq!(xray.code_system, CheckupCodeSystem::Jlac10);
    assert_eq!(xray.name, "肺がん検診の胸部エックス線検査判定");
    assert_eq!(
        (xray.value_code.as_deref(), xray.value_text.as_deref()),
        (Some("1"), Some("Ａ"))
    );
    assert_eq!(
        c.results[1].value_text.as_deref(),
        Some("特記すべき所見なし")
    );
}

/// Found by the `fhir_echeckup` fuzzer: a document whose item code is not 17 characters. The
/// plan takes it as a checkup line; the record model refuses the checkup, naming the line, and
/// the document is kept, not half imported.
#[test]
fn a_document_with_a_malformed_item_code_is_refused_by_the_model_and_kept() {
    let (_d, s, me) = store();
    let bad = ECHECKUP.replace("\"9N006000000000001\"", "\"9N006000000000001ABCDEFGH\"");
    let r = import(&s, &me, &bad);
    assert!(r.imported.is_empty(), "{r:#?}");
    let why = r
        .skipped
        .iter()
        .find(|x| x.resource_type == "Composition")
        .and_then(|x| x.reason.as_deref())
        .unwrap();
    assert!(why.contains("must be 17 characters"), "{why}");
    assert!(r.documents.iter().any(|d| d.resource_type == "Composition"));
    assert!(checkups(&s, &me).is_empty());
}
