//! The morning summary (issue #17 item 3) on a fixed clock: Thursday 2027-01-14, 12:00 in Tokyo.

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::NaiveDate;
use phr_core::ClinicalInput;
use phr_core::consent::{ConsentRequest, DataCategory, samples};
use phr_core::family::{Grantee, NewDelegation, Scope};
use phr_core::guidance::Level;
use phr_core::records::{
    Checkup, CheckupCodeSystem, CheckupResult, ObservationInput, ObservationType, Provenance, Stamp,
};

const NOW: i64 = 1_799_895_600; // 2027-01-14T03:00:00Z

fn jst(date: &str, hour: u32) -> Stamp {
    let d = NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
    let t = d.and_hms_opt(hour, 0, 0).unwrap().and_utc().timestamp() - 9 * 3600;
    Stamp {
        utc_seconds: t,
        offset_seconds: 9 * 3600,
    }
}

fn steps(v: f64, date: &str) -> ClinicalInput {
    ClinicalInput::Observation(ObservationInput::simple(
        ObservationType::Steps,
        v,
        jst(date, 8),
    ))
}

fn checkup(date: &str) -> ClinicalInput {
    ClinicalInput::Checkup(Checkup {
        date: NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap(),
        program: "specific_health_checkup".into(),
        institution: "さくら健診センター".into(),
        institution_code: None,
        judgement: Some("要指導".into()),
        results: vec![CheckupResult {
            code_system: CheckupCodeSystem::Tokutei,
            code: "9N001000000000001".into(),
            name: "身長".into(),
            value_num: Some(158.0),
            value_code: None,
            value_system: None,
            value_text: None,
            unit: Some("cm".into()),
            ref_low: None,
            ref_high: None,
            flag: None,
        }],
    })
}

#[test]
fn the_summary_holds_latest_levels_the_weeks_steps_checkups_sharing_and_the_outbox() {
    let (_d, s, hanako, taro) = common::session_with_two();
    s.set_clock_for_tests(Some(NOW));
    let h = hanako.id.as_str();

    // Nothing yet: an empty summary, not an error (no operator profile installed either).
    let empty = s.overview(h).unwrap();
    assert!(empty.latest.is_empty() && empty.shared.is_empty() && empty.family.is_empty());
    assert_eq!(empty.steps_this_week, 0.0);
    assert_eq!(
        empty.week_from,
        NaiveDate::from_ymd_opt(2027, 1, 11).unwrap()
    );
    assert_eq!((empty.last_checkup, empty.next_checkup_due), (None, None));

    s.add_records(
        h,
        vec![
            steps(9999.0, "2027-01-10"), // Sunday: last week
            steps(1000.0, "2027-01-11"),
            steps(2000.0, "2027-01-13"),
            steps(500.0, "2027-01-14"),
            ClinicalInput::Observation(ObservationInput::blood_pressure(
                142.0,
                88.0,
                None,
                jst("2027-01-14", 7),
            )),
            checkup("2025-06-02"),
            checkup("2026-06-10"),
        ],
        Provenance::Device,
        None,
    )
    .unwrap();
    s.set_operator_profile(samples::municipality()).unwrap();
    s.set_consent(
        h,
        ConsentRequest::permit(
            "health-dept",
            &[DataCategory::Vitals, DataCategory::Checkup],
            &["specific_health_guidance"],
        ),
    )
    .unwrap();
    s.grant(
        h,
        NewDelegation {
            grantee: Grantee::Person(taro.id.clone()),
            scopes: vec![Scope::View],
            valid_from: None,
            valid_until: None,
            representative_basis: None,
            basis_note: None,
        },
    )
    .unwrap();

    let o = s.overview(h).unwrap();
    assert_eq!(
        o.steps_this_week, 3500.0,
        "Monday to today, not last Sunday"
    );
    let bp = o
        .latest
        .iter()
        .find(|t| t.observation_type == ObservationType::BloodPressure)
        .unwrap();
    assert_eq!(
        bp.level,
        Some(Level::SeeDoctor),
        "142/88 is at 受診勧奨 level"
    );
    let last = o.last_checkup.as_ref().unwrap();
    assert!(
        matches!(&last.body, phr_core::records::RecordBody::Checkup(c)
        if c.date == NaiveDate::from_ymd_opt(2026, 6, 10).unwrap())
    );
    assert_eq!(o.next_checkup_due, NaiveDate::from_ymd_opt(2027, 6, 10));
    assert_eq!(o.shared.len(), 1);
    assert_eq!(o.shared[0].recipient, "health-dept");
    let mut cats = o.shared[0].categories.clone();
    cats.sort_by_key(|c| c.as_str());
    assert_eq!(cats, vec![DataCategory::Checkup, DataCategory::Vitals]);
    assert_eq!(o.family.len(), 1, "taro, not hanako herself");
    assert_eq!(o.family[0].grantee_nickname.as_deref(), Some("taro"));
    // The permit queued the blood pressure and both checkups (standing consent).
    assert_eq!(o.waiting_to_sync.len(), 1);
    assert_eq!(o.waiting_to_sync[0].items, 3);

    // A viewer (taro holds `view`) sees the same summary of the record he may view.
    let as_taro = s.as_person(&taro.id).overview(h).unwrap();
    assert_eq!(as_taro.steps_this_week, 3500.0);
    assert_eq!(as_taro.waiting_to_sync, o.waiting_to_sync);
}
