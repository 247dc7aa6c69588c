//! Points (issue #19 item 3) with the sample municipal programme (FY2026–FY2027: 10 a goal
//! day, 500 for completing the spring walk — confirmed by its organiser —, 1,000 for a checkup
//! once a fiscal year — confirmed by the health department): the ledger is recomputed from the
//! records by a reference model written here, only ever grows, takes back what rests on data
//! that is gone or on consent withdrawn, and a clock set back takes nothing.

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::steps_on;

use chrono::{Datelike, Duration, NaiveDate};
use phr_core::consent::{ConsentRequest, DataCategory, OperatorProfile, samples};
use phr_core::points::{EntryReason, LedgerEntry, PointsLedger};
use phr_core::records::{Checkup, CheckupCodeSystem, CheckupResult, Provenance};
use phr_core::store::testing::RawStore;
use phr_core::{ClinicalInput, Error, Session};
use std::collections::BTreeMap;

const EVENT: &str = "spring-walk-2027";

fn noon_jst(d: NaiveDate) -> i64 {
    d.and_hms_opt(3, 0, 0).unwrap().and_utc().timestamp()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn checkup_on(d: NaiveDate) -> ClinicalInput {
    ClinicalInput::Checkup(Checkup {
        date: d,
        program: "specific_health_checkup".into(),
        institution: "さくら健診センター".into(),
        institution_code: None,
        judgement: None,
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

/// The rule, stated apart from the code: what each (rule, occasion) should hold now.
struct World {
    today: NaiveDate,
    steps: BTreeMap<NaiveDate, u32>,
    checkups: Vec<NaiveDate>,
    joined_with_consent: bool,
    checkup_consent: bool,
}

fn model(w: &World) -> BTreeMap<(String, String), i64> {
    let (from, to) = (day(2026, 4, 1), day(2028, 3, 31));
    let last = (w.today - Duration::days(1)).min(to);
    let mut out = BTreeMap::new();
    // Hanako, born 1975, is an adult: the guideline's 8,000 a day (no goal of her own).
    for (d, n) in &w.steps {
        if *d >= from && *d <= last && *n >= 8_000 {
            out.insert(("goal-day".to_owned(), d.to_string()), 10);
        }
    }
    let march: Vec<u32> = (1..=31)
        .map(|x| w.steps.get(&day(2027, 3, x)).copied().unwrap_or(0))
        .collect();
    let completed = march.iter().all(|n| *n >= 8_000)
        && march.iter().map(|n| u64::from(*n)).sum::<u64>() >= 200_000;
    if w.joined_with_consent && completed && last >= day(2027, 3, 31) {
        out.insert(("spring-walk-completed".to_owned(), EVENT.to_owned()), 500);
    }
    if w.checkup_consent {
        for d in w.checkups.iter().filter(|d| **d >= from && **d <= last) {
            let fy = if d.month() >= 4 {
                d.year()
            } else {
                d.year() - 1
            };
            out.insert(("checkup-taken".to_owned(), format!("FY{fy}")), 1000);
        }
    }
    out
}

fn held(l: &PointsLedger) -> BTreeMap<(String, String), i64> {
    let mut out = BTreeMap::new();
    for e in &l.entries {
        *out.entry((e.rule.clone(), e.occasion.clone())).or_insert(0) += e.points;
    }
    out.retain(|_, v| *v != 0);
    out
}

/// The entries of `before` are still the first entries of `after`, unchanged.
fn only_appended(before: &[LedgerEntry], after: &[LedgerEntry]) {
    assert!(after.len() >= before.len());
    assert_eq!(&after[..before.len()], before, "an entry was rewritten");
}

fn setup() -> (tempfile::TempDir, Session, String, World) {
    let (dir, s, hanako, _) = common::session_with_two();
    let h = hanako.id;
    s.set_clock_for_tests(Some(noon_jst(day(2027, 3, 1))));
    s.set_operator_profile(samples::municipality()).unwrap();
    s.join_event(&h, EVENT, Some("kita")).unwrap();
    let today = day(2027, 4, 5);
    s.set_clock_for_tests(Some(noon_jst(today)));
    let mut steps: BTreeMap<NaiveDate, u32> = (1..=31).map(|x| (day(2027, 3, x), 9_000)).collect();
    steps.insert(day(2027, 2, 27), 12_000);
    steps.insert(day(2027, 4, 1), 5_000);
    steps.insert(today, 20_000); // today is not over: not judged
    let checkups = vec![day(2026, 6, 1), day(2026, 10, 1), day(2027, 4, 2)];
    let mut inputs: Vec<ClinicalInput> = steps
        .iter()
        .map(|(d, n)| steps_on(*d, f64::from(*n)))
        .collect();
    inputs.extend(checkups.iter().map(|d| checkup_on(*d)));
    s.add_records(&h, inputs, Provenance::Device, None).unwrap();
    let world = World {
        today,
        steps,
        checkups,
        joined_with_consent: true,
        checkup_consent: false,
    };
    (dir, s, h, world)
}

#[test]
fn the_ledger_is_what_the_records_earn_and_reading_it_again_adds_nothing() {
    let (_d, s, h, w) = setup();
    let first = s.points(&h).unwrap();
    assert_eq!(held(&first), model(&w));
    assert_eq!(first.balance, 32 * 10 + 500, "{:?}", first.entries);
    assert!(
        first
            .entries
            .iter()
            .all(|e| e.reason == EntryReason::Earned),
        "no checkup points without the health department's consent"
    );
    let walk = first
        .entries
        .iter()
        .find(|e| e.rule == "spring-walk-completed")
        .unwrap();
    assert_eq!(walk.occasion_date, day(2027, 3, 31));
    assert!(
        walk.reason_ja.contains("完走"),
        "the reason is shown with the entry"
    );
    let again = s.points(&h).unwrap();
    assert_eq!(again.entries, first.entries);
}

#[test]
fn consent_and_data_changes_append_awards_and_reversals_never_rewrite() {
    let (d, s, h, mut w) = setup();
    let first = s.points(&h).unwrap();

    // Consent to the health department: both fiscal years' checkups count, once each.
    s.set_consent(
        &h,
        ConsentRequest::permit(
            "health-dept",
            &[DataCategory::Checkup],
            &["specific_health_guidance"],
        ),
    )
    .unwrap();
    w.checkup_consent = true;
    let second = s.points(&h).unwrap();
    only_appended(&first.entries, &second.entries);
    assert_eq!(held(&second), model(&w));
    assert_eq!(second.balance - first.balance, 2_000);

    // A goal day whose steps are deleted is taken back, with the reason.
    let one = s
        .list_records(
            &h,
            &Default::default(),
            &phr_core::records::PageRequest::first(200),
        )
        .unwrap()
        .records
        .into_iter()
        .find(|r| r.meta.effective.utc_seconds == noon_jst(day(2027, 3, 31)) - 4 * 3600)
        .unwrap();
    s.delete_record(&h, &one.meta.id).unwrap();
    w.steps.remove(&day(2027, 3, 31));
    let third = s.points(&h).unwrap();
    only_appended(&second.entries, &third.entries);
    assert_eq!(held(&third), model(&w));
    let taken: Vec<_> = third.entries[second.entries.len()..].to_vec();
    assert!(
        taken.iter().any(|e| e.occasion == "2027-03-31"
            && e.points == -10
            && e.reason == EntryReason::DataChanged),
        "{taken:?}"
    );
    assert!(
        taken
            .iter()
            .any(|e| e.rule == "spring-walk-completed" && e.points == -500),
        "a day short, the walk is no longer completed: {taken:?}"
    );

    // The steps come back (a re-import), and the walk counts again.
    s.add_records(
        &h,
        vec![steps_on(day(2027, 3, 31), 9_000.0)],
        Provenance::Device,
        None,
    )
    .unwrap();
    w.steps.insert(day(2027, 3, 31), 9_000);
    let fourth = s.points(&h).unwrap();
    only_appended(&third.entries, &fourth.entries);
    assert_eq!(held(&fourth), model(&w));

    // Leaving the event withdraws the organiser's consent: its confirmed points go, the goal
    // days (which no one confirms) stay.
    s.leave_event(&h, EVENT).unwrap();
    w.joined_with_consent = false;
    let fifth = s.points(&h).unwrap();
    only_appended(&fourth.entries, &fifth.entries);
    assert_eq!(held(&fifth), model(&w));
    let last = fifth.entries.last().unwrap();
    assert_eq!(
        (last.rule.as_str(), last.points, last.reason),
        ("spring-walk-completed", -500, EntryReason::ConsentWithdrawn)
    );

    // A clock set back (behind the ledger's newest entry) changes nothing: consent decided
    // "later" is not read as never given, days not yet reached are not taken back.
    s.set_clock_for_tests(Some(noon_jst(day(2027, 3, 15))));
    let sixth = s.points(&h).unwrap();
    assert_eq!(sixth.entries, fifth.entries);

    // The ledger survives closing and reopening the store.
    drop(s);
    let s = Session::unlock(d.path(), phr_core::Unlock::Passphrase("correct horse")).unwrap();
    s.set_clock_for_tests(Some(noon_jst(w.today)));
    assert_eq!(s.points(&h).unwrap().entries, fifth.entries);
}

#[test]
fn the_store_itself_refuses_to_rewrite_an_entry() {
    let (d, s, h, _) = setup();
    let before = s.points(&h).unwrap();
    assert!(!before.entries.is_empty());
    drop(s);
    let store =
        phr_core::Store::unlock(d.path(), phr_core::Unlock::Passphrase("correct horse")).unwrap();
    let tried = store.raw_write("tester", |w| {
        w.tx()
            .execute("UPDATE points_ledger SET points = 100000", [])?;
        Ok(())
    });
    assert!(tried.is_err(), "an entry was rewritten");
    drop(store);
    let s = Session::unlock(d.path(), phr_core::Unlock::Passphrase("correct horse")).unwrap();
    s.set_clock_for_tests(Some(noon_jst(day(2027, 4, 5))));
    assert_eq!(s.points(&h).unwrap().entries, before.entries);
}

#[test]
fn a_programme_outside_the_rules_is_refused_naming_the_field() {
    let base: serde_json::Value = serde_json::from_str(samples::MUNICIPALITY_JSON).unwrap();
    let refused = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut p = base.clone();
        f(&mut p);
        match OperatorProfile::from_json(&p.to_string()) {
            Err(Error::InvalidInput { field, .. }) => field,
            other => panic!("accepted: {other:?}"),
        }
    };
    assert_eq!(
        refused(&|p| p["points"]["rules"][1]["earn"]["event"] = "autumn-walk".into()),
        "points.rules[1].earn.event"
    );
    assert_eq!(
        refused(&|p| p["points"]["rules"][2]["confirm"]["purpose"] = "walking_campaign".into()),
        "points.rules[2].confirm.purpose",
        "a checkup confirmed through a purpose that does not cover checkups"
    );
    assert_eq!(
        refused(&|p| p["points"]["rules"][1]["confirm"]["recipient"] = "health-dept".into()),
        "points.rules[1].confirm.purpose"
    );
    assert_eq!(
        refused(&|p| {
            // A second purpose for the organiser: still not the event's own.
            let mut twin = p["purposes"][1].clone();
            twin["code"] = "walking_campaign_twin".into();
            p["purposes"].as_array_mut().unwrap().push(twin);
            p["points"]["rules"][1]["confirm"]["purpose"] = "walking_campaign_twin".into();
        }),
        "points.rules[1].confirm",
        "an event's points are confirmed by its organiser for its own purpose"
    );
    assert_eq!(
        refused(&|p| {
            // No event; the campaign's purpose takes lifelog records as logged.
            p["events"] = serde_json::json!([]);
            p["points"]["rules"].as_array_mut().unwrap().remove(1);
            p["purposes"][1]["lifelog"] = "records".into();
            p["points"]["rules"][0]["confirm"] = serde_json::json!({
                "recipient": "walking-campaign", "purpose": "walking_campaign"
            });
        }),
        "points.rules[0].confirm.purpose",
        "a goal day is confirmed from daily step totals only"
    );
    assert_eq!(
        refused(&|p| p["points"]["rules"] = serde_json::json!([])),
        "points.rules"
    );
    assert_eq!(
        refused(&|p| p["points"]["to"] = "2029-05-01".into()),
        "points.to",
        "three years at most"
    );
    assert_eq!(
        refused(&|p| p["points"]["rules"][0]["points"] = 0.into()),
        "points.rules[0].points"
    );
    assert_eq!(
        refused(&|p| p["points"]["rules"][0]["id"] = "checkup-taken".into()),
        "points.rules[2].id"
    );
    assert_eq!(
        refused(&|p| p["points"]["to"] = "2026-03-31".into()),
        "points.to"
    );
}
