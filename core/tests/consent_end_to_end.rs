//! Issue #16 end to end on the in-memory FHIR server: the gate judges what is sent at send time,
//! standing consent queues at write time, a future deny takes effect at the first sync after it
//! starts, the destination is the recipient's, pull trusts nothing from the server, and a
//! withdrawal says whether the recipient keeps a history copy.

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod sync_support;

use phr_core::Error;
use phr_core::consent::{ConsentRequest, DataCategory};
use phr_core::records::{ObservationType, PageRequest, RecordFilter, Stamp};
use phr_core::sync::fake::{FakeFhir, Fault, On};
use phr_core::sync::{NoProgress, Response, SyncOptions};
use serde_json::json;
use sync_support::*;

const DAY: i64 = 86_400;

fn live_count(s: &phr_core::Session, h: &str) -> usize {
    s.list_records(h, &RecordFilter::default(), &PageRequest::first(1000))
        .unwrap()
        .records
        .len()
}

#[test]
fn an_edit_between_queueing_and_sending_is_judged_and_sent_as_edited() {
    let (_d, s, h, ids) = seeded(1, 0);
    s.update_record(&h, &ids[0], observation(ObservationType::Pulse, 99.0, 0))
        .unwrap();
    let fake = FakeFhir::new();
    sync(&s, &h, &fake).unwrap();
    let copy = fake.resource(&format!("Observation/{}", ids[0])).unwrap();
    assert_eq!(
        copy["valueQuantity"]["value"],
        json!(99.0),
        "the edited version"
    );
}

#[test]
fn a_record_written_under_a_permit_is_queued_in_its_own_write_and_others_are_not() {
    let (_d, s, h, _) = seeded(2, 0);
    let before = s.pending_outbox(&h).unwrap().len();
    s.log_observation(&h, observation_input(ObservationType::Pulse, 61.0))
        .unwrap();
    assert_eq!(
        s.pending_outbox(&h).unwrap().len(),
        before + 1,
        "vitals: permitted"
    );
    s.log_observation(&h, observation_input(ObservationType::Steps, 4000.0))
        .unwrap();
    assert_eq!(
        s.pending_outbox(&h).unwrap().len(),
        before + 1,
        "lifelog: no consent, not queued"
    );
}

#[test]
fn a_deny_dated_in_the_future_takes_effect_at_the_first_sync_after_it_starts() {
    let (_d, s, h, _) = seeded(3, 0);
    let fake = FakeFhir::new();
    sync(&s, &h, &fake).unwrap();
    assert_eq!(fake.ids("Observation").len(), 3);
    let now = s.now();
    let mut deny = ConsentRequest::deny(RECIPIENT, &[DataCategory::Vitals], &[GUIDANCE]);
    deny.valid_from = Some(Stamp {
        utc_seconds: now.utc_seconds + DAY,
        offset_seconds: now.offset_seconds,
    });
    s.set_consent(&h, deny).unwrap();
    sync(&s, &h, &fake).unwrap();
    assert_eq!(fake.ids("Observation").len(), 3, "not yet in force");
    s.set_clock_for_tests(Some(now.utc_seconds + 2 * DAY));
    sync(&s, &h, &fake).unwrap();
    assert!(
        fake.ids("Observation").is_empty(),
        "withdrawn at the first sync after its start"
    );
}

#[test]
fn only_a_loopback_test_server_may_replace_the_recipients_endpoint() {
    let (_d, s, h, _) = seeded(1, 0);
    let opts = SyncOptions {
        server_url: Some("https://elsewhere.example/fhir".into()),
        ..SyncOptions::default()
    };
    let err = s.sync(&h, RECIPIENT, &opts, &NoProgress).unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput { field, .. } if field == "server_url"),
        "{err:?}"
    );
    assert_eq!(s.pending_outbox(&h).unwrap().len(), 1, "nothing left");
}

#[test]
fn pull_never_takes_another_patients_data_from_a_server_that_ignores_the_subject() {
    let (_d, s, h, _) = seeded(1, 0);
    let fake = FakeFhir::new();
    fake.behave(|b| b.ignore_subject = true);
    fake.put(platform_weight("someone-else", "platform-weight-x", 70.0));
    let before = live_count(&s, &h);
    let r = sync(&s, &h, &fake).unwrap();
    assert!(r.foreign >= 1, "{r:?}");
    assert_eq!(live_count(&s, &h), before, "nothing imported");
}

#[test]
fn pull_never_overwrites_a_self_entered_record_by_identifier() {
    let (_d, s, h, ids) = seeded(0, 1);
    let fake = FakeFhir::new();
    sync(&s, &h, &fake).unwrap();
    let mut hostile = platform_weight(&h, "platform-weight-evil", 99.0);
    hostile["identifier"] = json!([{ "system": "urn:ietf:rfc:3986",
        "value": format!("urn:uuid:{}", ids[0]) }]);
    fake.put(hostile);
    sync(&s, &h, &fake).unwrap();
    let mine = s.get_record(&h, &ids[0]).unwrap();
    let body = serde_json::to_value(&mine).unwrap().to_string();
    assert!(
        !body.contains("99.0"),
        "the self-entered record is untouched"
    );
}

#[test]
fn a_200_with_an_operation_outcome_is_a_misbehaving_server_not_a_success() {
    let (_d, s, h, _) = seeded(2, 0);
    let fake = FakeFhir::new();
    let outcome = json!({ "resourceType": "OperationOutcome",
        "issue": [{ "severity": "error", "code": "exception" }] });
    fake.inject(
        On::Bundle,
        Fault::Answer(Response::json(200, &outcome)),
        usize::MAX,
    );
    let err = sync(&s, &h, &fake).unwrap_err();
    assert!(matches!(err, Error::ServerMisbehaved { .. }), "{err:?}");
    assert_eq!(s.pending_outbox(&h).unwrap().len(), 2, "kept for later");
}

#[test]
fn a_huge_body_is_refused_typed() {
    let (_d, s, h, _) = seeded(1, 0);
    let fake = FakeFhir::new();
    let huge = Response {
        status: 200,
        headers: vec![("content-type".into(), "application/fhir+json".into())],
        body: vec![b' '; 4096],
    };
    fake.inject(On::Search, Fault::Answer(huge), usize::MAX);
    let opts = SyncOptions {
        max_response_bytes: 1024,
        ..options()
    };
    let err = sync_with(&s, &h, &fake, &opts).unwrap_err();
    assert!(matches!(err, Error::ServerMisbehaved { .. }), "{err:?}");
}

#[test]
fn withdrawal_expunges_history_where_the_server_offers_it_and_says_so_otherwise() {
    for offers in [true, false] {
        let (_d, s, h, ids) = seeded(2, 0);
        let fake = FakeFhir::new();
        fake.behave(|b| b.offers_expunge = offers);
        sync(&s, &h, &fake).unwrap();
        let d = s
            .withdraw(&h, RECIPIENT, &[DataCategory::Vitals], &[GUIDANCE])
            .unwrap();
        let r = sync(&s, &h, &fake).unwrap();
        assert!(fake.ids("Observation").is_empty());
        let address = format!("Observation/{}", ids[0]);
        let receipt = s.consent_receipt(&h, &d.id).unwrap();
        // The two records and the Patient they pointed at (sent with no detail) go.
        assert!(r.patient_removed && fake.ids("Patient").is_empty(), "{r:?}");
        if offers {
            assert_eq!((r.expunged, r.history_kept), (3, 0), "{r:?}");
            assert!(fake.history(&address).is_empty(), "no history left");
            assert_eq!(receipt.json["recipient_history"]["kept"], json!(false));
        } else {
            assert_eq!((r.expunged, r.history_kept), (0, 3), "{r:?}");
            assert!(!fake.history(&address).is_empty());
            assert_eq!(receipt.json["recipient_history"]["kept"], json!(true));
        }
    }
}

#[test]
fn a_record_deleted_then_denied_and_permitted_again_before_a_sync_is_still_deleted_there() {
    // Found by consent_end_to_end_proptest.rs: the deny purged the deletion's outbox item, the
    // permit requeues only live records, and the withdrawal notice left copies of a category
    // permitted again as they were, the deleted record's among them.
    let (_d, s, h, ids) = seeded(2, 0);
    let fake = FakeFhir::new();
    sync(&s, &h, &fake).unwrap();
    s.delete_record(&h, &ids[0]).unwrap();
    s.withdraw(&h, RECIPIENT, &[DataCategory::Vitals], &[GUIDANCE])
        .unwrap();
    s.set_consent(
        &h,
        ConsentRequest::permit(RECIPIENT, &[DataCategory::Vitals], &[GUIDANCE]),
    )
    .unwrap();
    sync(&s, &h, &fake).unwrap();
    assert!(fake.resource(&format!("Observation/{}", ids[0])).is_none());
    assert!(
        fake.resource(&format!("Observation/{}", ids[1])).is_some(),
        "the live one stays: consent permits it again"
    );
}

#[test]
fn with_nothing_released_an_export_for_a_recipient_holds_nothing_about_the_subject() {
    let (_d, s, h, _) = seeded(0, 0);
    let at = s.now();
    let out = s
        .export_fhir_for(&h, "walking-campaign", "walking_campaign", at)
        .unwrap();
    let text = out.to_string();
    assert!(!text.contains("Patient"), "no Patient: {text}");
    assert!(!text.contains(&h), "no reference to the subject");
}

#[test]
fn a_proxy_with_share_gets_only_gated_exports_and_the_whole_record_needs_export() {
    use phr_core::family::{Grantee, NewDelegation, Scope};
    let (_d, s, hanako, taro) = common::session_with_two();
    let (h, t) = (hanako.id.as_str(), taro.id.as_str());
    s.set_operator_profile(phr_core::consent::samples::municipality())
        .unwrap();
    let grant = |scopes: Vec<Scope>| NewDelegation {
        grantee: Grantee::Person(t.to_owned()),
        scopes,
        valid_from: None,
        valid_until: None,
        representative_basis: None,
        basis_note: None,
    };
    s.grant(h, grant(vec![Scope::Share])).unwrap();
    let at = s.now();
    let proxy = s.as_person(t);
    assert!(matches!(
        proxy.export_fhir(h, at),
        Err(Error::NotPermitted { .. })
    ));
    proxy
        .export_fhir_for(h, RECIPIENT, GUIDANCE, at)
        .expect("the gated export");
    s.grant(h, grant(vec![Scope::Export])).unwrap();
    proxy.export_fhir(h, at).expect("with the export scope");
}
