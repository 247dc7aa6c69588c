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
    ("verify_audit", "reports only whether the chain is intact"),
    ("set_time_zone", "display setting"),
    ("time_zone", "display setting"),
    ("set_clock_for_tests", "test hook"),
    ("set_device_clock_for_tests", "test hook"),
    (
        "as_person",
        "test hook: a session acting as a person without their credential",
    ),
    ("create_with", "makes a new store; nobody exists yet"),
    ("unlock_as", "needs that member's own credential"),
    (
        "switch_to",
        "needs the other member's own credential (checked against the keyring)",
    ),
    ("actor", "who the session acts as"),
    (
        "clock_behind",
        "how far the device clock was behind at unlock",
    ),
    ("credential_kinds", "the acting member's own ways to unlock"),
    (
        "set_pin",
        "adds a way for the acting member to unlock, with the platform's secret",
    ),
    (
        "rotate_data_key",
        "needs the acting member's current credential; every member keeps theirs",
    ),
    ("now", "the session clock"),
    (
        "apply_retention",
        "applies the operator's published retention periods to every person; decides nothing",
    ),
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
        "installs the operator's published profile, not a subject's data",
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
        .add_person(person("mallory", "部外", "者", (1990, 1, 1), Sex::Other))
        .unwrap();
    let o = outsider.id.as_str();
    let r = s
        .as_person(t)
        .log_observation(
            t,
            ObservationInput::blood_pressure(128.0, 82.0, None, jst_days_ago(0)),
        )
        .unwrap();
    let d = s
        .as_person(t)
        .grant(
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
    let before = s.audit_entries(10_000, None).unwrap().len();
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
        s.as_person(o)
            .add_person(person("eve", "x", "y", (1990, 1, 1), Sex::Other))
            .map(|_| ()),
    );
    check(
        "import_fhir_new_person",
        s.as_person(o).import_fhir_new_person(
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
        s.as_person(o)
            .add_record(t, note(), Provenance::SelfEntered, None)
            .map(|_| ()),
    );
    check(
        "add_records",
        s.as_person(o)
            .add_records(t, vec![note()], Provenance::SelfEntered, None)
            .map(|_| ()),
    );
    check(
        "log_observation",
        s.as_person(o)
            .log_observation(
                t,
                ObservationInput::simple(ObservationType::Steps, 1.0, jst_days_ago(0)),
            )
            .map(|_| ()),
    );
    check(
        "update_record",
        s.as_person(o)
            .update_record(t, &r.meta.id, note())
            .map(|_| ()),
    );
    check(
        "import_checkup_xml",
        s.as_person(o)
            .import_checkup_xml(
                t,
                include_bytes!("fixtures/checkup/tokutei_minimal.xml"),
                Provenance::ImportedFile,
            )
            .map(|_| ()),
    );
    check(
        "log_reading",
        s.as_person(o)
            .log_reading(
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
        s.as_person(o)
            .import_file(
                t,
                include_bytes!("fixtures/checkup/tokutei_minimal.xml"),
                Provenance::ImportedFile,
                None,
                &|_, _| {},
            )
            .map(|_| ()),
    );
    check("dashboard", s.as_person(o).dashboard(t).map(|_| ()));
    check("overview", s.as_person(o).overview(t).map(|_| ()));
    check("step_progress", s.as_person(o).step_progress(t).map(|_| ()));
    check("points", s.as_person(o).points(t).map(|_| ()));
    check(
        "kpi_contributions",
        s.as_person(o).kpi_contributions(t).map(|_| ()),
    );
    check("provision_log", s.as_person(o).provision_log(t).map(|_| ()));
    let nowhere = std::env::temp_dir().join("phr-outsider-disclosure-never-written");
    check(
        "request_disclosure",
        s.as_person(o).request_disclosure(t, &nowhere).map(|_| ()),
    );
    assert!(!nowhere.exists());
    check(
        "request_correction",
        s.as_person(o)
            .request_correction(t, "any", phr_core::requests::Correction::Note("x".into()))
            .map(|_| ()),
    );
    check(
        "request_stop_of_provision",
        s.as_person(o)
            .request_stop_of_provision(t, "health-dept")
            .map(|_| ()),
    );
    check(
        "request_erasure",
        s.as_person(o).request_erasure(t, None).map(|_| ()),
    );
    let month = phr_core::records::Stamp {
        utc_seconds: s.now().utc_seconds + 30 * 86_400,
        offset_seconds: 0,
    };
    check(
        "share_summary",
        s.as_person(o)
            .share_summary(
                t,
                "health-dept",
                &[phr_core::consent::DataCategory::Demographics],
                month,
            )
            .map(|_| ()),
    );
    check(
        "end_summary_share",
        s.as_person(o).end_summary_share(t, "any").map(|_| ()),
    );
    check(
        "request_for_operator",
        s.as_person(o).request_for_operator(t, "any").map(|_| ()),
    );
    check(
        "resident_requests",
        s.as_person(o).resident_requests(t).map(|_| ()),
    );
    check(
        "walking_events",
        s.as_person(o).walking_events(t).map(|_| ()),
    );
    check(
        "event_progress",
        s.as_person(o).event_progress(t, "any").map(|_| ()),
    );
    check(
        "join_event",
        s.as_person(o).join_event(t, "any", None).map(|_| ()),
    );
    check(
        "leave_event",
        s.as_person(o).leave_event(t, "any").map(|_| ()),
    );
    check(
        "erased_copies_held",
        s.as_person(o).erased_copies_held(t).map(|_| ()),
    );
    check("remove_person", s.as_person(o).remove_person(t).map(|_| ()));
    check(
        "set_step_goal",
        s.as_person(o).set_step_goal(t, Some(9_000)).map(|_| ()),
    );
    check("checkups", s.as_person(o).checkups(t, 3).map(|_| ()));
    check(
        "checkup_comparison",
        s.as_person(o).checkup_comparison(t, 3).map(|_| ()),
    );
    check(
        "trend",
        s.as_person(o)
            .trend(t, ObservationType::Steps, 30)
            .map(|_| ()),
    );
    check(
        "annotate_record",
        s.as_person(o)
            .annotate_record(t, &r.meta.id, "x")
            .map(|_| ()),
    );
    check("delete_record", s.as_person(o).delete_record(t, &r.meta.id));
    check("erase_record", s.as_person(o).erase_record(t, &r.meta.id));
    check(
        "erase_all_records",
        s.as_person(o).erase_all_records(t).map(|_| ()),
    );
    check(
        "get_record",
        s.as_person(o).get_record(t, &r.meta.id).map(|_| ()),
    );
    check(
        "record_history",
        s.as_person(o).record_history(t, &r.meta.id).map(|_| ()),
    );
    check(
        "list_records",
        s.as_person(o)
            .list_records(t, &RecordFilter::default(), &PageRequest::first(5))
            .map(|_| ()),
    );
    check(
        "timeline",
        s.as_person(o)
            .timeline(t, &PageRequest::first(5))
            .map(|_| ()),
    );
    check(
        "latest_observations",
        s.as_person(o).latest_observations(t).map(|_| ()),
    );
    check("aggregate", s.as_person(o).aggregate(t, &q).map(|_| ()));
    check("search", s.as_person(o).search(t, "x", 5).map(|_| ()));
    check(
        "person_details",
        s.as_person(o).person_details(t).map(|_| ()),
    );
    check(
        "access_history",
        s.as_person(o).access_history(t, 5).map(|_| ()),
    );
    check(
        "audit_entries",
        s.as_person(o).audit_entries(5, None).map(|_| ()),
    );
    check("grant", s.as_person(o).grant(t, grant).map(|_| ()));
    check("revoke", s.as_person(o).revoke(&d.id));
    check("take_control", s.as_person(o).take_control(t).map(|_| ()));
    check(
        "who_can_access",
        s.as_person(o).who_can_access(t).map(|_| ()),
    );
    check("delegations", s.as_person(o).delegations(t).map(|_| ()));
    s.set_operator_profile(phr_core::consent::samples::municipality())
        .unwrap();
    let purpose = "specific_health_guidance";
    let req = phr_core::consent::ConsentRequest::permit(
        "health-dept",
        &[phr_core::consent::DataCategory::Checkup],
        &[purpose],
    );
    check(
        "set_consent",
        s.as_person(o).set_consent(t, req).map(|_| ()),
    );
    check(
        "withdraw",
        s.as_person(o)
            .withdraw(
                t,
                "health-dept",
                &[phr_core::consent::DataCategory::Checkup],
                &[purpose],
            )
            .map(|_| ()),
    );
    check("consent_state", s.as_person(o).consent_state(t).map(|_| ()));
    check(
        "consent_history",
        s.as_person(o).consent_history(t).map(|_| ()),
    );
    check(
        "release",
        s.as_person(o)
            .release(t, "health-dept", purpose, std::slice::from_ref(&r))
            .map(|_| ()),
    );
    check(
        "reconsent_needed",
        s.as_person(o).reconsent_needed(t).map(|_| ()),
    );
    check(
        "pending_outbox",
        s.as_person(o).pending_outbox(t).map(|_| ()),
    );
    check(
        "export_fhir",
        s.as_person(o).export_fhir(t, jst_days_ago(0)).map(|_| ()),
    );
    check(
        "export_fhir_json",
        s.as_person(o)
            .export_fhir_json(t, jst_days_ago(0))
            .map(|_| ()),
    );
    let mut sink = Vec::new();
    check(
        "export_fhir_to",
        s.as_person(o)
            .export_fhir_to(t, jst_days_ago(0), &mut sink)
            .map(|_| ()),
    );
    assert!(sink.is_empty(), "a refused export writes nothing");
    check(
        "export_echeckup",
        s.as_person(o)
            .export_echeckup(t, None, jst_days_ago(0))
            .map(|_| ()),
    );
    // Refused before any connection (the https URL is never contacted).
    let sync_options = phr_core::sync::SyncOptions {
        server_url: Some("https://fhir.example.jp/r4".into()),
        ..Default::default()
    };
    check(
        "sync",
        s.as_person(o)
            .sync(t, "health-dept", &sync_options, &phr_core::sync::NoProgress)
            .map(|_| ()),
    );
    let server = phr_core::sync::fake::FakeFhir::new();
    check(
        "sync_over",
        s.as_person(o)
            .sync_over(
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
        s.as_person(o).forget_sync_token("health-dept").map(|_| ()),
    );
    check(
        "export_fhir_for_json",
        s.as_person(o)
            .export_fhir_for_json(t, "health-dept", purpose, jst_days_ago(0))
            .map(|_| ()),
    );
    check(
        "export_fhir_for",
        s.as_person(o)
            .export_fhir_for(t, "health-dept", purpose, jst_days_ago(0))
            .map(|_| ()),
    );
    let fhir = br#"{"resourceType":"Condition","code":{"text":"x"}}"#;
    check(
        "import_fhir",
        s.as_person(o)
            .import_fhir(t, fhir, Provenance::ImportedFile, None)
            .map(|_| ()),
    );
    check(
        "import_fhir_with_progress",
        s.as_person(o)
            .import_fhir_with_progress(t, fhir, Provenance::ImportedFile, None, &|_, _| {})
            .map(|_| ()),
    );
    check(
        "fhir_documents",
        s.as_person(o).fhir_documents(t).map(|_| ()),
    );
    check(
        "original_json",
        s.as_person(o).original_json(t, &r.meta.id).map(|_| ()),
    );
    check(
        "consent_receipt",
        s.as_person(o)
            .consent_receipt(t, "no-such-directive")
            .map(|_| ()),
    );
    assert!(!s.as_person(o).can(t, Action::View).unwrap());
    // The device-wide operations are the owner's.
    check(
        "add_member",
        s.as_person(o)
            .add_member(
                person("eve", "x", "y", (1990, 1, 1), Sex::Other),
                &phr_core::Unlock::Passphrase("correct horse battery staple"),
                phr_core::KdfParams::cheap(),
            )
            .map(|_| ()),
    );
    check(
        "enroll_member",
        s.as_person(o)
            .enroll_member(
                &s.person_details(t).unwrap().details.nickname,
                &phr_core::Unlock::Passphrase("correct horse battery staple"),
                phr_core::KdfParams::cheap(),
            )
            .map(|_| ()),
    );
    check(
        "backup",
        s.as_person(o).backup(
            &_d.path().join("outsider.backup"),
            "correct horse battery staple",
        ),
    );

    // Nothing was written by any refused call.
    assert_eq!(s.audit_entries(10_000, None).unwrap().len(), before);
    assert_eq!(
        s.as_person(t)
            .timeline(t, &PageRequest::first(5))
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
