//! Schema v12: a store written by a v11 build, whose blood pressures carry their pulse, opens
//! with the current code and its pulse series holds those pulses beside the pulses entered
//! alone: stats and charts of pulse read them (the roll-ups are rebuilt, whatever the zone).

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{PASS, kdf};
use phr_core::records::*;
use phr_core::store::testing::create_at_version_with;
use phr_core::{Session, Unlock};

/// 2026-09-21 23:13:20 JST is 1790000000; the pulse alone an hour later (the next JST day).
const V11_ROWS: &str = "
INSERT INTO person (id, nickname, family_name, given_name, birth_date, sex, is_owner, version,
    created_utc, updated_utc)
VALUES ('p1', 'taro', '山田', '太郎', '1960-04-12', 'male', 1, 1, '2026-01-01T00:00:00Z',
    '2026-01-01T00:00:00Z');
INSERT INTO member (person_id) VALUES ('p1');
INSERT INTO record (id, subject_id, kind, effective_utc, effective_offset, version, created_utc,
    created_offset, updated_utc, updated_offset, provenance, source, deleted_utc, original_json)
VALUES
 ('r-bp', 'p1', 'observation', 1790000000, 32400, 1, 1790000000, 32400, 1790000000, 32400, 'device', NULL, NULL, NULL),
 ('r-bp2', 'p1', 'observation', 1790000100, 32400, 1, 1790000100, 32400, 1790000100, 32400, 'device', NULL, NULL, NULL),
 ('r-pulse', 'p1', 'observation', 1790003600, 32400, 1, 1790003600, 32400, 1790003600, 32400, 'device', NULL, NULL, NULL);
INSERT INTO observation (record_id, subject_id, type, code, unit, value, value2, value3, qualifier,
    effective_utc, derived_from)
VALUES ('r-bp', 'p1', 'blood_pressure', '85354-9', 'mm[Hg]', 128, 82, 64, '', 1790000000, NULL),
       ('r-bp2', 'p1', 'blood_pressure', '85354-9', 'mm[Hg]', 126, 80, NULL, '', 1790000100, NULL),
       ('r-pulse', 'p1', 'pulse', '8867-4', '/min', 70, NULL, NULL, '', 1790003600, NULL);
INSERT INTO observation_hourly VALUES ('p1', 'blood_pressure', 497222, 2, 254, 126, 128, 162, 80, 82),
                                      ('p1', 'pulse', 497223, 1, 70, 70, 70, NULL, NULL, NULL);
INSERT INTO observation_daily_jst VALUES ('p1', 'blood_pressure', 20717, 2, 254, 126, 128, 162, 80, 82),
                                         ('p1', 'pulse', 20718, 1, 70, 70, 70, NULL, NULL, NULL);
";

fn pulse_days(s: &Session, zone: &str) -> Vec<(i64, Option<f64>)> {
    let q = AggregateQuery {
        observation_type: ObservationType::Pulse,
        granularity: Granularity::Day,
        from: chrono::NaiveDate::from_ymd_opt(2026, 9, 21).unwrap(),
        to: chrono::NaiveDate::from_ymd_opt(2026, 9, 22).unwrap(),
        time_zone: Some(zone.into()),
    };
    s.aggregate("p1", &q)
        .unwrap()
        .iter()
        .map(|b| (b.count, b.mean))
        .collect()
}

#[test]
fn a_v11_store_counts_the_pulse_of_its_blood_pressures() {
    let dir = tempfile::tempdir().unwrap();
    create_at_version_with(dir.path(), PASS, kdf(), 11, V11_ROWS).unwrap();
    let s = Session::unlock(dir.path(), Unlock::Passphrase(PASS)).unwrap();
    // Tokyo reads the daily roll-up, Kolkata (+05:30) the rows: both see the same two pulses.
    assert_eq!(
        pulse_days(&s, "Asia/Tokyo"),
        [(1, Some(64.0)), (1, Some(70.0))]
    );
    assert_eq!(pulse_days(&s, "Asia/Kolkata"), [(2, Some(67.0)), (0, None)]);
    // Blood pressure itself is unchanged.
    let listed = |ty| {
        s.list_records(
            "p1",
            &RecordFilter {
                observation_type: Some(ty),
                ..RecordFilter::default()
            },
            &PageRequest::first(10),
        )
        .unwrap()
        .records
        .into_iter()
        .map(|r| r.meta.id)
        .collect::<Vec<_>>()
    };
    assert_eq!(listed(ObservationType::Pulse), ["r-pulse", "r-bp"]);
    assert_eq!(listed(ObservationType::BloodPressure), ["r-bp2", "r-bp"]);
}
