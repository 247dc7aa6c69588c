//! The resident's requests (issue #20 item 2; S-18, S-20, S-21, S-23): disclosure writes the
//! whole record and the provision log; correction annotates an official result and edits a
//! self-entered one; a stop of provision is a deny that withdraws the recipient's copies; erasure
//! erases. Each is recorded as received and then with its outcome, in the audit trail too; a
//! refused request says why and changes nothing.

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod sync_support;

use phr_core::Error;
use phr_core::records::{ObservationInput, ObservationType, Provenance, Stamp};
use phr_core::requests::{Correction, RequestKind, RequestStatus};
use phr_core::sync::fake::FakeFhir;
use phr_core::{ClinicalInput, Session};
use sync_support::{RECIPIENT, seeded, sync};

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

fn kinds(s: &Session, h: &str) -> Vec<(RequestKind, RequestStatus)> {
    let all = s.resident_requests(h).unwrap();
    all.iter().map(|r| (r.kind, r.status)).collect()
}

#[test]
fn a_disclosure_holds_the_whole_record_and_every_provision() {
    let (d, s, h, ids) = seeded(3, 2);
    sync(&s, &h, &FakeFhir::new()).unwrap();
    let out = d.path().join("disclosure");
    let r = s.request_disclosure(&h, &out).unwrap();
    assert_eq!(r.request.status, RequestStatus::Done);
    assert_eq!(r.files.len(), 4);
    let record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("record.fhir.json")).unwrap()).unwrap();
    let entries = record["entry"].as_array().unwrap();
    assert_eq!(entries.len() as u64, r.resources);
    assert!(
        entries.len() > ids.len(),
        "the Patient and every record (lifelog too)"
    );
    let log: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("provisions.json")).unwrap()).unwrap();
    assert_eq!(log.as_array().unwrap().len(), 1);
    assert_eq!(r.provisions, 1);
    let request: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("request.json")).unwrap()).unwrap();
    assert_eq!(request["request"]["status"], "done");
    assert_eq!(request["request_label_ja"], "開示の請求");
    assert_eq!(request["operator"]["name"], "サンプル区 健康推進課");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "only the user reads the folder");
    }
    // An existing folder is refused, left as it was, and the refusal recorded.
    let e = s.request_disclosure(&h, &out).unwrap_err();
    assert!(
        matches!(&e, Error::InvalidInput { field, .. } if field == "dir"),
        "{e:?}"
    );
    assert!(
        out.join("record.fhir.json").exists(),
        "the earlier disclosure is kept"
    );
    assert_eq!(
        kinds(&s, &h),
        vec![
            (RequestKind::Disclosure, RequestStatus::Done),
            (RequestKind::Disclosure, RequestStatus::Refused)
        ]
    );
    let audit = s.access_history(&h, 50).unwrap();
    assert!(
        audit
            .iter()
            .filter(|e| e.action == "request_handled")
            .count()
            >= 4
    );
}

#[test]
fn a_correction_annotates_an_official_result_and_edits_a_residents_own_entry() {
    let (_d, s, h, _) = seeded(0, 0);
    let clinic = s
        .add_record(&h, weight(61.0), Provenance::Clinic, Some("やまだ内科"))
        .unwrap();
    let mine = s
        .add_record(&h, weight(60.0), Provenance::SelfEntered, None)
        .unwrap();
    let e = s
        .request_correction(&h, &clinic.meta.id, Correction::Replace(weight(50.0)))
        .unwrap_err();
    assert!(matches!(e, Error::InvalidInput { .. }), "{e:?}");
    assert_eq!(
        s.get_record(&h, &clinic.meta.id).unwrap(),
        clinic,
        "unchanged"
    );
    let refused = s.resident_requests(&h).unwrap().pop().unwrap();
    assert_eq!(refused.status, RequestStatus::Refused);
    assert!(
        refused.outcome.unwrap().contains("annotate"),
        "says what to do"
    );
    let noted = s
        .request_correction(
            &h,
            &clinic.meta.id,
            Correction::Note("測り直し 60.2 kg".into()),
        )
        .unwrap();
    assert_eq!(noted.status, RequestStatus::Done);
    assert!(
        !noted.outcome.unwrap().contains("60.2"),
        "no value in the outcome"
    );
    let edited = s
        .request_correction(&h, &mine.meta.id, Correction::Replace(weight(59.0)))
        .unwrap();
    assert_eq!(
        edited.outcome.as_deref(),
        Some("record corrected to version 2")
    );
    assert_eq!(edited.target.as_deref(), Some(mine.meta.id.as_str()));
}

#[test]
fn a_stop_of_provision_withdraws_the_recipients_copies_at_the_next_sync() {
    let (_d, s, h, ids) = seeded(2, 1);
    let fake = FakeFhir::new();
    sync(&s, &h, &fake).unwrap();
    assert_eq!(fake.ids("Observation").len(), ids.len());
    let r = s.request_stop_of_provision(&h, RECIPIENT).unwrap();
    assert_eq!(
        (r.kind, r.status),
        (RequestKind::StopOfProvision, RequestStatus::Done)
    );
    let state = s.consent_state(&h).unwrap();
    assert!(
        state
            .purposes
            .iter()
            .flat_map(|p| &p.toggles)
            .filter(|t| t.recipient == RECIPIENT)
            .all(|t| !t.permitted),
        "nothing of any purpose is permitted to the recipient"
    );
    sync(&s, &h, &fake).unwrap();
    assert!(
        fake.ids("Observation").is_empty(),
        "the copies are withdrawn"
    );
    let e = s.request_stop_of_provision(&h, "nobody").unwrap_err();
    assert!(matches!(&e, Error::InvalidInput { field, .. } if field == "recipient"));
}

#[test]
fn erasure_erases_and_the_requests_and_provisions_outlive_it() {
    let (_d, s, h, _) = seeded(2, 1);
    sync(&s, &h, &FakeFhir::new()).unwrap();
    let r = s.request_erasure(&h, None).unwrap();
    assert_eq!(r.outcome.as_deref(), Some("8 record(s) erased"));
    assert!(s.latest_observations(&h).unwrap().is_empty());
    assert_eq!(s.provision_log(&h).unwrap().len(), 1);
    assert_eq!(
        kinds(&s, &h),
        vec![(RequestKind::Erasure, RequestStatus::Done)]
    );
}

#[test]
fn an_outsider_makes_no_request_and_leaves_no_trace() {
    let (_d, s, hanako, taro) = common::session_with_two();
    let out = tempfile::tempdir().unwrap();
    let as_taro = s.as_person(&taro.id);
    let e = as_taro
        .request_disclosure(&hanako.id, &out.path().join("x"))
        .unwrap_err();
    assert!(matches!(e, Error::NotPermitted { .. }), "{e:?}");
    assert!(!out.path().join("x").exists());
    assert!(matches!(
        as_taro.request_erasure(&hanako.id, None),
        Err(Error::NotPermitted { .. })
    ));
    assert!(s.resident_requests(&hanako.id).unwrap().is_empty());
}
