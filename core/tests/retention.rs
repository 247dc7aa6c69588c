//! Retention periods (GUIDELINE.md S-24): a record older than its category's period in the
//! operator profile is erased by the core — when the profile is installed and at each unlock —
//! audited, and deleted at a recipient at its next sync; categories without a rule are kept.

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod sync_support;

use phr_core::consent::{ConsentRequest, DataCategory, RetentionRule};
use phr_core::records::{ObservationInput, ObservationType, Provenance, Stamp};
use phr_core::sync::fake::FakeFhir;
use phr_core::{ClinicalInput, Session};
use sync_support::{GUIDANCE, RECIPIENT, profile_with, sync};

const DAY: i64 = 86_400;

fn at(s: &Session, days_ago: i64) -> Stamp {
    Stamp {
        utc_seconds: s.now().utc_seconds - days_ago * DAY,
        offset_seconds: 9 * 3600,
    }
}

fn obs(t: ObservationType, v: f64, when: Stamp) -> ClinicalInput {
    ClinicalInput::Observation(ObservationInput::simple(t, v, when))
}

fn body_for(years: u16) -> phr_core::consent::OperatorProfile {
    profile_with(|p| {
        p.retention = vec![RetentionRule {
            category: DataCategory::Body,
            years,
            basis: Some("運営者の保存期間規程".into()),
        }]
    })
}

#[test]
fn records_past_their_period_are_erased_audited_and_withdrawn_at_the_recipient() {
    let (_d, s, hanako, _) = common::session_with_two();
    let h = hanako.id.as_str();
    s.set_operator_profile(profile_with(|_| {})).unwrap();
    let old = at(&s, 6 * 366);
    let ids = s
        .add_records(
            h,
            vec![
                obs(ObservationType::Weight, 60.0, old),
                obs(ObservationType::Weight, 58.0, at(&s, 30)),
                obs(ObservationType::Steps, 7000.0, old),
            ],
            Provenance::SelfEntered,
            None,
        )
        .unwrap();
    s.set_consent(
        h,
        ConsentRequest::permit(RECIPIENT, &[DataCategory::Body], &[GUIDANCE]),
    )
    .unwrap();
    let fake = FakeFhir::new();
    sync(&s, h, &fake).unwrap();
    assert_eq!(fake.ids("Observation").len(), 2);

    // A five-year period for body: the six-year-old weight goes, the rest stays.
    s.set_operator_profile(body_for(5)).unwrap();
    assert!(s.get_record(h, &ids[0]).is_err(), "past its period");
    assert!(s.get_record(h, &ids[1]).is_ok());
    assert!(s.get_record(h, &ids[2]).is_ok(), "lifelog has no period");
    let audit = s.access_history(h, 10).unwrap();
    let entry = audit
        .iter()
        .find(|e| e.action == "retention_applied")
        .unwrap();
    assert_eq!(entry.record_ids, vec![ids[0].clone()]);
    sync(&s, h, &fake).unwrap();
    assert_eq!(
        fake.ids("Observation"),
        vec![ids[1].clone()],
        "deleted there too"
    );
    // Applying again erases nothing more.
    assert_eq!(s.apply_retention().unwrap(), 0);
}

#[test]
fn a_record_that_ages_past_its_period_goes_when_the_rule_runs_again() {
    let (_d, s, hanako, _) = common::session_with_two();
    let h = hanako.id.clone();
    let now = s.now().utc_seconds;
    s.set_operator_profile(body_for(1)).unwrap();
    let id = s
        .add_record(
            &h,
            obs(ObservationType::Weight, 60.0, at(&s, 300)),
            Provenance::SelfEntered,
            None,
        )
        .unwrap()
        .meta
        .id;
    assert_eq!(s.apply_retention().unwrap(), 0, "300 days: within a year");
    // 100 days later: past a year (at unlock the same rule runs: cli/tests/compliance.rs).
    s.set_clock_for_tests(Some(now + 100 * DAY));
    assert_eq!(s.apply_retention().unwrap(), 1);
    assert!(s.get_record(&h, &id).is_err());
}

#[test]
fn a_period_out_of_range_is_refused_naming_it() {
    let mut v = serde_json::to_value(profile_with(|_| {})).unwrap();
    v["retention"] = serde_json::json!([{ "category": "vitals", "years": 0 }]);
    let e = phr_core::consent::OperatorProfile::from_json(&v.to_string()).unwrap_err();
    assert!(
        matches!(&e, phr_core::Error::InvalidInput { field, .. } if field == "retention[0].years"),
        "{e:?}"
    );
}
