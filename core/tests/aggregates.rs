//! Aggregates agree with values computed independently here, in several time zones: Tokyo
//! (whole-hour, the hourly roll-up), New York (daylight saving) and Kolkata (+05:30, raw rows).

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{Datelike, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use common::*;
use phr_core::records::*;
use phr_core::{ClinicalInput, Session};
use proptest::prelude::*;
use std::collections::BTreeMap;

#[derive(Default, Debug)]
struct Expected {
    count: i64,
    sum: f64,
    min: f64,
    max: f64,
    sum2: f64,
}

fn bucket_start(g: Granularity, d: NaiveDate) -> NaiveDate {
    match g {
        Granularity::Day => d,
        Granularity::Week => d - Duration::days(i64::from(d.weekday().num_days_from_monday())),
        Granularity::Month => d.with_day(1).unwrap(),
    }
}

fn expected(
    points: &[(i64, f64, f64)],
    tz: Tz,
    g: Granularity,
    from: NaiveDate,
    to: NaiveDate,
) -> BTreeMap<NaiveDate, Expected> {
    let mut out: BTreeMap<NaiveDate, Expected> = BTreeMap::new();
    for &(t, v, v2) in points {
        let local = Utc
            .timestamp_opt(t, 0)
            .unwrap()
            .with_timezone(&tz)
            .date_naive();
        if local < from || local > to {
            continue;
        }
        let e = out.entry(bucket_start(g, local)).or_insert(Expected {
            min: f64::MAX,
            max: f64::MIN,
            ..Default::default()
        });
        e.count += 1;
        e.sum += v;
        e.sum2 += v2;
        e.min = e.min.min(v);
        e.max = e.max.max(v);
    }
    out
}

#[allow(clippy::too_many_arguments)] // a test oracle: every axis of the query is a parameter
fn check(
    s: &Session,
    who: &str,
    ty: ObservationType,
    points: &[(i64, f64, f64)],
    zone: &str,
    g: Granularity,
    from: NaiveDate,
    to: NaiveDate,
) {
    let tz: Tz = zone.parse().unwrap();
    let q = AggregateQuery {
        observation_type: ty,
        granularity: g,
        from,
        to,
        time_zone: Some(zone.into()),
    };
    let buckets = s.aggregate(who, &q).unwrap();
    // The first and last buckets may reach beyond from..to (whole weeks and months): compare
    // against the same points restricted to the full span of the buckets.
    let span_from = buckets.first().unwrap().start;
    let span_to = match g {
        Granularity::Day => to,
        Granularity::Week => buckets.last().unwrap().start + Duration::days(6),
        Granularity::Month => buckets
            .last()
            .unwrap()
            .start
            .checked_add_months(chrono::Months::new(1))
            .unwrap()
            .pred_opt()
            .unwrap(),
    };
    let want = expected(points, tz, g, span_from, span_to);
    for b in &buckets {
        match want.get(&b.start) {
            None => assert_eq!(b.count, 0, "{zone} {g:?} {} should be empty", b.start),
            Some(e) => {
                assert_eq!(b.count, e.count, "{zone} {g:?} {}", b.start);
                assert!((b.sum.unwrap() - e.sum).abs() < 1e-6);
                assert!((b.min.unwrap() - e.min).abs() < 1e-9);
                assert!((b.max.unwrap() - e.max).abs() < 1e-9);
                assert!((b.mean.unwrap() - e.sum / e.count as f64).abs() < 1e-6);
                if ty == ObservationType::BloodPressure {
                    assert!((b.mean2.unwrap() - e.sum2 / e.count as f64).abs() < 1e-6);
                }
            }
        }
    }
    let total: i64 = buckets.iter().map(|b| b.count).sum();
    assert_eq!(total, want.values().map(|e| e.count).sum::<i64>());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn aggregates_match_an_independent_computation(
        steps in prop::collection::vec((0i64..80 * 86_400, 0u32..20_000), 1..120),
        bps in prop::collection::vec((0i64..80 * 86_400, 90u32..180, 0u32..30, prop::option::of(40u32..160)), 1..40),
        pulses in prop::collection::vec((0i64..80 * 86_400, 40u32..160), 0..20),
    ) {
        let (_dir, s, hanako, _) = session_with_two();
        let h = &hanako.id;
        let now = phr_core::clock::Clock::from_environment().now().timestamp() - 60;
        let step_points: Vec<(i64, f64, f64)> = steps.iter().map(|&(ago, v)| (now - ago, f64::from(v), 0.0)).collect();
        let bp_points: Vec<(i64, f64, f64)> = bps.iter().map(|&(ago, sys, gap, _)| (now - ago, f64::from(sys), f64::from(sys - 30 - gap))).collect();
        let alone: Vec<(i64, f64, f64)> = pulses.iter().map(|&(ago, p)| (now - ago, f64::from(p), 0.0)).collect();
        // The rule, stated here: the pulse series is every pulse entered alone and every pulse
        // entered with a blood pressure.
        let pulse_points: Vec<(i64, f64, f64)> = alone
            .iter()
            .copied()
            .chain(bps.iter().filter_map(|&(ago, _, _, p)| p.map(|p| (now - ago, f64::from(p), 0.0))))
            .collect();
        let inputs: Vec<ClinicalInput> = step_points
            .iter()
            .map(|&(t, v, _)| ClinicalInput::Observation(ObservationInput::simple(ObservationType::Steps, v, Stamp { utc_seconds: t, offset_seconds: 9 * 3600 })))
            .chain(bp_points.iter().zip(&bps).map(|(&(t, sys, dia), &(_, _, _, p))| {
                ClinicalInput::Observation(ObservationInput::blood_pressure(sys, dia, p.map(f64::from), Stamp { utc_seconds: t, offset_seconds: 9 * 3600 }))
            }))
            .chain(alone.iter().map(|&(t, p, _)| {
                ClinicalInput::Observation(ObservationInput::simple(ObservationType::Pulse, p, Stamp { utc_seconds: t, offset_seconds: 9 * 3600 }))
            }))
            .collect();
        s.add_records(h, inputs, Provenance::Device, None).unwrap();
        let today = phr_core::clock::Clock::from_environment().now().date_naive();
        let from = today - Duration::days(85);
        for zone in ["Asia/Tokyo", "America/New_York", "Asia/Kolkata"] {
            for g in [Granularity::Day, Granularity::Week, Granularity::Month] {
                check(&s, h, ObservationType::Steps, &step_points, zone, g, from, today);
                check(&s, h, ObservationType::BloodPressure, &bp_points, zone, g, from, today);
                check(&s, h, ObservationType::Pulse, &pulse_points, zone, g, from, today);
            }
        }
    }
}

#[test]
fn deleting_and_editing_keep_aggregates_right() {
    let (_dir, s, hanako, _) = session_with_two();
    let h = &hanako.id;
    let t = phr_core::clock::Clock::from_environment().now().timestamp() - 3 * 86_400;
    let at = |dt: i64| Stamp {
        utc_seconds: t + dt,
        offset_seconds: 9 * 3600,
    };
    let a = s
        .log_observation(
            h,
            ObservationInput::blood_pressure(150.0, 90.0, None, at(0)),
        )
        .unwrap();
    s.log_observation(
        h,
        ObservationInput::blood_pressure(120.0, 80.0, None, at(60)),
    )
    .unwrap();
    let day = Utc
        .timestamp_opt(t, 0)
        .unwrap()
        .with_timezone(&chrono_tz::Asia::Tokyo)
        .date_naive();
    let q = AggregateQuery {
        observation_type: ObservationType::BloodPressure,
        granularity: Granularity::Day,
        from: day,
        to: day,
        time_zone: None,
    };
    let b = &s.aggregate(h, &q).unwrap()[0];
    assert_eq!((b.count, b.max, b.min), (2, Some(150.0), Some(120.0)));
    s.update_record(
        h,
        &a.meta.id,
        ClinicalInput::Observation(ObservationInput::blood_pressure(130.0, 85.0, None, at(0))),
    )
    .unwrap();
    let b = &s.aggregate(h, &q).unwrap()[0];
    assert_eq!((b.count, b.max, b.min), (2, Some(130.0), Some(120.0)));
    s.delete_record(h, &a.meta.id).unwrap();
    let b = &s.aggregate(h, &q).unwrap()[0];
    assert_eq!((b.count, b.max, b.mean2), (1, Some(120.0), Some(80.0)));
}

#[test]
fn the_pulse_of_a_blood_pressure_follows_its_edits_and_deletion() {
    let (_dir, s, hanako, _) = session_with_two();
    let h = &hanako.id;
    let t = phr_core::clock::Clock::from_environment().now().timestamp() - 3 * 86_400;
    let at = Stamp {
        utc_seconds: t,
        offset_seconds: 9 * 3600,
    };
    let bp = |pulse| {
        ClinicalInput::Observation(ObservationInput::blood_pressure(128.0, 82.0, pulse, at))
    };
    let pulse = |zone: &str| {
        let tz: Tz = zone.parse().unwrap();
        let day = Utc
            .timestamp_opt(t, 0)
            .unwrap()
            .with_timezone(&tz)
            .date_naive();
        let q = AggregateQuery {
            observation_type: ObservationType::Pulse,
            granularity: Granularity::Day,
            from: day,
            to: day,
            time_zone: Some(zone.into()),
        };
        let b = &s.aggregate(h, &q).unwrap()[0];
        (b.count, b.max)
    };
    let listed = || {
        let f = RecordFilter {
            observation_type: Some(ObservationType::Pulse),
            ..RecordFilter::default()
        };
        s.list_records(h, &f, &PageRequest::first(10))
            .unwrap()
            .records
            .len()
    };
    let ids = s
        .add_records(h, vec![bp(Some(64.0))], Provenance::Device, None)
        .unwrap();
    assert_eq!(
        (pulse("Asia/Tokyo"), pulse("Asia/Kolkata"), listed()),
        ((1, Some(64.0)), (1, Some(64.0)), 1)
    );
    s.update_record(h, &ids[0], bp(Some(71.0))).unwrap();
    assert_eq!(pulse("Asia/Tokyo"), (1, Some(71.0)));
    s.update_record(h, &ids[0], bp(None)).unwrap();
    assert_eq!(
        (pulse("Asia/Tokyo"), listed()),
        ((0, None), 0),
        "the pulse was removed from the entry"
    );
    s.update_record(h, &ids[0], bp(Some(66.0))).unwrap();
    s.delete_record(h, &ids[0]).unwrap();
    assert_eq!(
        (pulse("Asia/Tokyo"), pulse("Asia/Kolkata"), listed()),
        ((0, None), (0, None), 0)
    );
}

#[test]
fn a_range_the_wrong_way_round_is_refused() {
    let (_dir, s, hanako, _) = session_with_two();
    let q = AggregateQuery {
        observation_type: ObservationType::Steps,
        granularity: Granularity::Day,
        from: NaiveDate::from_ymd_opt(2026, 2, 1).unwrap(),
        to: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        time_zone: None,
    };
    assert!(
        matches!(s.aggregate(&hanako.id, &q), Err(phr_core::Error::InvalidInput { field, .. }) if field == "to")
    );
}
