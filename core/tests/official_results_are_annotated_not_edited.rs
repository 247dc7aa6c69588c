//! S-21 (correction): what the resident entered can be edited; an official result (a checkup
//! file, a clinic's or Mynaportal's record) keeps what its source said and is corrected by a
//! note about it. The note travels with the result (export points at it) and goes with it when
//! the result is deleted or erased.

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use phr_core::records::*;
use phr_core::{ClinicalInput, Error};

const CHECKUP: &[u8] = include_bytes!("fixtures/checkup/tokutei_complete.xml");

fn weight(v: f64) -> ClinicalInput {
    ClinicalInput::Observation(ObservationInput::simple(
        ObservationType::Weight,
        v,
        Stamp {
            utc_seconds: 1_790_000_000,
            offset_seconds: 9 * 3600,
        },
    ))
}

fn refused_as_official(e: Error) -> bool {
    matches!(e, Error::InvalidInput { field, reason } if field == "record" && reason.contains("annotate"))
}

#[test]
fn an_official_result_is_annotated_while_the_residents_own_entries_are_edited() {
    // The checkup file's person: female, born 1970-04-15.
    let d = tempfile::tempdir().unwrap();
    let s = phr_core::Session::create(d.path(), "correct horse", common::kdf()).unwrap();
    let hanako = s
        .add_person(common::person(
            "hanako",
            "山田",
            "花子",
            (1970, 4, 15),
            Sex::Female,
        ))
        .unwrap();
    let h = hanako.id.as_str();
    let checkup = s
        .import_checkup_xml(h, CHECKUP, Provenance::ImportedFile)
        .unwrap()
        .record;
    let clinic = s
        .add_record(h, weight(61.0), Provenance::Clinic, Some("やまだ内科"))
        .unwrap();
    let mine = s
        .add_record(h, weight(60.0), Provenance::SelfEntered, None)
        .unwrap();

    // The resident's own entry: a new version.
    assert_eq!(
        s.update_record(h, &mine.meta.id, weight(59.5))
            .unwrap()
            .meta
            .version,
        2
    );
    // Official results: refused, naming what to do, and unchanged.
    for r in [&checkup, &clinic] {
        let e = s.update_record(h, &r.meta.id, weight(50.0)).unwrap_err();
        assert!(refused_as_official(e), "{:?}", r.meta.provenance);
        assert_eq!(s.get_record(h, &r.meta.id).unwrap(), *r);
    }

    // The correction is a note about the result, by the person, now.
    let note = s
        .annotate_record(h, &checkup.meta.id, "腹囲は測り直して 84 cm でした")
        .unwrap();
    assert_eq!(note.meta.provenance, Provenance::SelfEntered);
    let RecordBody::Note(n) = &note.body else {
        panic!("not a note")
    };
    assert_eq!(n.about.as_deref(), Some(checkup.meta.id.as_str()));
    assert!(summary::record(&note.body).starts_with("Correction note on ["));
    // The checkup is read with its note beside it.
    let read = s.checkups(h, 5).unwrap();
    assert_eq!(read[0].corrections.len(), 1);
    assert_eq!(read[0].corrections[0].note_id, note.meta.id);
    assert_eq!(read[0].corrections[0].text, "腹囲は測り直して 84 cm でした");
    // The note is the person's own: it can be edited (and stays about the same result).
    assert!(
        s.update_record(
            h,
            &note.meta.id,
            ClinicalInput::Note {
                text: "84.5 cm".into(),
                at: None
            }
        )
        .is_ok()
    );

    // The export says what the note is about.
    let bundle = s.export_fhir(h, s.now()).unwrap();
    let doc = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .find(|r| r["resourceType"] == "DocumentReference" && r["id"] == note.meta.id.as_str())
        .unwrap();
    assert_eq!(
        doc["context"]["related"][0]["reference"],
        format!("urn:uuid:{}", checkup.meta.id)
    );

    // Nothing to annotate: a missing record is named as such, nothing is written.
    assert!(matches!(
        s.annotate_record(h, "no-such-id", "x"),
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        s.annotate_record(h, &clinic.meta.id, " "),
        Err(Error::InvalidInput { .. })
    ));

    // Deleting the result takes its note with it; so does erasing.
    s.delete_record(h, &checkup.meta.id).unwrap();
    assert!(matches!(
        s.get_record(h, &note.meta.id),
        Err(Error::NotFound { .. })
    ));
    let second = s
        .annotate_record(h, &clinic.meta.id, "体重計が違います")
        .unwrap();
    s.erase_record(h, &clinic.meta.id).unwrap();
    assert!(matches!(
        s.get_record(h, &second.meta.id),
        Err(Error::NotFound { .. })
    ));
    assert!(
        s.record_history(h, &second.meta.id).is_err()
            || s.record_history(h, &second.meta.id).unwrap().is_empty()
    );
}
