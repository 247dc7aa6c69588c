//! Walking events (issue #19 item 2) on a fixed clock, 2027-03-10 12:00 in Tokyo, with the
//! sample profile's spring event (1–31 March, 8,000 a day, 200,000 in all, two teams): joining
//! is a consent permit with its receipt, leaving a withdrawal; no lifelog record ever goes to
//! the organiser; progress comes from the daily totals on the device.

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::steps_on;

use chrono::{Duration, NaiveDate};
use phr_core::consent::{DataCategory, Effect, OperatorProfile, samples};
use phr_core::events::EventPhase;
use phr_core::family::{Grantee, NewDelegation, Scope};
use phr_core::records::{ObservationInput, ObservationType, Provenance, Stamp};
use phr_core::{ClinicalInput, Error, Session};

const NOW: i64 = 1_804_647_600; // 2027-03-10T03:00:00Z = 12:00 JST
const EVENT: &str = "spring-walk-2027";

fn march(day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2027, 3, day).unwrap()
}

fn session() -> (tempfile::TempDir, Session, String, String) {
    let (dir, s, hanako, taro) = common::session_with_two();
    s.set_clock_for_tests(Some(NOW));
    s.set_operator_profile(samples::municipality()).unwrap();
    (dir, s, hanako.id, taro.id)
}

#[test]
fn joining_is_a_permit_with_its_receipt_and_no_lifelog_record_goes_to_the_organiser() {
    let (_d, s, h, _) = session();
    // A week before the event and its first days: 9,000 a day, in two readings on the 5th.
    let mut inputs: Vec<ClinicalInput> = (0..15)
        .map(|i| steps_on(march(1) - Duration::days(6) + Duration::days(i), 9_000.0))
        .collect();
    inputs.push(steps_on(march(5), 1.0));
    s.add_records(&h, inputs, Provenance::Device, None).unwrap();

    let before = s.event_progress(&h, EVENT).unwrap();
    assert!(!before.joined);
    assert_eq!(before.phase, EventPhase::Running);

    let d = s.join_event(&h, EVENT, Some("kita")).unwrap();
    assert_eq!(d.effect, Effect::Permit);
    assert_eq!(d.recipient, "walking-campaign");
    assert_eq!(d.categories, vec![DataCategory::Lifelog]);
    assert_eq!(d.purposes, vec!["walking_campaign".to_owned()]);
    let receipt = s.consent_receipt(&h, &d.id).unwrap();
    assert!(
        receipt.text_ja.contains("ウォーキング"),
        "{}",
        receipt.text_ja
    );
    // The organiser is owed daily totals only: not one steps record is queued.
    assert!(s.pending_outbox(&h).unwrap().is_empty());
    s.log_observation(
        &h,
        ObservationInput::simple(
            ObservationType::Steps,
            500.0,
            Stamp {
                utc_seconds: NOW - 60,
                offset_seconds: 9 * 3600,
            },
        ),
    )
    .unwrap();
    assert!(s.pending_outbox(&h).unwrap().is_empty());

    let p = s.event_progress(&h, EVENT).unwrap();
    assert!(p.joined);
    assert_eq!(p.team.as_deref(), Some("kita"));
    assert_eq!(p.days.len(), 10, "1 to 10 March, not the week before");
    // 1–9 March at 9,000 (the 5th 9,001), today 500 so far; only the event's days count.
    assert_eq!(p.total_steps, 9 * 9_000 + 1 + 500);
    assert_eq!(p.days_met, 9);
    assert!(!p.completed);

    // Joined once; a team that does not exist; an unknown event.
    assert!(matches!(
        s.join_event(&h, EVENT, None),
        Err(Error::AlreadyExists { .. })
    ));
    match s.join_event(&h, "autumn", None) {
        Err(Error::NotFound { what }) => assert_eq!(what, "event"),
        other => panic!("{other:?}"),
    }
    let listed = s.walking_events(&h).unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].joined);
}

#[test]
fn leaving_is_a_withdrawal_and_one_can_join_again() {
    let (_d, s, h, _) = session();
    s.join_event(&h, EVENT, None).unwrap();
    let w = s.leave_event(&h, EVENT).unwrap();
    assert_eq!(w.effect, Effect::Deny);
    let state = s.consent_state(&h).unwrap();
    let walking = state
        .purposes
        .iter()
        .find(|p| p.code == "walking_campaign")
        .unwrap();
    let t = walking
        .toggles
        .iter()
        .find(|t| t.category == DataCategory::Lifelog)
        .unwrap();
    assert!(!t.permitted);
    assert!(!s.event_progress(&h, EVENT).unwrap().joined);
    assert!(matches!(
        s.leave_event(&h, EVENT),
        Err(Error::NotFound { .. })
    ));
    assert_eq!(
        s.consent_history(&h).unwrap().len(),
        2,
        "the refused leave decided nothing"
    );
    s.join_event(&h, EVENT, Some("minami")).unwrap();
    let p = s.event_progress(&h, EVENT).unwrap();
    assert_eq!((p.joined, p.team.as_deref()), (true, Some("minami")));
}

#[test]
fn an_ended_event_or_a_wrong_team_is_refused_and_nothing_is_decided() {
    let (_d, s, h, _) = session();
    match s.join_event(&h, EVENT, Some("higashi")) {
        Err(Error::InvalidInput { field, .. }) => assert_eq!(field, "team"),
        other => panic!("{other:?}"),
    }
    s.set_clock_for_tests(Some(NOW + 30 * 86_400)); // 9 April
    assert_eq!(
        s.event_progress(&h, EVENT).unwrap().phase,
        EventPhase::Ended
    );
    match s.join_event(&h, EVENT, None) {
        Err(Error::InvalidInput { field, .. }) => assert_eq!(field, "event"),
        other => panic!("{other:?}"),
    }
    assert!(s.consent_history(&h).unwrap().is_empty());
}

#[test]
fn a_viewer_follows_the_progress_but_only_who_manages_consent_joins() {
    let (_d, s, h, t) = session();
    s.grant(
        &h,
        NewDelegation {
            grantee: Grantee::Person(t.clone()),
            scopes: vec![Scope::View],
            valid_from: None,
            valid_until: None,
            representative_basis: None,
            basis_note: None,
        },
    )
    .unwrap();
    let taro = s.as_person(&t);
    assert!(!taro.event_progress(&h, EVENT).unwrap().joined);
    assert!(matches!(
        taro.join_event(&h, EVENT, None),
        Err(Error::NotPermitted { .. })
    ));
}

/// The sample with its event changed by `f`.
fn with_event(f: impl FnOnce(&mut serde_json::Value)) -> phr_core::Result<OperatorProfile> {
    let mut v: serde_json::Value = serde_json::from_str(samples::MUNICIPALITY_JSON).unwrap();
    f(&mut v["events"][0]);
    OperatorProfile::from_json(&v.to_string())
}

#[test]
fn an_event_outside_the_rules_is_refused_naming_the_field() {
    use serde_json::json;
    type Change = Box<dyn Fn(&mut serde_json::Value)>;
    let cases: Vec<(Change, &str)> = vec![
        (
            Box::new(|e| e["data"] = json!("minute_steps")),
            "events[0].data",
        ),
        (
            Box::new(|e| e["organiser"] = json!("nobody")),
            "events[0].organiser",
        ),
        // The guidance purpose takes lifelog records? It does not take lifelog at all.
        (
            Box::new(|e| e["purpose"] = json!("specific_health_guidance")),
            "events[0].purpose",
        ),
        (Box::new(|e| e["to"] = json!("2027-02-01")), "events[0].to"),
        (
            Box::new(|e| {
                e.as_object_mut().unwrap().remove("daily_target");
                e.as_object_mut().unwrap().remove("total_target");
            }),
            "events[0].daily_target",
        ),
        (
            Box::new(|e| e["daily_target"] = json!(100)),
            "events[0].daily_target",
        ),
        (
            Box::new(|e| e["teams"][1]["id"] = json!("kita")),
            "events[0].teams[1].id",
        ),
        (Box::new(|e| e["id"] = json!("Spring Walk")), "events[0].id"),
    ];
    for (change, field) in cases {
        match with_event(change) {
            Err(Error::InvalidInput { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{field}: {other:?}"),
        }
    }
    // A purpose that would take lifelog records as logged cannot carry an event.
    let mut v: serde_json::Value = serde_json::from_str(samples::MUNICIPALITY_JSON).unwrap();
    v["purposes"][1].as_object_mut().unwrap().remove("lifelog");
    match OperatorProfile::from_json(&v.to_string()) {
        Err(Error::InvalidInput { field, .. }) => assert_eq!(field, "events[0].purpose"),
        other => panic!("{other:?}"),
    }
    // And the sample itself round-trips with its event.
    let p = samples::municipality();
    let again = OperatorProfile::from_json(&serde_json::to_string(&p).unwrap()).unwrap();
    assert_eq!(again, p);
    assert_eq!(again.events.len(), 1);
}
