//! Record benchmarks (issue "Health record model…"):
//! - logging one blood pressure with its audit entry (goal: median ≤ 1 ms);
//! - 30-day and 12-month dashboards over 10 years of minute-level steps, ~5.26 M rows (goal ≤ 5 ms);
//! - one timeline page (goal ≤ 5 ms).
//!
//! The 10-year store is built once into target/bench-data and reused (building it takes minutes).

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Duration;
use criterion::{Criterion, criterion_group, criterion_main};
use phr_core::records::*;
use phr_core::{ClinicalInput, KdfParams, Session, Unlock};
use std::path::PathBuf;
use std::time::Instant;

const PASS: &str = "bench passphrase";
const MINUTES_PER_DAY: i64 = 1440;
const DAYS: i64 = 3650;

fn kdf() -> KdfParams {
    KdfParams::cheap()
}

fn new_person(nick: &str) -> NewPerson {
    NewPerson {
        nickname: nick.into(),
        family_name: "山田".into(),
        given_name: "花子".into(),
        family_name_kana: None,
        given_name_kana: None,
        birth_date: chrono::NaiveDate::from_ymd_opt(1975, 5, 3).unwrap(),
        sex: Sex::Female,
        insurer_number: None,
        insured_symbol: None,
        insured_number: None,
        municipality_code: None,
    }
}

/// The 10-year minute-level steps store, built on first use.
fn ten_year_store() -> (Session, String) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench-data/steps-10y");
    let done = dir.join("complete");
    if done.exists() {
        let s = Session::unlock(&dir, Unlock::Passphrase(PASS)).unwrap();
        let id = s.owner().unwrap().unwrap().id;
        return (s, id);
    }
    let _ = std::fs::remove_dir_all(&dir);
    let s = Session::create(&dir, PASS, kdf()).unwrap();
    let me = s.add_person(new_person("hanako")).unwrap().id;
    let start = phr_core::clock::Clock::from_environment().now().timestamp() - DAYS * 86_400;
    let started = Instant::now();
    for day in 0..DAYS {
        let batch: Vec<ClinicalInput> = (0..MINUTES_PER_DAY)
            .map(|m| {
                let t = start + day * 86_400 + m * 60;
                // A plausible day: nothing at night, bursts when walking.
                let v = ((m * 7 + day * 13) % 97) as f64;
                ClinicalInput::Observation(ObservationInput::simple(
                    ObservationType::Steps,
                    v,
                    Stamp {
                        utc_seconds: t,
                        offset_seconds: 9 * 3600,
                    },
                ))
            })
            .collect();
        s.add_records(&me, batch, Provenance::Device, Some("bench"))
            .unwrap();
        if day % 365 == 0 {
            eprintln!(
                "  built {} days ({} rows) in {:.0?}",
                day,
                day * MINUTES_PER_DAY,
                started.elapsed()
            );
        }
    }
    let rows = DAYS * MINUTES_PER_DAY;
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "built {rows} rows in {secs:.1}s ({:.0} rows/s through Session::add_records)",
        rows as f64 / secs
    );
    std::fs::write(&done, "").unwrap();
    (s, me)
}

fn bench_log_bp(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let s = Session::create(dir.path(), PASS, kdf()).unwrap();
    let me = s.add_person(new_person("hanako")).unwrap().id;
    let at = Stamp {
        utc_seconds: phr_core::clock::Clock::from_environment().now().timestamp() - 60,
        offset_seconds: 9 * 3600,
    };
    c.bench_function("log one blood pressure (with audit entry)", |b| {
        b.iter(|| {
            s.log_observation(
                &me,
                ObservationInput::blood_pressure(128.0, 82.0, Some(64.0), at),
            )
            .unwrap()
        })
    });
}

fn bench_dashboards(c: &mut Criterion) {
    let (s, me) = ten_year_store();
    let today = phr_core::clock::Clock::from_environment()
        .now()
        .date_naive();
    let q30 = AggregateQuery {
        observation_type: ObservationType::Steps,
        granularity: Granularity::Day,
        from: today - Duration::days(29),
        to: today,
        time_zone: None,
    };
    let q12 = AggregateQuery {
        observation_type: ObservationType::Steps,
        granularity: Granularity::Month,
        from: today - Duration::days(364),
        to: today,
        time_zone: None,
    };
    let mut g = c.benchmark_group("dashboard over 10 years of minute-level steps");
    g.sample_size(50);
    g.bench_function("30-day daily totals", |b| {
        b.iter(|| s.aggregate(&me, &q30).unwrap())
    });
    g.bench_function("12-month monthly totals", |b| {
        b.iter(|| s.aggregate(&me, &q12).unwrap())
    });
    g.bench_function("latest value of every type", |b| {
        b.iter(|| s.latest_observations(&me).unwrap())
    });
    g.bench_function("one timeline page (50 records)", |b| {
        b.iter(|| s.timeline(&me, &PageRequest::first(50)).unwrap())
    });
    let deep = {
        let mut p = PageRequest::first(50);
        for _ in 0..20 {
            p.after = s.timeline(&me, &p).unwrap().next;
        }
        p
    };
    g.bench_function("timeline page 21 (keyset paging)", |b| {
        b.iter(|| s.timeline(&me, &deep).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench_log_bp, bench_dashboards);
criterion_main!(benches);
