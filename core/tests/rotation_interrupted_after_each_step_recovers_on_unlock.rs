//! Key rotation interrupted (in process, deterministically) after each of its steps: dropping
//! the store and unlocking again recovers, by passphrase and by platform key.
//!
//! One test in this binary only: `CRASH_AFTER_STEP` is process-global.

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use phr_core::store::testing::RawStore;

mod common;

use common::{PASS, integrity, kdf, write_row};
use phr_core::store::testing::CRASH_AFTER_STEP;
use phr_core::{Error, InMemoryKeyStore, Store, Unlock};
use std::sync::atomic::Ordering;

fn rotated_entries(store: &Store) -> usize {
    store
        .audit_entries(None, 1000, None)
        .unwrap()
        .iter()
        .filter(|e| e.action == "data_key_rotated")
        .count()
}

fn check(store: &Store, step: u8) {
    let n: i64 = store
        .raw_read(|c| Ok(c.query_row("SELECT count(*) FROM t", [], |r| r.get(0))?))
        .unwrap();
    assert_eq!(n, 50, "step {step}: rows lost");
    assert_eq!(integrity(store), "ok", "step {step}");
    assert_eq!(store.verify_audit().unwrap().broken, None, "step {step}");
}

fn key_slots(dir: &std::path::Path) -> usize {
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("phr.keyring")).unwrap()).unwrap();
    json["keys"]["slots"].as_array().unwrap().len()
}

#[test]
fn rotation_interrupted_after_each_step_recovers_on_unlock() {
    for step in [1u8, 2] {
        let dir = tempfile::tempdir().unwrap();
        let platform = InMemoryKeyStore::new();
        let store = Store::create(dir.path(), PASS, kdf()).unwrap();
        for id in 0..50 {
            write_row(&store, id, "row");
        }
        store.enroll_platform_key(&platform).unwrap();

        CRASH_AFTER_STEP.store(step, Ordering::SeqCst);
        let interrupted = store.rotate_data_key(&phr_core::Unlock::Passphrase(PASS));
        CRASH_AFTER_STEP.store(0, Ordering::SeqCst);
        assert!(
            matches!(interrupted, Err(Error::Storage(_))),
            "step {step}: {interrupted:?}"
        );
        assert_eq!(
            key_slots(dir.path()),
            2,
            "step {step}: both keys kept mid-rotation"
        );
        drop(store);

        let store = Store::unlock(dir.path(), Unlock::Passphrase(PASS))
            .unwrap_or_else(|e| panic!("step {step}: unlock: {e:?}"));
        check(&store, step);
        assert_eq!(
            key_slots(dir.path()),
            1,
            "step {step}: rotation not settled"
        );
        // After step 1 the database still has the old key (rotation abandoned); after step 2 it
        // has the new one (rotation finished, and recorded, on unlock).
        let expected_rotations = if step == 1 { 0 } else { 1 };
        assert_eq!(rotated_entries(&store), expected_rotations, "step {step}");
        store.lock().unwrap();

        let store = Store::unlock(dir.path(), Unlock::Platform(&platform))
            .unwrap_or_else(|e| panic!("step {step}: platform unlock: {e:?}"));
        check(&store, step);
        // And the store can rotate normally afterwards.
        store
            .rotate_data_key(&phr_core::Unlock::Passphrase(PASS))
            .unwrap();
        store.lock().unwrap();
        let store = Store::unlock(dir.path(), Unlock::Passphrase(PASS)).unwrap();
        check(&store, step);
        assert_eq!(
            rotated_entries(&store),
            expected_rotations + 1,
            "step {step}"
        );
    }
}
