//! `Session::import_checkup_xml`: the checkup is stored as parsed, through the ordinary write
//! path; a document about someone else, a malformed file or a wrong provenance writes nothing.

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use phr_core::records::{DocumentOutcome, PageRequest, Provenance, RecordBody, RecordFilter, Sex};
use phr_core::{Error, Session, checkup_xml};

const COMPLETE: &[u8] = include_bytes!("fixtures/checkup/tokutei_complete.xml");
const FORTY: &[u8] = include_bytes!("fixtures/checkup/tokutei_40_results.xml");

/// A store whose owner is the person the complete fixture is about (female, 1970-04-15).
fn session() -> (tempfile::TempDir, Session, String) {
    let dir = tempfile::tempdir().unwrap();
    let s = Session::create(dir.path(), PASS, kdf()).unwrap();
    let hanako = s
        .add_person(person("hanako", "山田", "花子", (1970, 4, 15), Sex::Female))
        .unwrap();
    (dir, s, hanako.id)
}

#[test]
fn imported_checkup_reads_back_with_every_result() {
    for (bytes, provenance) in [
        (COMPLETE, Provenance::ImportedFile),
        (FORTY, Provenance::Mynaportal),
    ] {
        // A store each: the two fixtures carry the same document id.
        let (_d, s, h) = session();
        let parsed = checkup_xml::parse(bytes).unwrap();
        let stored = s.import_checkup_xml(&h, bytes, provenance).unwrap().record;
        assert_eq!(stored.meta.provenance, provenance);
        assert_eq!(
            stored.meta.source.as_deref(),
            Some("hc08:1.2.392.200119.6.102.1312345678^2024-000123")
        );
        let back = s.get_record(&h, &stored.meta.id).unwrap();
        let RecordBody::Checkup(c) = back.body else {
            panic!("a checkup was expected");
        };
        assert_eq!(c.date, parsed.checkup.date);
        assert_eq!(c.program, parsed.checkup.program);
        assert_eq!(c.institution, parsed.checkup.institution);
        assert_eq!(c.institution_code, parsed.checkup.institution_code);
        assert_eq!(c.judgement, parsed.checkup.judgement);
        assert_eq!(c.results.len(), parsed.checkup.results.len());
        for (got, want) in c.results.iter().zip(&parsed.checkup.results) {
            assert_eq!(
                got, want,
                "result {} differs after the round trip",
                want.code
            );
        }
        let all = s
            .list_records(&h, &RecordFilter::default(), &PageRequest::first(10))
            .unwrap();
        assert_eq!(
            all.records.len(),
            1,
            "results stay inside the checkup record"
        );
    }
}

#[test]
fn the_same_document_imported_twice_adds_nothing_and_says_so() {
    let (_d, s, h) = session();
    let count = |s: &Session| {
        s.list_records(&h, &RecordFilter::default(), &PageRequest::first(10))
            .unwrap()
            .records
            .len()
    };
    let first = s
        .import_checkup_xml(&h, COMPLETE, Provenance::ImportedFile)
        .unwrap();
    assert_eq!(first.outcome, DocumentOutcome::Added);
    let again = s
        .import_checkup_xml(&h, COMPLETE, Provenance::ImportedFile)
        .unwrap();
    assert_eq!(again.outcome, DocumentOutcome::AlreadyHeld);
    assert_eq!(again.record.meta.id, first.record.meta.id);
    assert_eq!(count(&s), 1);
    // The same content under another document id is the same checkup too.
    let other_id = std::str::from_utf8(COMPLETE)
        .unwrap()
        .replace("2024-000123", "2024-000999");
    let copy = s
        .import_checkup_xml(&h, other_id.as_bytes(), Provenance::Mynaportal)
        .unwrap();
    assert_eq!(copy.outcome, DocumentOutcome::AlreadyHeld);
    // The same document id with other content: the record it made is updated, history kept.
    let revised = s
        .import_checkup_xml(&h, FORTY, Provenance::ImportedFile)
        .unwrap();
    assert_eq!(revised.outcome, DocumentOutcome::Updated);
    assert_eq!(revised.record.meta.id, first.record.meta.id);
    assert_eq!(
        s.record_history(&h, &first.record.meta.id).unwrap().len(),
        1
    );
    assert_eq!(count(&s), 1);
    // A deleted checkup is not brought back by importing its file again.
    s.delete_record(&h, &first.record.meta.id).unwrap();
    let after = s
        .import_checkup_xml(&h, FORTY, Provenance::ImportedFile)
        .unwrap();
    assert_eq!(after.outcome, DocumentOutcome::AlreadyHeld);
    assert_eq!(count(&s), 0);
}

#[test]
fn a_document_about_someone_else_is_refused_and_writes_nothing() {
    let (dir, s, _h) = session();
    let taro = s
        .add_person(person("taro", "山田", "太郎", (1970, 4, 15), Sex::Male))
        .unwrap();
    let jiro = s
        .add_person(person("jiro", "山田", "次郎", (1971, 4, 15), Sex::Female))
        .unwrap();
    let before = hashes(dir.path());
    for who in [&taro.id, &jiro.id] {
        match s
            .as_person(who)
            .import_checkup_xml(who, COMPLETE, Provenance::ImportedFile)
        {
            Err(Error::InvalidInput { field, reason }) => {
                assert_eq!(field, "ClinicalDocument/recordTarget/patientRole/patient");
                assert!(!reason.contains("1970") && !reason.contains("female"));
            }
            other => panic!("expected InvalidInput, got {other:?}"),
        }
    }
    assert_unchanged(&before, dir.path(), "person mismatch");
}

#[test]
fn malformed_files_and_wrong_provenance_write_nothing() {
    let (dir, s, h) = session();
    let before = hashes(dir.path());
    let text = std::str::from_utf8(COMPLETE).unwrap();
    let bad = text.replacen(r#"value="158.2""#, r#"value="abc""#, 1);
    let err = s
        .import_checkup_xml(&h, bad.as_bytes(), Provenance::ImportedFile)
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput { field, .. } if field.ends_with("entry[1]/observation/value@value"))
    );
    let err = s
        .import_checkup_xml(&h, COMPLETE, Provenance::SelfEntered)
        .unwrap_err();
    assert!(matches!(&err, Error::InvalidInput { field, .. } if field == "provenance"));
    let future = text.replacen(
        r#"<effectiveTime value="20240612"/>"#,
        r#"<effectiveTime value="29990101"/>"#,
        1,
    );
    let err = s
        .import_checkup_xml(&h, future.as_bytes(), Provenance::ImportedFile)
        .unwrap_err();
    assert!(matches!(&err, Error::InvalidInput { field, .. } if field == "date"));
    assert_unchanged(&before, dir.path(), "refused imports");
}
