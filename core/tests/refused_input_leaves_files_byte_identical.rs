//! Every refused unlock or restore gives its own typed error and leaves every file in the
//! folder byte-identical (same set of files, same bytes).

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use phr_core::store::testing::RawStore;

mod common;

use common::{PASS, assert_unchanged, hashes, kdf, write_row};
use phr_core::{Error, Store, Unlock};
use std::path::Path;

/// A locked store with a little data in `dir`.
fn locked_store(dir: &Path) {
    let store = Store::create(dir, PASS, kdf()).unwrap();
    write_row(&store, 1, "row one");
    store.lock().unwrap();
}

fn db(dir: &Path) -> std::path::PathBuf {
    dir.join("phr.db")
}

fn unlock_refused(dir: &Path, case: &str) -> Error {
    let before = hashes(dir);
    let err = match Store::unlock(dir, Unlock::Passphrase(PASS)) {
        Ok(_) => panic!("{case}: unlock succeeded"),
        Err(e) => e,
    };
    assert_unchanged(&before, dir, case);
    err
}

fn random_bytes(n: usize) -> Vec<u8> {
    let mut rng = common::Rng::from_env_or_clock("random bytes");
    (0..n).map(|_| rng.next() as u8).collect()
}

fn plain_sqlite_file(path: &Path) {
    let c = rusqlite::Connection::open(path).unwrap();
    c.execute_batch(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO t VALUES (1, 'x');",
    )
    .unwrap();
}

#[test]
fn wrong_passphrase_leaves_every_file_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    locked_store(dir.path());
    let before = hashes(dir.path());
    assert!(matches!(
        Store::unlock(dir.path(), Unlock::Passphrase("not the passphrase")),
        Err(Error::WrongPassphrase)
    ));
    // The one file a wrong credential writes, by design: the failed-attempt counter.
    let counter = dir.path().join("phr.attempts");
    assert!(counter.exists(), "the failure was counted");
    std::fs::remove_file(counter).unwrap();
    assert_unchanged(&before, dir.path(), "wrong passphrase");
}

#[test]
fn database_of_odd_length_is_corrupt_store() {
    let dir = tempfile::tempdir().unwrap();
    locked_store(dir.path());
    let bytes = std::fs::read(db(dir.path())).unwrap();
    std::fs::write(db(dir.path()), &bytes[..bytes.len() - 1000]).unwrap();
    let e = unlock_refused(dir.path(), "odd length");
    assert!(matches!(e, Error::CorruptStore { .. }), "{e:?}");
}

#[test]
fn database_cut_at_a_page_boundary_is_corrupt_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::create(dir.path(), PASS, kdf()).unwrap();
    for i in 0..200 {
        write_row(&store, i, &"filler ".repeat(100));
    }
    store.lock().unwrap();
    let bytes = std::fs::read(db(dir.path())).unwrap();
    let pages = bytes.len() / 4096;
    assert!(pages > 8, "test needs a database of several pages");
    for keep in [0, 1, 2, pages / 2, pages - 1] {
        std::fs::write(db(dir.path()), &bytes[..keep * 4096]).unwrap();
        let e = unlock_refused(dir.path(), &format!("cut to {keep} pages"));
        assert!(
            matches!(e, Error::CorruptStore { .. }),
            "cut to {keep} of {pages} pages: {e:?}"
        );
    }
    std::fs::write(db(dir.path()), &bytes).unwrap();
    Store::unlock(dir.path(), Unlock::Passphrase(PASS)).unwrap();
}

#[test]
fn database_replaced_by_random_bytes_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    locked_store(dir.path());
    let len = std::fs::metadata(db(dir.path())).unwrap().len() as usize;
    // A whole file of random bytes has a salt no keyring names: it cannot be told apart from
    // another store's database, so the keyring does not belong to it.
    std::fs::write(db(dir.path()), random_bytes(len)).unwrap();
    let e = unlock_refused(dir.path(), "random file");
    assert!(matches!(e, Error::KeyringMismatch), "{e:?}");
}

#[test]
fn database_body_replaced_by_random_bytes_is_corrupt_store() {
    let dir = tempfile::tempdir().unwrap();
    locked_store(dir.path());
    let mut bytes = std::fs::read(db(dir.path())).unwrap();
    let noise = random_bytes(bytes.len() - 16);
    bytes[16..].copy_from_slice(&noise);
    std::fs::write(db(dir.path()), bytes).unwrap();
    let e = unlock_refused(dir.path(), "random body, salt kept");
    assert!(matches!(e, Error::CorruptStore { .. }), "{e:?}");
}

#[test]
fn plain_sqlite_file_as_database_is_corrupt_store() {
    let dir = tempfile::tempdir().unwrap();
    locked_store(dir.path());
    std::fs::remove_file(db(dir.path())).unwrap();
    plain_sqlite_file(&db(dir.path()));
    let e = unlock_refused(dir.path(), "plain sqlite");
    assert!(matches!(e, Error::CorruptStore { .. }), "{e:?}");
}

#[test]
fn keyring_of_another_store_is_keyring_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    let other = tempfile::tempdir().unwrap();
    locked_store(dir.path());
    locked_store(other.path());
    std::fs::copy(
        other.path().join("phr.keyring"),
        dir.path().join("phr.keyring"),
    )
    .unwrap();
    let e = unlock_refused(dir.path(), "foreign keyring");
    assert!(matches!(e, Error::KeyringMismatch), "{e:?}");
}

#[test]
fn keyring_of_garbage_is_corrupt_store() {
    let dir = tempfile::tempdir().unwrap();
    locked_store(dir.path());
    std::fs::write(dir.path().join("phr.keyring"), random_bytes(700)).unwrap();
    let e = unlock_refused(dir.path(), "garbage keyring");
    assert!(matches!(e, Error::CorruptStore { .. }), "{e:?}");
}

#[test]
fn database_from_a_newer_schema_is_unsupported_version() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::create(dir.path(), PASS, kdf()).unwrap();
    store
        .raw_write("tester", |w| {
            Ok(w.tx().execute_batch("PRAGMA user_version = 999")?)
        })
        .unwrap();
    store.lock().unwrap();
    let e = unlock_refused(dir.path(), "newer schema");
    assert!(
        matches!(
            e,
            Error::UnsupportedVersion {
                found: 999,
                supported
            } if supported == phr_core::store::SCHEMA_VERSION
        ),
        "{e:?}"
    );
}

/// The target folder holds no store file after a refused restore.
fn assert_no_store_files(dir: &Path) {
    let left = hashes(dir);
    assert!(left.is_empty(), "files left behind: {:?}", left.keys());
}

#[test]
fn restore_with_wrong_backup_passphrase_creates_nothing() {
    let src = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let store = Store::create(src.path(), PASS, kdf()).unwrap();
    write_row(&store, 1, "row one");
    let backup = out.path().join("store.backup");
    store.backup(&backup, "backup passphrase").unwrap();
    let before = hashes(out.path());
    let target = out.path().join("restored");
    let e = Store::restore(&backup, "wrong passphrase", &target, PASS, kdf()).err();
    assert!(matches!(e, Some(Error::WrongPassphrase)), "{e:?}");
    assert_no_store_files(&target);
    std::fs::remove_dir_all(&target).ok();
    assert_unchanged(&before, out.path(), "backup after wrong passphrase");
}

#[test]
fn restore_of_a_foreign_sqlcipher_file_is_corrupt_store() {
    let out = tempfile::tempdir().unwrap();
    let foreign = out.path().join("foreign.db");
    {
        let c = rusqlite::Connection::open(&foreign).unwrap();
        c.pragma_update(None, "key", "backup passphrase").unwrap();
        c.execute_batch("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes VALUES (1, 'x');")
            .unwrap();
    }
    let before = hashes(out.path());
    let target = out.path().join("restored");
    let e = Store::restore(&foreign, "backup passphrase", &target, PASS, kdf()).err();
    assert!(matches!(e, Some(Error::CorruptStore { .. })), "{e:?}");
    assert_no_store_files(&target);
    std::fs::remove_dir_all(&target).ok();
    assert_unchanged(&before, out.path(), "foreign sqlcipher file");
}

#[test]
fn restore_of_a_plain_sqlite_file_is_corrupt_store() {
    let out = tempfile::tempdir().unwrap();
    let plain = out.path().join("plain.db");
    plain_sqlite_file(&plain);
    let before = hashes(out.path());
    let target = out.path().join("restored");
    let e = Store::restore(&plain, "backup passphrase", &target, PASS, kdf()).err();
    assert!(matches!(e, Some(Error::CorruptStore { .. })), "{e:?}");
    assert_no_store_files(&target);
    std::fs::remove_dir_all(&target).ok();
    assert_unchanged(&before, out.path(), "plain sqlite backup");
}
