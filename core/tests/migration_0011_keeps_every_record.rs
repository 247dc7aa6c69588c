//! Schema v11 (partial dates, entered values): a store written by a v8, v9 or v10 build, with a
//! record of every kind, opens with the current code; every record reads back as before, with
//! the precision of its kind, and the roll-ups still add up.

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{PASS, kdf};
use phr_core::records::*;
use phr_core::store::testing::{RawStore, create_at_version_with};
use phr_core::{Session, Store, Unlock};

/// What a v8 build wrote (a v9 build the same, and its owner in `member`): a person, an observation with its hourly and daily roll-ups, and a
/// checkup, an immunization, a medication and two conditions (one without an onset).
const V8_ROWS: &str = "
INSERT INTO person (id, nickname, family_name, given_name, birth_date, sex, is_owner, version,
    created_utc, updated_utc)
VALUES ('p1', 'taro', '山田', '太郎', '1960-04-12', 'male', 1, 1, '2026-01-01T00:00:00Z',
    '2026-01-01T00:00:00Z');
INSERT INTO record (id, subject_id, kind, effective_utc, effective_offset, version, created_utc,
    created_offset, updated_utc, updated_offset, provenance, source, deleted_utc, original_json)
VALUES
 ('r-obs', 'p1', 'observation', 1790000000, 32400, 1, 1790000000, 32400, 1790000000, 32400, 'device', NULL, NULL, NULL),
 ('r-chk', 'p1', 'checkup', 1780000000, 32400, 1, 1790000000, 32400, 1790000000, 32400, 'imported_file', NULL, NULL, NULL),
 ('r-imm', 'p1', 'immunization', 1770000000, 32400, 1, 1790000000, 32400, 1790000000, 32400, 'self_entered', NULL, NULL, NULL),
 ('r-med', 'p1', 'medication', 1760000000, 32400, 1, 1790000000, 32400, 1790000000, 32400, 'self_entered', NULL, NULL, NULL),
 ('r-con', 'p1', 'condition', 1750000000, 32400, 1, 1790000000, 32400, 1790000000, 32400, 'self_entered', NULL, NULL, NULL),
 ('r-con2', 'p1', 'condition', 1789000000, 32400, 1, 1790000000, 32400, 1790000000, 32400, 'self_entered', NULL, NULL, NULL);
INSERT INTO observation (record_id, subject_id, type, code, unit, value, value2, value3, qualifier,
    effective_utc, derived_from)
VALUES ('r-obs', 'p1', 'weight', '29463-7', 'kg', 59.874192840000006, NULL, NULL, '', 1790000000, NULL);
INSERT INTO observation_hourly VALUES ('p1', 'weight', 497222, 1, 59.874192840000006, 59.874192840000006, 59.874192840000006, NULL, NULL, NULL);
INSERT INTO observation_daily_jst VALUES ('p1', 'weight', 20717, 1, 59.874192840000006, 59.874192840000006, 59.874192840000006, NULL, NULL, NULL);
INSERT INTO checkup (record_id, checkup_date, program, institution, institution_code, judgement)
VALUES ('r-chk', '2026-05-28', 'specific_health_checkup', 'さくら健診センター', NULL, NULL);
INSERT INTO checkup_result (record_id, position, code_system, code, name, value_num, unit)
VALUES ('r-chk', 0, 'tokutei', '9N001000000000001', '身長', 170.2, 'cm');
INSERT INTO immunization (record_id, vaccine, occurred_on) VALUES ('r-imm', 'インフルエンザ', '2026-02-02');
INSERT INTO medication (record_id, drug_name, start_date) VALUES ('r-med', 'アムロジピン', '2025-10-09');
INSERT INTO condition (record_id, name, onset_date, status) VALUES ('r-con', '高血圧症', '2025-06-15', 'active');
INSERT INTO condition (record_id, name, onset_date, status) VALUES ('r-con2', '花粉症', NULL, 'active');
";

#[test]
fn a_v8_store_keeps_every_record_and_gains_the_precision_of_its_kind() {
    keeps_every_record(8, V8_ROWS);
}

#[test]
fn a_v9_store_keeps_every_record_and_gains_the_precision_of_its_kind() {
    keeps_every_record(
        9,
        &format!("{V8_ROWS}\nINSERT INTO member (person_id) VALUES ('p1');"),
    );
}

#[test]
fn a_v10_store_keeps_every_record_and_gains_the_precision_of_its_kind() {
    keeps_every_record(
        10,
        &format!("{V8_ROWS}\nINSERT INTO member (person_id) VALUES ('p1');"),
    );
}

fn keeps_every_record(version: i64, rows: &str) {
    let dir = tempfile::tempdir().unwrap();
    create_at_version_with(dir.path(), PASS, kdf(), version, rows).unwrap();
    let s = Session::unlock(dir.path(), Unlock::Passphrase(PASS)).unwrap();
    let recs = s
        .list_records("p1", &RecordFilter::default(), &PageRequest::first(50))
        .unwrap()
        .records;
    assert_eq!(recs.len(), 6);
    let precision = |id: &str| {
        let r = recs.iter().find(|r| r.meta.id == id).unwrap();
        assert_eq!(r.meta.effective_text, None);
        r.meta.effective_precision
    };
    assert_eq!(precision("r-obs"), DatePrecision::Second);
    assert_eq!(precision("r-con2"), DatePrecision::Second);
    for id in ["r-chk", "r-imm", "r-med", "r-con"] {
        assert_eq!(precision(id), DatePrecision::Day, "{id}");
    }
    let RecordBody::Observation(o) = &recs.iter().find(|r| r.meta.id == "r-obs").unwrap().body
    else {
        panic!()
    };
    // An old row has no entered value: it is shown as it was stored.
    assert_eq!(
        (o.entered_value, o.display_value()),
        (None, 59.874192840000006)
    );
    // The roll-ups are untouched and still agree with the rows.
    let latest = s.latest_observations("p1").unwrap();
    assert_eq!(latest.len(), 1);
    drop(s);
    let store = Store::unlock(dir.path(), Unlock::Passphrase(PASS)).unwrap();
    let rows: i64 = store
        .raw_read(|c| {
            Ok(c.query_row(
                "SELECT count(*) FROM observation_hourly h JOIN observation o
                   ON o.subject_id = h.subject_id AND o.type = h.type AND o.effective_utc / 3600 = h.hour
                 WHERE h.sum1 = o.value",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert_eq!(rows, 1);
}
