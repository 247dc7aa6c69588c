//! Schema v14 (the outbox as a `WITHOUT ROWID` table): a v13 store's queued records and
//! withdrawal notices are all still queued, in the same order, after the migration; the
//! one-item-per-record rule still holds; erasing a record still takes its items with it.

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{PASS, kdf};
use phr_core::store::testing::{RawStore, create_at_version_with};
use phr_core::{Session, Store, Unlock};

const V13_ROWS: &str = "
INSERT INTO person (id, nickname, family_name, given_name, birth_date, sex, is_owner, version,
    created_utc, updated_utc)
VALUES ('p1', 'taro', '山田', '太郎', '1960-04-12', 'male', 1, 1, '2026-01-01T00:00:00Z',
    '2026-01-01T00:00:00Z');
INSERT INTO member (person_id) VALUES ('p1');
INSERT INTO record (id, subject_id, kind, effective_utc, effective_offset, version, created_utc,
    created_offset, updated_utc, updated_offset, provenance, source, deleted_utc, original_json)
VALUES ('r1', 'p1', 'note', 1790000000, 32400, 1, 1790000000, 32400, 1790000000, 32400, 'self_entered', NULL, NULL, NULL);
INSERT INTO note (record_id, text) VALUES ('r1', 'メモ');
INSERT INTO consent_directive (seq, id, subject_id, recipient, effect, valid_from_utc,
    valid_from_offset, decided_utc, decided_offset, actor_id, notice_version)
VALUES (1, 'd1', 'p1', 'health-dept', 'deny', 1790000100, 32400, 1790000100, 32400, 'p1', 'v1');
INSERT INTO outbox (id, kind, subject_id, recipient, record_id, directive_id, category, purpose,
    created_utc, last_status)
VALUES ('o2', 'record', 'p1', 'community-care', 'r1', NULL, 'notes', 'care', 1790000000, 503),
       ('o1', 'record', 'p1', 'health-dept', 'r1', NULL, 'notes', 'guidance', 1790000000, NULL),
       ('o3', 'withdrawal', 'p1', 'health-dept', NULL, 'd1', NULL, NULL, 1790000100, NULL);
";

fn outbox(store: &Store) -> Vec<(String, Option<i64>)> {
    store
        .raw_read(|c| {
            let mut stmt =
                c.prepare("SELECT id, last_status FROM outbox ORDER BY created_utc, id")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .unwrap()
}

#[test]
fn a_v13_outbox_is_kept_whole_and_in_order() {
    let dir = tempfile::tempdir().unwrap();
    create_at_version_with(dir.path(), PASS, kdf(), 13, V13_ROWS).unwrap();
    let store = Store::unlock(dir.path(), Unlock::Passphrase(PASS)).unwrap();
    assert_eq!(
        outbox(&store),
        [
            ("o1".into(), None),
            ("o2".into(), Some(503)),
            ("o3".into(), None)
        ]
    );
    // One item per record, recipient and purpose, still.
    let again = store.raw_write("p1", |w| {
        Ok(w.tx().execute(
            "INSERT OR IGNORE INTO outbox (id, kind, subject_id, recipient, record_id, category,
                 purpose, created_utc) VALUES ('o4', 'record', 'p1', 'health-dept', 'r1', 'notes', 'guidance', 1)",
            [],
        )?)
    });
    assert_eq!(again.unwrap(), 0);
    drop(store);
    // Erasing the record takes its queued items (the notice stays).
    let s = Session::unlock(dir.path(), Unlock::Passphrase(PASS)).unwrap();
    s.erase_record("p1", "r1").unwrap();
    drop(s);
    let store = Store::unlock(dir.path(), Unlock::Passphrase(PASS)).unwrap();
    assert_eq!(outbox(&store), [("o3".into(), None)]);
}
