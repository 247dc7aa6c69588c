//! A walking event's daily step totals reaching its organiser (issue #19 item 2) through the
//! gate and sync, against the in-memory FHIR server, on a fixed clock (2027-03-10 12:00 in
//! Tokyo, the sample's spring event running 1–31 March): one Observation per day with steps,
//! sent again only when it changed, deleted there when its steps are gone, all withdrawn when
//! the resident leaves, and never a lifelog record.

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::steps_on;
mod sync_support;

use chrono::NaiveDate;
use phr_core::Session;
use phr_core::consent::{ConsentRequest, DataCategory, samples};
use phr_core::records::Provenance;
use phr_core::sync::fake::{FakeFhir, Fault, On};
use phr_core::sync::{NoProgress, SyncReport};
use serde_json::Value;
use std::collections::BTreeMap;
use sync_support::{options, puts};

const NOW: i64 = 1_804_647_600; // 2027-03-10T03:00:00Z = 12:00 JST
const DAY: i64 = 86_400;
const EVENT: &str = "spring-walk-2027";
const ORGANISER: &str = "walking-campaign";

fn march(day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2027, 3, day).unwrap()
}

/// Hanako with steps on 27 February (before the event) and 1, 2 and 10 March (today, so far).
fn session() -> (tempfile::TempDir, Session, String, Vec<String>) {
    let (dir, s, hanako, _) = common::session_with_two();
    s.set_clock_for_tests(Some(NOW));
    s.set_operator_profile(samples::municipality()).unwrap();
    let h = hanako.id;
    let inputs = vec![
        steps_on(march(1) - chrono::Duration::days(2), 7_000.0),
        steps_on(march(1), 8_200.0),
        steps_on(march(2), 6_000.0),
        steps_on(march(2), 3_000.0),
        steps_on(march(10), 2_500.0),
    ];
    let ids = s.add_records(&h, inputs, Provenance::Device, None).unwrap();
    (dir, s, h, ids)
}

fn sync_organiser(s: &Session, h: &str, fake: &FakeFhir) -> SyncReport {
    s.sync_over(h, ORGANISER, &options(), &NoProgress, &mut fake.clone())
        .unwrap()
}

/// What the organiser holds: each daily-steps Observation by its day (the period's start date).
fn totals_there(fake: &FakeFhir) -> BTreeMap<String, Value> {
    fake.ids("Observation")
        .into_iter()
        .map(|id| fake.resource(&format!("Observation/{id}")).unwrap())
        .map(|o| {
            (
                o["effectivePeriod"]["start"].as_str().unwrap()[..10].to_owned(),
                o,
            )
        })
        .collect()
}

fn steps_of(o: &Value) -> u64 {
    o["valueQuantity"]["value"].as_u64().unwrap()
}

#[test]
fn a_member_s_daily_totals_go_as_observations_of_the_day_and_nothing_else_goes() {
    let (_d, s, h, _) = session();
    s.join_event(&h, EVENT, Some("kita")).unwrap();
    let fake = FakeFhir::new();
    let r = sync_organiser(&s, &h, &fake);
    assert_eq!((r.totals_sent, r.pushed, r.remaining), (3, 0, 0), "{r:?}");

    let there = totals_there(&fake);
    assert_eq!(
        there.keys().map(String::as_str).collect::<Vec<_>>(),
        ["2027-03-01", "2027-03-02", "2027-03-10"],
        "the event's days with steps: not 27 February, not the days without"
    );
    let first = &there["2027-03-01"];
    assert_eq!(first["code"]["coding"][0]["system"], "http://loinc.org");
    assert_eq!(first["code"]["coding"][0]["code"], "41950-7");
    assert_eq!(
        first["effectivePeriod"],
        serde_json::json!({ "start": "2027-03-01T00:00:00+09:00", "end": "2027-03-02T00:00:00+09:00" })
    );
    assert_eq!(first["valueQuantity"]["code"], "{steps}");
    assert_eq!(first["subject"]["reference"], format!("Patient/{h}"));
    assert_eq!(steps_of(first), 8_200);
    assert_eq!(
        steps_of(&there["2027-03-02"]),
        9_000,
        "two readings, one total"
    );
    assert_eq!(first["status"], "final");
    assert_eq!(
        there["2027-03-10"]["status"], "preliminary",
        "today is still going"
    );
    let tags = first["meta"]["tag"].as_array().unwrap();
    let tag = |system: &str| {
        tags.iter()
            .find(|t| t["system"] == system)
            .map(|t| t["code"].clone())
    };
    assert_eq!(tag("urn:phr-core:walking-event"), Some(EVENT.into()));
    assert_eq!(tag("urn:phr-core:event-team"), Some("kita".into()));
    assert!(tag("urn:phr-core:origin").is_some());

    // Nothing else of the resident: no step record (55423-8), no identifier, no device, no note;
    // the Patient has no detail (the purpose releases none).
    for o in there.values() {
        let keys: Vec<&str> = o.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "category",
                "code",
                "effectivePeriod",
                "id",
                "issued",
                "meta",
                "resourceType",
                "status",
                "subject",
                "valueQuantity"
            ],
            "{o}"
        );
    }
    let patient = fake.resource(&format!("Patient/{h}")).unwrap();
    assert!(patient.get("name").is_none() && patient.get("birthDate").is_none());
    let audit = s.access_history(&h, 100).unwrap();
    let release = audit
        .iter()
        .find(|e| e.action == "step_totals_released")
        .unwrap();
    assert_eq!(
        release.record_ids,
        [
            "steps:spring-walk-2027:2027-03-01",
            "steps:spring-walk-2027:2027-03-02",
            "steps:spring-walk-2027:2027-03-10"
        ]
    );
}

#[test]
fn only_a_changed_day_is_sent_again_and_a_day_that_ends_becomes_final() {
    let (_d, s, h, _) = session();
    s.join_event(&h, EVENT, None).unwrap();
    let fake = FakeFhir::new();
    sync_organiser(&s, &h, &fake);
    let today = totals_there(&fake)["2027-03-10"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let address = format!("Observation/{today}");

    fake.forget_requests();
    let r = sync_organiser(&s, &h, &fake);
    assert_eq!(r.totals_sent, 0, "nothing changed: {r:?}");
    assert_eq!(puts(&fake.requests(), &address), 0);

    // An afternoon walk: today grows, the other days are left alone.
    s.add_records(
        &h,
        vec![steps_on(march(10), 1_000.0)],
        Provenance::Device,
        None,
    )
    .unwrap();
    let r = sync_organiser(&s, &h, &fake);
    assert_eq!(r.totals_sent, 1, "{r:?}");
    assert_eq!(steps_of(&fake.resource(&address).unwrap()), 3_500);

    // The next morning the 10th is over: the same count goes once more, as final, same id.
    s.set_clock_for_tests(Some(NOW + DAY));
    let r = sync_organiser(&s, &h, &fake);
    assert_eq!(r.totals_sent, 1, "{r:?}");
    let o = fake.resource(&address).unwrap();
    assert_eq!((o["status"].as_str(), steps_of(&o)), (Some("final"), 3_500));
    assert_eq!(totals_there(&fake).len(), 3);
}

#[test]
fn a_day_whose_steps_are_deleted_is_deleted_there() {
    let (_d, s, h, ids) = session();
    s.join_event(&h, EVENT, None).unwrap();
    let fake = FakeFhir::new();
    sync_organiser(&s, &h, &fake);
    s.delete_record(&h, &ids[1]).unwrap(); // the only reading of 1 March
    let r = sync_organiser(&s, &h, &fake);
    assert_eq!(r.deleted, 1, "{r:?}");
    let there = totals_there(&fake);
    assert!(!there.contains_key("2027-03-01"));
    assert_eq!(there.len(), 2);
    // One of the two readings of the 2nd: that day's total shrinks, it stays.
    s.delete_record(&h, &ids[3]).unwrap();
    let r = sync_organiser(&s, &h, &fake);
    assert_eq!((r.totals_sent, r.deleted), (1, 0), "{r:?}");
    assert_eq!(steps_of(&totals_there(&fake)["2027-03-02"]), 6_000);
}

#[test]
fn leaving_withdraws_every_total_and_joining_again_sends_them_again() {
    let (_d, s, h, _) = session();
    s.join_event(&h, EVENT, Some("kita")).unwrap();
    let fake = FakeFhir::new();
    sync_organiser(&s, &h, &fake);
    assert_eq!(totals_there(&fake).len(), 3);

    s.leave_event(&h, EVENT).unwrap();
    let r = sync_organiser(&s, &h, &fake);
    assert_eq!(
        (r.withdrawals, r.deleted, r.totals_sent),
        (1, 3, 0),
        "{r:?}"
    );
    assert!(totals_there(&fake).is_empty());
    assert!(s.pending_outbox(&h).unwrap().is_empty());
    // Walking on after leaving: nothing goes.
    s.add_records(
        &h,
        vec![steps_on(march(10), 4_000.0)],
        Provenance::Device,
        None,
    )
    .unwrap();
    let r = sync_organiser(&s, &h, &fake);
    assert_eq!((r.totals_sent, r.deleted), (0, 0), "{r:?}");
    assert!(totals_there(&fake).is_empty());

    s.join_event(&h, EVENT, Some("minami")).unwrap();
    let r = sync_organiser(&s, &h, &fake);
    assert_eq!(r.totals_sent, 3, "{r:?}");
    let there = totals_there(&fake);
    assert_eq!(steps_of(&there["2027-03-10"]), 6_500);
    let team = there["2027-03-10"]["meta"]["tag"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["system"] == "urn:phr-core:event-team")
        .map(|t| t["code"].clone());
    assert_eq!(team, Some("minami".into()));
}

#[test]
fn consent_alone_is_not_membership_and_other_recipients_never_get_totals() {
    let (_d, s, h, _) = session();
    // Lifelog permitted for the campaign's purpose without joining: no event, no totals.
    s.set_consent(
        &h,
        ConsentRequest::permit(ORGANISER, &[DataCategory::Lifelog], &["walking_campaign"]),
    )
    .unwrap();
    let fake = FakeFhir::new();
    let r = sync_organiser(&s, &h, &fake);
    assert_eq!(r.totals_sent, 0, "{r:?}");
    assert!(fake.ids("Observation").is_empty());

    // A member's totals go to the organiser only.
    s.join_event(&h, EVENT, None).unwrap();
    assert_eq!(sync_organiser(&s, &h, &fake).totals_sent, 3);
    let health = FakeFhir::new();
    let r = s
        .sync_over(
            &h,
            sync_support::RECIPIENT,
            &options(),
            &NoProgress,
            &mut health.clone(),
        )
        .unwrap();
    assert_eq!(r.totals_sent, 0, "{r:?}");
    assert!(health.ids("Observation").is_empty());
}

#[test]
fn a_withdrawal_decided_outside_the_event_stops_the_totals_at_send_time() {
    let (_d, s, h, _) = session();
    s.join_event(&h, EVENT, None).unwrap();
    // The resident denies lifelog for the campaign from the consent screen, not by leaving.
    s.set_consent(
        &h,
        ConsentRequest::deny(ORGANISER, &[DataCategory::Lifelog], &["walking_campaign"]),
    )
    .unwrap();
    let fake = FakeFhir::new();
    let r = sync_organiser(&s, &h, &fake);
    assert_eq!(r.totals_sent, 0, "{r:?}");
    assert!(fake.ids("Observation").is_empty());
}

#[test]
fn erasing_the_record_deletes_the_totals_there_and_says_so_until_it_has() {
    let (_d, s, h, _) = session();
    s.join_event(&h, EVENT, None).unwrap();
    let fake = FakeFhir::new();
    sync_organiser(&s, &h, &fake);
    assert!(s.erased_copies_held(&h).unwrap().is_empty());

    s.erase_all_records(&h).unwrap();
    let held = s.erased_copies_held(&h).unwrap();
    assert_eq!(held.len(), 1);
    assert_eq!((held[0].recipient.as_str(), held[0].items), (ORGANISER, 3));

    let r = sync_organiser(&s, &h, &fake);
    assert_eq!(r.deleted, 3, "{r:?}");
    assert!(totals_there(&fake).is_empty());
    assert!(s.erased_copies_held(&h).unwrap().is_empty());
}

#[test]
fn a_server_that_fails_a_total_gets_it_at_the_next_sync_and_nothing_is_sent_twice() {
    let (_d, s, h, _) = session();
    s.join_event(&h, EVENT, None).unwrap();
    let fake = FakeFhir::new();
    // The batch of totals dies with the connection after the server applied it.
    fake.inject(On::Bundle, Fault::DropAfter, 1);
    let once = phr_core::sync::SyncOptions {
        max_attempts: 1,
        ..options()
    };
    let first = s.sync_over(&h, ORGANISER, &once, &NoProgress, &mut fake.clone());
    assert!(matches!(first, Err(phr_core::Error::Offline)), "{first:?}");
    assert_eq!(
        totals_there(&fake).len(),
        3,
        "applied there, unconfirmed here"
    );
    let r = sync_organiser(&s, &h, &fake);
    assert_eq!(r.totals_sent, 3, "{r:?}");
    assert_eq!(totals_there(&fake).len(), 3);
    let r = sync_organiser(&s, &h, &fake);
    assert_eq!(r.totals_sent, 0, "{r:?}");
}
