//! A checkup's measured values count in the series of those types (issue #17: "HbA1c 5.7 H in a
//! checkup, yet the HbA1c chart is empty"): stats, trends and charts read them beside the
//! person's own, in any zone (roll-ups and raw rows alike), and they go when the checkup goes;
//! a v14 store's checkups count after the migration.

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::NaiveDate;
use common::{PASS, kdf};
use phr_core::ClinicalInput;
use phr_core::records::*;
use phr_core::store::testing::create_at_version_with;
use phr_core::{Session, Unlock};

fn result(code: &str, v: f64, unit: &str) -> CheckupResult {
    CheckupResult {
        code_system: CheckupCodeSystem::Tokutei,
        code: code.into(),
        name: "x".into(),
        value_num: Some(v),
        value_code: None,
        value_system: None,
        value_text: None,
        unit: Some(unit.into()),
        ref_low: None,
        ref_high: None,
        flag: None,
    }
}

fn checkup(date: &str, hba1c: f64) -> ClinicalInput {
    ClinicalInput::Checkup(Checkup {
        date: NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap(),
        program: "specific_health_checkup".into(),
        institution: "さくら健診センター".into(),
        institution_code: None,
        judgement: None,
        results: vec![
            result("3D046000001906202", hba1c, "%"),
            result("9A751000000000001", 132.0, "mm[Hg]"),
            result("9A761000000000001", 84.0, "mm[Hg]"),
        ],
    })
}

/// (count, mean) of `ty` by month over 2026 in `zone`, non-empty months only.
fn months(s: &Session, who: &str, ty: ObservationType, zone: &str) -> Vec<(u32, i64, f64)> {
    let q = AggregateQuery {
        observation_type: ty,
        granularity: Granularity::Month,
        from: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        to: NaiveDate::from_ymd_opt(2026, 11, 19).unwrap(),
        time_zone: Some(zone.into()),
    };
    use chrono::Datelike;
    s.aggregate(who, &q)
        .unwrap()
        .into_iter()
        .filter(|b| b.count > 0)
        .map(|b| (b.start.month(), b.count, b.mean.unwrap()))
        .collect()
}

#[test]
fn a_checkups_hba1c_and_blood_pressure_are_on_their_charts_until_it_goes() {
    let (_d, s, hanako, _) = common::session_with_two();
    let h = hanako.id.as_str();
    let home = ClinicalInput::Observation(ObservationInput::simple(
        ObservationType::Hba1c,
        5.5,
        Stamp {
            utc_seconds: 1_781_000_000, // 2026-06-09 in Tokyo
            offset_seconds: 9 * 3600,
        },
    ));
    s.add_records(h, vec![home], Provenance::SelfEntered, None)
        .unwrap();
    let c = s
        .add_record(h, checkup("2026-06-20", 5.7), Provenance::Mynaportal, None)
        .unwrap();
    for zone in ["Asia/Tokyo", "Asia/Kolkata"] {
        assert_eq!(
            months(&s, h, ObservationType::Hba1c, zone),
            [(6, 2, 5.6)],
            "{zone}"
        );
        let bp = months(&s, h, ObservationType::BloodPressure, zone);
        assert_eq!(bp, [(6, 1, 132.0)], "{zone}");
    }
    // The diastolic goes with it.
    let q = AggregateQuery {
        observation_type: ObservationType::BloodPressure,
        granularity: Granularity::Month,
        from: NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
        to: NaiveDate::from_ymd_opt(2026, 6, 30).unwrap(),
        time_zone: None,
    };
    assert_eq!(s.aggregate(h, &q).unwrap()[0].mean2, Some(84.0));
    // Listing blood pressures lists the person's entries, not the checkup's lines.
    let f = RecordFilter {
        observation_type: Some(ObservationType::BloodPressure),
        ..RecordFilter::default()
    };
    assert!(
        s.list_records(h, &f, &PageRequest::first(10))
            .unwrap()
            .records
            .is_empty()
    );

    // Gone with the checkup (deleted, then erased: the same in every zone).
    s.delete_record(h, &c.meta.id).unwrap();
    for zone in ["Asia/Tokyo", "Asia/Kolkata"] {
        assert_eq!(
            months(&s, h, ObservationType::Hba1c, zone),
            [(6, 1, 5.5)],
            "{zone}"
        );
        assert!(months(&s, h, ObservationType::BloodPressure, zone).is_empty());
    }
    s.erase_record(h, &c.meta.id).unwrap();
    assert_eq!(
        months(&s, h, ObservationType::Hba1c, "Asia/Tokyo"),
        [(6, 1, 5.5)]
    );

    // A checkup typed in by hand and corrected: the point moves with it.
    let mine = s
        .add_record(h, checkup("2026-03-05", 6.1), Provenance::SelfEntered, None)
        .unwrap();
    s.update_record(h, &mine.meta.id, checkup("2026-04-05", 6.3))
        .unwrap();
    assert_eq!(
        months(&s, h, ObservationType::Hba1c, "Asia/Tokyo"),
        [(4, 1, 6.3), (6, 1, 5.5)]
    );
}

/// A v14 store: hanako with one checkup (HbA1c 5.7 and a weight).
const V14_ROWS: &str = "
INSERT INTO person (id, nickname, family_name, given_name, birth_date, sex, is_owner, version,
    created_utc, updated_utc)
VALUES ('p1', 'hanako', '山田', '花子', '1975-05-03', 'female', 1, 1, '2026-01-01T00:00:00Z',
    '2026-01-01T00:00:00Z');
INSERT INTO member (person_id) VALUES ('p1');
INSERT INTO record (id, subject_id, kind, effective_utc, effective_offset, version, created_utc,
    created_offset, updated_utc, updated_offset, provenance, source, deleted_utc, original_json)
VALUES ('r-chk', 'p1', 'checkup', 1781881200, 32400, 1, 1781881200, 32400, 1781881200, 32400, 'imported_file', NULL, NULL, NULL);
INSERT INTO checkup (record_id, checkup_date, program, institution) VALUES ('r-chk', '2026-06-20', 'specific_health_checkup', 'さくら');
INSERT INTO checkup_result (record_id, position, code_system, code, name, value_num, unit)
VALUES ('r-chk', 0, 'tokutei', '3D046000001906202', 'HbA1c', 5.7, '%'),
       ('r-chk', 1, 'tokutei', '9N006000000000001', '体重', 61.4, 'kg'),
       ('r-chk', 2, 'tokutei', '9N016160200000001', '腹囲(自己判定)', 86, 'cm');
";

#[test]
fn a_v14_stores_checkups_count_after_the_migration() {
    let dir = tempfile::tempdir().unwrap();
    create_at_version_with(dir.path(), PASS, kdf(), 14, V14_ROWS).unwrap();
    let s = Session::unlock(dir.path(), Unlock::Passphrase(PASS)).unwrap();
    for zone in ["Asia/Tokyo", "Asia/Kolkata"] {
        assert_eq!(
            months(&s, "p1", ObservationType::Hba1c, zone),
            [(6, 1, 5.7)]
        );
        assert_eq!(
            months(&s, "p1", ObservationType::Weight, zone),
            [(6, 1, 61.4)]
        );
        assert!(
            months(&s, "p1", ObservationType::Waist, zone).is_empty(),
            "self-judged: not a measurement"
        );
    }
}
