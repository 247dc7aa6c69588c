//! A store unlocked from disk (not just created) can write a backup, and that backup restores.

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use phr_core::store::testing::RawStore;

mod common;

use common::{PASS, kdf, write_row};
use phr_core::{Store, Unlock};

#[test]
fn backup_of_an_unlocked_store_restores() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::create(dir.path().join("store"), PASS, kdf()).unwrap();
    write_row(&store, 1, "kept");
    store.lock().unwrap();
    let store = Store::unlock(dir.path().join("store"), Unlock::Passphrase(PASS)).unwrap();
    let backup = dir.path().join("phr.backup");
    store
        .backup(&backup, "backup passphrase")
        .unwrap_or_else(|e| panic!("backup after unlock: {e:?}"));
    let restored = Store::restore(
        &backup,
        "backup passphrase",
        dir.path().join("restored"),
        PASS,
        kdf(),
    )
    .unwrap();
    let n: i64 = restored
        .raw_read(|c| Ok(c.query_row("SELECT count(*) FROM t", [], |r| r.get(0))?))
        .unwrap();
    assert_eq!(n, 1);
    assert_eq!(restored.store_id(), store.store_id());
    assert_eq!(restored.verify_audit().unwrap().broken, None);
}
