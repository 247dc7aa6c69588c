//! A database left at any older schema version opens with the current code, is migrated, and
//! ends up with exactly the schema of a freshly created store.

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use phr_core::store::testing::RawStore;

mod common;

use common::{PASS, integrity, kdf, write_row};
use phr_core::store::testing::{MIGRATIONS, create_at_version};
use phr_core::store::{APPLICATION_ID, SCHEMA_VERSION};
use phr_core::{Store, Unlock};

/// sqlite_master rows (type, name, table, sql with whitespace collapsed), sorted, plus the
/// version pragmas.
fn schema(store: &Store) -> (Vec<String>, i64, i64) {
    store
        .raw_read(|c| {
            let mut stmt = c.prepare(
                "SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master
                 ORDER BY type, name",
            )?;
            let rows = stmt
                .query_map([], |r| {
                    let sql: String = r.get(3)?;
                    Ok(format!(
                        "{}|{}|{}|{}",
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        sql.split_whitespace().collect::<Vec<_>>().join(" ")
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let version = c.query_row("PRAGMA user_version", [], |r| r.get(0))?;
            let app = c.query_row("PRAGMA application_id", [], |r| r.get(0))?;
            Ok((rows, version, app))
        })
        .unwrap()
}

#[test]
fn migrated_schema_equals_fresh_schema_from_every_older_version() {
    assert_eq!(SCHEMA_VERSION, MIGRATIONS.len() as i64);
    let fresh_dir = tempfile::tempdir().unwrap();
    let fresh = Store::create(fresh_dir.path(), PASS, kdf()).unwrap();
    let expected = schema(&fresh);
    assert_eq!(expected.1, SCHEMA_VERSION);
    assert_eq!(expected.2, APPLICATION_ID);
    assert!(!expected.0.is_empty());

    for version in 0..SCHEMA_VERSION {
        let dir = tempfile::tempdir().unwrap();
        create_at_version(dir.path(), PASS, kdf(), version).unwrap();
        let store = Store::unlock(dir.path(), Unlock::Passphrase(PASS))
            .unwrap_or_else(|e| panic!("unlock from version {version}: {e:?}"));
        assert_eq!(schema(&store), expected, "migrated from version {version}");
        assert_eq!(integrity(&store), "ok");
        assert_eq!(store.verify_audit().unwrap().broken, None);
        write_row(&store, 1, "after migration");
    }
}

#[test]
fn older_version_store_was_not_built_by_the_current_code() {
    // Guards the test above: the hook must leave a bare older database (no `store_created`
    // entry, no `store_id` row), not quietly build a current store.
    let dir = tempfile::tempdir().unwrap();
    create_at_version(dir.path(), PASS, kdf(), 0).unwrap();
    let store = Store::unlock(dir.path(), Unlock::Passphrase(PASS)).unwrap();
    let actions: Vec<String> = store
        .audit_entries(None, 10, None)
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(actions, vec!["unlock".to_string()]);
    assert!(
        create_at_version(
            tempfile::tempdir().unwrap().path(),
            PASS,
            kdf(),
            SCHEMA_VERSION + 1
        )
        .is_err()
    );
}

#[test]
fn store_opened_from_an_older_version_can_be_backed_up_and_restored() {
    // The same state as a creation interrupted after the schema was written: no store_id
    // row and no audit epoch yet. Unlock must complete it so the store is fully usable.
    let dir = tempfile::tempdir().unwrap();
    create_at_version(dir.path().join("old"), PASS, kdf(), 0).unwrap();
    let store = Store::unlock(dir.path().join("old"), Unlock::Passphrase(PASS)).unwrap();
    write_row(&store, 1, "kept");
    let backup = dir.path().join("old.backup");
    store.backup(&backup, "backup passphrase").unwrap();
    let restored = Store::restore(
        &backup,
        "backup passphrase",
        dir.path().join("restored"),
        PASS,
        kdf(),
    )
    .unwrap_or_else(|e| panic!("restore: {e:?}"));
    assert_eq!(restored.store_id(), store.store_id());
    assert_eq!(restored.verify_audit().unwrap().broken, None);
}
