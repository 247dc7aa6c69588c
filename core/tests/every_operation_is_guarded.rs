//! No Session operation on a subject's record can skip authorization: each one is called here
//! by an outsider (a person on the device without any grant) and must be refused with
//! `NotPermitted`, with nothing written. A scan of the Session's source makes sure a new public
//! operation cannot be added without being listed here (or in the short list of device-level
//! operations, each with its reason).

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use phr_core::access::Action;
use phr_core::family::{Grantee, NewDelegation, Scope};
use phr_core::records::*;
use phr_core::{ClinicalInput, Error};
use std::collections::BTreeSet;

/// Operations that act on a store or the device rather than on one subject's record.
const DEVICE_LEVEL: &[(&str, &str)] = &[
    ("create", "makes a new store; nobody exists yet"),
    ("unlock", "needs the passphrase or platform key"),
    ("lock", "only ever removes access"),
    ("change_passphrase", "needs the current passphrase"),
    (
        "enroll_platform_key",
        "runs on an unlocked store, adds a way to unlock it",
    ),
    (
        "backup",
        "an encrypted copy of the whole store, under the key holder's own backup passphrase",
    ),
    ("verify_audit", "reports only whether the chain is intact"),
    ("set_time_zone", "display setting"),
    ("time_zone", "display setting"),
    ("set_clock_for_tests", "test hook"),
    ("now", "the session clock"),
    ("is_locked", "whether the store is locked"),
    ("is_read_only", "whether the store's files can be written"),
    (
        "unwritten_audit_entries",
        "action names only, of this session's own unwritten entries",
    ),
    ("has_platform_key", "whether biometric unlock is set up"),
    ("today", "the session clock"),
    ("owner", "who owns the device; names only"),
    (
        "person_id_by_nickname",
        "resolves a handle before an actor is known",
    ),
    ("can", "answers a question; grants nothing"),
    (
        "subjects_of",
        "lists whom the actor may view, from the actor's own grants",
    ),
    (
        "persons",
        "persons the actor may see (owner: all on the device)",
    ),
    (
        "set_operator_profile",
        "the operator's published profile, not a subject's data",
    ),
    (
        "operator_profile",
        "the operator's published profile, not a subject's data",
    ),
    (
        "is_permitted",
        "the consent decision the gate itself asks; one bit, no record",
    ),
];

fn session_source_operations() -> BTreeSet<String> {
    // Every file under src/session, sub-folders included.
    let mut dirs = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/session")];
    let mut ops = BTreeSet::new();
    while let Some(dir) = dirs.pop() {
        for e in std::fs::read_dir(dir).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let text = std::fs::read_to_string(path).unwrap();
            for line in text.lines() {
                if let Some(rest) = line.trim_start().strip_prefix("pub fn ") {
                    ops.insert(rest.split(['(', '<']).next().unwrap().to_owned());
                }
            }
        }
    }
    assert!(ops.contains("sync"), "the scan must reach session/sync/");
    ops
}

#[test]
fn every_record_operation_refuses_an_outsider_and_writes_nothing() {
    let (_d, s, hanako, taro) = session_with_two();
    let (h, t) = (hanako.id.as_str(), taro.id.as_str());
    let outsider = s
        .add_person(
            Some(h),
            person("mallory", "部外", "者", (1990, 1, 1), Sex::Other),
        )
        .unwrap();
    let o = outsider.id.as_str();
    let r = s
        .log_observation(
            t,
            t,
            ObservationInput::blood_pressure(128.0, 82.0, None, jst_days_ago(0)),
        )
        .unwrap();
    let d = s
        .grant(
            t,
            t,
            NewDelegation {
                grantee: Grantee::Person(h.to_owned()),
                scopes: vec![Scope::View],
                valid_from: None,
                valid_until: None,
                representative_basis: None,
                basis_note: None,
            },
        )
        .unwrap();
    let before = s.audit_entries(h, 10_000, None).unwrap().len();
    let note = || ClinicalInput::Note {
        text: "x".into(),
        at: None,
    };
    let q = AggregateQuery {
        observation_type: ObservationType::Steps,
        granularity: Granularity::Day,
        from: phr_core::clock::Clock::from_environment()
            .now()
            .date_naive(),
        to: phr_core::clock::Clock::from_environment()
            .now()
            .date_naive(),
        time_zone: None,
    };
    let mut tested: BTreeSet<&str> = BTreeSet::new();
    let mut check = |name: &'static str, r: phr_core::Result<()>| {
        assert!(
            matches!(r, Err(Error::NotPermitted { .. })),
            "{name} let an outsider through: {r:?}"
        );
        tested.insert(name);
    };
    let grant = NewDelegation {
        grantee: Grantee::Person(o.to_owned()),
        scopes: vec![Scope::View],
        valid_from: None,
        valid_until: None,
        representative_basis: None,
        basis_note: None,
    };
    check(
        "add_person",
        s.add_person(Some(o), person("eve", "x", "y", (1990, 1, 1), Sex::Other))
            .map(|_| ()),
    );
    check(
        "import_fhir_new_person",
        s.import_fhir_new_person(
            Some(o),
            "eve",
            br#"{"resourceType":"Patient","name":[{"family":"x","given":["y"]}],"birthDate":"1990-01-01"}"#,
            Provenance::ImportedFile,
            None,
            &|_, _| {},
        )
        .map(|_| ()),
    );
    check(
        "add_record",
        s.add_record(o, t, note(), Provenance::SelfEntered, None)
            .map(|_| ()),
    );
    check(
        "add_records",
        s.add_records(o, t, vec![note()], Provenance::SelfEntered, None)
            .map(|_| ()),
    );
    check(
        "log_observation",
        s.log_observation(
            o,
            t,
            ObservationInput::simple(ObservationType::Steps, 1.0, jst_days_ago(0)),
        )
        .map(|_| ()),
    );
    check(
        "update_record",
        s.update_record(o, t, &r.meta.id, note()).map(|_| ()),
    );
    check(
        "import_checkup_xml",
        s.import_checkup_xml(
            o,
            t,
            include_bytes!("fixtures/checkup/tokutei_minimal.xml"),
            Provenance::ImportedFile,
        )
        .map(|_| ()),
    );
    check(
        "log_reading",
        s.log_reading(
            o,
            t,
            Reading {
                observation_type: ObservationType::Steps,
                value: 1.0,
                value2: None,
                value3: None,
                unit: None,
                glucose_timing: None,
            },
            None,
        )
        .map(|_| ()),
    );
    check(
        "import_file",
        s.import_file(
            o,
            t,
            include_bytes!("fixtures/checkup/tokutei_minimal.xml"),
            Provenance::ImportedFile,
            None,
            &|_, _| {},
        )
        .map(|_| ()),
    );
    check("dashboard", s.dashboard(o, t).map(|_| ()));
    check(
        "trend",
        s.trend(o, t, ObservationType::Steps, 30).map(|_| ()),
    );
    check("delete_record", s.delete_record(o, t, &r.meta.id));
    check("erase_record", s.erase_record(o, t, &r.meta.id));
    check("erase_all_records", s.erase_all_records(o, t).map(|_| ()));
    check("get_record", s.get_record(o, t, &r.meta.id).map(|_| ()));
    check(
        "record_history",
        s.record_history(o, t, &r.meta.id).map(|_| ()),
    );
    check(
        "list_records",
        s.list_records(o, t, &RecordFilter::default(), &PageRequest::first(5))
            .map(|_| ()),
    );
    check(
        "timeline",
        s.timeline(o, t, &PageRequest::first(5)).map(|_| ()),
    );
    check(
        "latest_observations",
        s.latest_observations(o, t).map(|_| ()),
    );
    check("aggregate", s.aggregate(o, t, &q).map(|_| ()));
    check("search", s.search(o, t, "x", 5).map(|_| ()));
    check("person_details", s.person_details(o, t).map(|_| ()));
    check("access_history", s.access_history(o, t, 5).map(|_| ()));
    check("audit_entries", s.audit_entries(o, 5, None).map(|_| ()));
    check("grant", s.grant(o, t, grant).map(|_| ()));
    check("revoke", s.revoke(o, &d.id));
    check("take_control", s.take_control(o, t).map(|_| ()));
    check("who_can_access", s.who_can_access(o, t).map(|_| ()));
    check("delegations", s.delegations(o, t).map(|_| ()));
    s.set_operator_profile(phr_core::consent::samples::municipality())
        .unwrap();
    let purpose = "specific_health_guidance";
    let req = phr_core::consent::ConsentRequest::permit(
        "health-dept",
        &[phr_core::consent::DataCategory::Checkup],
        &[purpose],
    );
    check("set_consent", s.set_consent(o, t, req).map(|_| ()));
    check(
        "withdraw",
        s.withdraw(
            o,
            t,
            "health-dept",
            &[phr_core::consent::DataCategory::Checkup],
            &[purpose],
        )
        .map(|_| ()),
    );
    check("consent_state", s.consent_state(o, t).map(|_| ()));
    check("consent_history", s.consent_history(o, t).map(|_| ()));
    check(
        "release",
        s.release(o, t, "health-dept", purpose, std::slice::from_ref(&r))
            .map(|_| ()),
    );
    check(
        "queue_for_release",
        s.queue_for_release(
            o,
            t,
            "health-dept",
            purpose,
            std::slice::from_ref(&r.meta.id),
        )
        .map(|_| ()),
    );
    check("pending_outbox", s.pending_outbox(o, t).map(|_| ()));
    check(
        "export_fhir",
        s.export_fhir(o, t, jst_days_ago(0)).map(|_| ()),
    );
    check(
        "export_fhir_json",
        s.export_fhir_json(o, t, jst_days_ago(0)).map(|_| ()),
    );
    // Refused before any connection (the https URL is never contacted).
    let sync_options = phr_core::sync::SyncOptions {
        server_url: Some("https://fhir.example.jp/r4".into()),
        ..Default::default()
    };
    check(
        "sync",
        s.sync(
            o,
            t,
            "health-dept",
            &sync_options,
            &phr_core::sync::NoProgress,
        )
        .map(|_| ()),
    );
    let server = phr_core::sync::fake::FakeFhir::new();
    check(
        "sync_over",
        s.sync_over(
            o,
            t,
            "health-dept",
            &sync_options,
            &phr_core::sync::NoProgress,
            &mut server.clone(),
        )
        .map(|_| ()),
    );
    assert!(server.requests().is_empty(), "sync_over reached the server");
    // The outsider is not the device owner: the device's platform token is not theirs.
    check(
        "forget_sync_token",
        s.forget_sync_token(o, "health-dept").map(|_| ()),
    );
    check(
        "export_fhir_for_json",
        s.export_fhir_for_json(o, t, "health-dept", purpose, jst_days_ago(0))
            .map(|_| ()),
    );
    check(
        "export_fhir_for",
        s.export_fhir_for(o, t, "health-dept", purpose, jst_days_ago(0))
            .map(|_| ()),
    );
    let fhir = br#"{"resourceType":"Condition","code":{"text":"x"}}"#;
    check(
        "import_fhir",
        s.import_fhir(o, t, fhir, Provenance::ImportedFile, None)
            .map(|_| ()),
    );
    check(
        "import_fhir_with_progress",
        s.import_fhir_with_progress(o, t, fhir, Provenance::ImportedFile, None, &|_, _| {})
            .map(|_| ()),
    );
    check("fhir_documents", s.fhir_documents(o, t).map(|_| ()));
    check(
        "original_json",
        s.original_json(o, t, &r.meta.id).map(|_| ()),
    );
    check(
        "consent_receipt",
        s.consent_receipt(o, t, "no-such-directive").map(|_| ()),
    );
    assert!(!s.can(o, t, Action::View).unwrap());
    // Nothing was written by any refused call.
    assert_eq!(s.audit_entries(h, 10_000, None).unwrap().len(), before);
    assert_eq!(
        s.timeline(t, t, &PageRequest::first(5))
            .unwrap()
            .records
            .len(),
        1
    );

    // Every public Session operation is either checked above or device-level with a reason.
    let device: BTreeSet<&str> = DEVICE_LEVEL.iter().map(|(n, _)| *n).collect();
    for op in session_source_operations() {
        assert!(
            tested.contains(op.as_str()) || device.contains(op.as_str()),
            "Session::{op} is neither tested against an outsider here nor listed as device-level"
        );
    }
}
