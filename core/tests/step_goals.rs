//! Step goals (issue #19 item 1) on a fixed clock: Thursday 2027-01-14, 12:00 in Tokyo.
//! Hanako (born 1975) starts from the adult guideline, taro (born 1945) from the older adults'.

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::steps_on;

use chrono::{Duration, NaiveDate};
use phr_core::family::{Grantee, NewDelegation, Scope};
use phr_core::goals::GoalSource;
use phr_core::records::Provenance;
use phr_core::{Error, Session};

const NOW: i64 = 1_799_895_600; // 2027-01-14T03:00:00Z = 12:00 JST
const PASS: &str = "correct horse";

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2027, 1, 14).unwrap()
}

fn log(s: &Session, subject: &str, days: &[(i64, f64)]) {
    let inputs = days
        .iter()
        .map(|&(ago, n)| steps_on(today() - Duration::days(ago), n))
        .collect();
    s.add_records(subject, inputs, Provenance::Device, None)
        .unwrap();
}

#[test]
fn the_default_goal_follows_the_guideline_for_the_age() {
    let (_d, s, hanako, taro) = common::session_with_two();
    s.set_clock_for_tests(Some(NOW));
    let h = s.step_progress(&hanako.id).unwrap();
    assert_eq!(h.goal.daily_steps, 8_000);
    assert_eq!(h.goal.source, GoalSource::AdultGuideline);
    let t = s.as_person(&taro.id).step_progress(&taro.id).unwrap();
    assert_eq!(t.goal.daily_steps, 6_000);
    assert_eq!(t.goal.source, GoalSource::OlderAdultGuideline);
    // No steps at all: nothing met, nothing to count, the whole goal still to walk.
    assert_eq!(
        (h.today_steps, h.remaining_today, h.streak_days),
        (0, 8_000, 0)
    );
    assert_eq!(h.week_from, NaiveDate::from_ymd_opt(2027, 1, 11).unwrap());
    assert_eq!(h.week.len(), 4, "Monday to Thursday");
    assert_eq!(h.week_days_met, 0);
}

#[test]
fn the_week_and_the_streak_count_met_days_and_today_in_progress_keeps_the_streak() {
    let (_d, s, hanako, _) = common::session_with_two();
    s.set_clock_for_tests(Some(NOW));
    let h = hanako.id.as_str();
    // Missed 6 days ago; met 5..1 days ago (two readings on one day add up); 3,000 so far today.
    log(
        &s,
        h,
        &[
            (6, 7_999.0),
            (5, 8_000.0),
            (4, 12_000.0),
            (3, 5_000.0),
            (3, 3_000.0),
            (2, 8_500.0),
            (1, 9_000.0),
            (0, 3_000.0),
        ],
    );
    let p = s.step_progress(h).unwrap();
    assert_eq!(
        p.streak_days, 5,
        "today is still in progress: the streak stands"
    );
    assert_eq!((p.today_steps, p.remaining_today), (3_000, 5_000));
    // This week is Monday 11 (3 days ago) to today.
    assert_eq!(p.week_days_met, 3);
    assert_eq!(p.week_steps, 8_000 + 8_500 + 9_000 + 3_000);
    assert!(!p.week.last().unwrap().met);

    log(&s, h, &[(0, 5_000.0)]);
    let p = s.step_progress(h).unwrap();
    assert_eq!((p.streak_days, p.remaining_today), (6, 0), "met today too");
    assert_eq!(p.week_days_met, 4);

    // The summary carries the same progress.
    let o = s.overview(h).unwrap();
    assert_eq!(o.steps, p);
    assert_eq!(o.steps_this_week, f64::from(p.week_steps));
}

#[test]
fn a_streak_longer_than_a_year_is_counted_in_full() {
    let (_d, s, hanako, _) = common::session_with_two();
    s.set_clock_for_tests(Some(NOW));
    let days: Vec<(i64, f64)> = (0..800).map(|ago| (ago, 8_000.0)).collect();
    log(&s, &hanako.id, &days);
    assert_eq!(s.step_progress(&hanako.id).unwrap().streak_days, 800);
}

#[test]
fn a_new_goal_holds_from_today_and_past_days_keep_theirs() {
    let (dir, s, hanako, _) = common::session_with_two();
    s.set_clock_for_tests(Some(NOW));
    let h = hanako.id.as_str();
    log(&s, h, &[(2, 8_200.0), (1, 8_300.0), (0, 9_000.0)]);
    assert_eq!(s.step_progress(h).unwrap().streak_days, 3);

    // Raised today: today is short of 10,000, yesterday and the day before still count.
    let p = s.set_step_goal(h, Some(10_000)).unwrap();
    assert_eq!(p.goal.daily_steps, 10_000);
    assert_eq!(p.goal.source, GoalSource::Personal);
    assert_eq!(
        p.guideline.daily_steps, 8_000,
        "the guideline stays visible"
    );
    assert_eq!((p.streak_days, p.remaining_today), (2, 1_000));
    let week: Vec<u32> = p.week.iter().map(|d| d.goal).collect();
    assert_eq!(week, [8_000, 8_000, 8_000, 10_000]);

    // The next day the goal still holds; a second change on one day replaces the first.
    s.set_clock_for_tests(Some(NOW + 86_400));
    s.set_step_goal(h, Some(7_000)).unwrap();
    let p = s.set_step_goal(h, Some(7_500)).unwrap();
    let week: Vec<u32> = p.week.iter().map(|d| d.goal).collect();
    assert_eq!(week, [8_000, 8_000, 8_000, 10_000, 7_500]);

    // Kept across a lock and unlock (it is in the encrypted store), and audited.
    drop(s);
    let s = Session::unlock(dir.path(), phr_core::Unlock::Passphrase(PASS)).unwrap();
    s.set_clock_for_tests(Some(NOW + 86_400));
    assert_eq!(s.step_progress(h).unwrap().goal.daily_steps, 7_500);
    let set = s
        .audit_entries(100, None)
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "step_goal_set" && e.subject == hanako.id)
        .count();
    assert_eq!(set, 3);

    // Back to the guideline.
    let p = s.set_step_goal(h, None).unwrap();
    assert_eq!(p.goal.source, GoalSource::AdultGuideline);
    assert_eq!(p.week.last().unwrap().goal, 8_000);
    assert_eq!(p.week[3].goal, 10_000, "Thursday keeps the goal it had");
}

#[test]
fn a_goal_out_of_range_is_refused_naming_the_field_and_nothing_changes() {
    let (_d, s, hanako, _) = common::session_with_two();
    s.set_clock_for_tests(Some(NOW));
    let h = hanako.id.as_str();
    s.set_step_goal(h, Some(9_000)).unwrap();
    for bad in [0, 499, 50_001, 80_000] {
        match s.set_step_goal(h, Some(bad)) {
            Err(Error::InvalidInput { field, .. }) => assert_eq!(field, "daily_steps"),
            other => panic!("{bad}: {other:?}"),
        }
    }
    assert_eq!(s.step_progress(h).unwrap().goal.daily_steps, 9_000);
}

#[test]
fn after_the_clock_ran_ahead_the_newest_decision_holds_from_today() {
    let (_d, s, hanako, _) = common::session_with_two();
    let h = hanako.id.as_str();
    s.set_clock_for_tests(Some(NOW + 30 * 86_400));
    s.set_step_goal(h, Some(12_000)).unwrap();
    // The clock is put right, and the resident sets the goal again.
    s.set_clock_for_tests(Some(NOW));
    assert_eq!(s.step_progress(h).unwrap().goal.daily_steps, 8_000);
    s.set_step_goal(h, Some(9_000)).unwrap();
    s.set_clock_for_tests(Some(NOW + 40 * 86_400));
    assert_eq!(s.step_progress(h).unwrap().goal.daily_steps, 9_000);
}

#[test]
fn a_viewer_sees_the_progress_but_cannot_change_the_goal() {
    let (_d, s, hanako, taro) = common::session_with_two();
    s.set_clock_for_tests(Some(NOW));
    let h = hanako.id.as_str();
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
    s.set_step_goal(h, Some(9_000)).unwrap();
    let as_taro = s.as_person(&taro.id);
    assert_eq!(as_taro.step_progress(h).unwrap().goal.daily_steps, 9_000);
    assert!(matches!(
        as_taro.set_step_goal(h, Some(3_000)),
        Err(Error::NotPermitted { .. })
    ));
    assert_eq!(s.step_progress(h).unwrap().goal.daily_steps, 9_000);
}

#[test]
fn erasing_all_of_a_persons_data_takes_the_goal_history_too() {
    let (_d, s, hanako, _) = common::session_with_two();
    s.set_clock_for_tests(Some(NOW));
    let h = hanako.id.as_str();
    log(&s, h, &[(0, 9_000.0)]);
    s.set_step_goal(h, Some(9_000)).unwrap();
    s.erase_all_records(h).unwrap();
    let p = s.step_progress(h).unwrap();
    assert_eq!(p.goal.source, GoalSource::AdultGuideline);
    assert_eq!(p.today_steps, 0);
}
