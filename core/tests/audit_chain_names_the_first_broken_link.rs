//! Editing, deleting, inserting or reordering audit entries (by someone holding the data key,
//! bypassing `write_as`) is caught by `verify_audit`, which names the first broken entry.

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{PASS, kdf, write_row};
use phr_core::Store;
use phr_core::store::testing::raw_sql;

/// A store whose chain is: 1 = store created, 2..=11 = ten record writes.
fn store_with_chain() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::create(dir.path(), PASS, kdf()).unwrap();
    for id in 1..=10 {
        write_row(&store, id, "entry");
    }
    assert_eq!(store.verify_audit().unwrap().entries, 11);
    (dir, store)
}

fn first_broken_after(sql: &str) -> i64 {
    let (_dir, store) = store_with_chain();
    raw_sql(&store, sql).unwrap();
    let report = store.verify_audit().unwrap();
    report
        .broken
        .unwrap_or_else(|| panic!("tampering not detected: {sql}"))
        .seq
}

#[test]
fn unbroken_chain_reports_no_broken_link() {
    let (dir, store) = store_with_chain();
    assert_eq!(store.verify_audit().unwrap().broken, None);
    store.lock().unwrap();
    let store = phr_core::Store::unlock(dir.path(), phr_core::Unlock::Passphrase(PASS)).unwrap();
    let report = store.verify_audit().unwrap();
    assert_eq!(report.broken, None);
    assert_eq!(report.entries, 13, "create, 10 writes, lock, unlock");
}

#[test]
fn edited_entry_is_named() {
    assert_eq!(
        first_broken_after("UPDATE audit_log SET actor = 'someone else' WHERE seq = 5"),
        5
    );
    assert_eq!(
        first_broken_after("UPDATE audit_log SET record_ids = '[\"99\"]' WHERE seq = 7"),
        7
    );
    assert_eq!(
        first_broken_after("UPDATE audit_log SET at = '2000-01-01T00:00:00.000000Z' WHERE seq = 2"),
        2
    );
}

#[test]
fn deleted_middle_entry_is_named() {
    assert_eq!(first_broken_after("DELETE FROM audit_log WHERE seq = 6"), 6);
}

#[test]
fn deleted_tail_entry_is_named() {
    assert_eq!(
        first_broken_after("DELETE FROM audit_log WHERE seq = 11"),
        11
    );
    // Moving the head back to the new last entry does not help: the head is MAC'd.
    assert_eq!(
        first_broken_after(
            "DELETE FROM audit_log WHERE seq = 11;
             UPDATE audit_head SET seq = 10, mac = (SELECT mac FROM audit_log WHERE seq = 10);"
        ),
        11
    );
    // Nor does removing the head altogether.
    assert_eq!(
        first_broken_after("DELETE FROM audit_log WHERE seq >= 9; DELETE FROM audit_head;"),
        9
    );
}

#[test]
fn inserted_entry_is_named() {
    // Appended after the last entry (a copy of a genuine one, renumbered).
    assert_eq!(
        first_broken_after(
            "INSERT INTO audit_log (seq, at, actor, subject, action, record_ids, delegation, mac)
             SELECT 12, at, actor, subject, action, record_ids, delegation, mac
             FROM audit_log WHERE seq = 11"
        ),
        12
    );
    // Slipped in the middle, later entries renumbered to make room.
    assert_eq!(
        first_broken_after(
            "UPDATE audit_log SET seq = -seq WHERE seq >= 4;
             UPDATE audit_log SET seq = 1 - seq WHERE seq < 0;
             INSERT INTO audit_log (seq, at, actor, subject, action, record_ids, delegation, mac)
             SELECT 4, at, actor, subject, action, record_ids, delegation, mac
             FROM audit_log WHERE seq = 3;"
        ),
        4
    );
}

#[test]
fn swapped_entries_are_named() {
    assert_eq!(
        first_broken_after(
            "UPDATE audit_log SET seq = -1 WHERE seq = 8;
             UPDATE audit_log SET seq = 8 WHERE seq = 9;
             UPDATE audit_log SET seq = 9 WHERE seq = -1;"
        ),
        8
    );
}
