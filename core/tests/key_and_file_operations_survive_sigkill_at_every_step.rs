//! `init`, passphrase change, backup and restore killed with SIGKILL at every one of their
//! crash points (`store::crash`, test hooks only) leave a state that is whole and that says what
//! happened: no store or a whole one; the old passphrase or the new one, with its audit entry
//! exactly when the new one opens; no backup or a whole one; no restored store or a whole one.
//! The next command cleans what the crash left (staging folders, partial files).

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use phr_core::store::testing::RawStore;

mod common;

use common::{PASS, child_env, integrity, kdf, spawn_child, write_row};
use phr_core::store::crash::{CRASH_AT_ENV, STEPS};
use phr_core::{Error, Store, Unlock};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;

const CHILD: &str = "child_runs_one_operation";
const NEW_PASS: &str = "a brand new passphrase";
const BACKUP_PASS: &str = "backup passphrase";
const ROWS: i64 = 40;

/// Child mode: run the operation named by PHR_OP on PHR_OP_DIR (and die at PHR_CRASH_AT).
#[test]
#[ignore = "child process only: every_key_and_file_operation_survives_sigkill_at_every_step (a plain test, so every cargo test and CI via scripts/test.sh) runs it with --ignored and kills it; alone it fails"]
fn child_runs_one_operation() {
    let op = child_env("PHR_OP");
    let dir = std::path::PathBuf::from(child_env("PHR_OP_DIR"));
    child_env(CRASH_AT_ENV);
    let store = dir.join("store");
    match op.as_str() {
        "init" => drop(Store::create(&store, PASS, kdf()).unwrap()),
        "passphrase" => Store::unlock(&store, Unlock::Passphrase(PASS))
            .unwrap()
            .change_passphrase(PASS, NEW_PASS, kdf())
            .unwrap(),
        "backup" => Store::unlock(&store, Unlock::Passphrase(PASS))
            .unwrap()
            .backup(&dir.join("backup.db"), BACKUP_PASS)
            .unwrap(),
        "restore" => drop(
            Store::restore(
                &dir.join("backup.db"),
                BACKUP_PASS,
                dir.join("restored"),
                PASS,
                kdf(),
            )
            .unwrap(),
        ),
        other => panic!("unknown operation {other}"),
    }
}

fn rows(store: &Store) -> i64 {
    store
        .raw_read(|c| Ok(c.query_row("SELECT count(*) FROM t", [], |r| r.get(0))?))
        .unwrap()
}

fn audited(store: &Store, action: &str) -> usize {
    store
        .audit_entries(None, 10_000, None)
        .unwrap()
        .iter()
        .filter(|e| e.action == action)
        .count()
}

fn sound(store: &Store, step: &str) {
    assert_eq!(integrity(store), "ok", "{step}");
    assert_eq!(store.verify_audit().unwrap().broken, None, "{step}");
}

fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with('.') || n.contains(".partial-"))
                .collect()
        })
        .unwrap_or_default()
}

/// A store with ROWS rows, locked, in `dir/store`; with a backup of it at `dir/backup.db` if
/// `with_backup`.
fn prepared(dir: &Path, with_backup: bool) {
    let store = Store::create(dir.join("store"), PASS, kdf()).unwrap();
    for id in 0..ROWS {
        write_row(&store, id, "a row");
    }
    if with_backup {
        store.backup(&dir.join("backup.db"), BACKUP_PASS).unwrap();
    }
    store.lock().unwrap();
}

/// Run the child for `op`, to be killed at `step`; it must die there (SIGKILL).
fn killed_at(op: &str, step: &str, dir: &Path) {
    let mut child = spawn_child(
        CHILD,
        &[
            ("PHR_OP", op.into()),
            ("PHR_OP_DIR", dir.display().to_string()),
            (CRASH_AT_ENV, step.into()),
        ],
    );
    let status = child.wait().unwrap();
    assert_eq!(
        status.signal(),
        Some(9),
        "{step}: the child did not reach its crash point ({status:?})"
    );
}

/// What each kill left, checked; returns a word for the figures.
fn check(op: &str, step: &str, dir: &Path) -> &'static str {
    let store_dir = dir.join("store");
    match op {
        "init" => {
            let outcome = if store_dir.join("phr.db").exists() {
                let s = Store::unlock(&store_dir, Unlock::Passphrase(PASS))
                    .unwrap_or_else(|e| panic!("{step}: a database but no store: {e:?}"));
                assert_eq!(audited(&s, "store_created"), 1, "{step}");
                sound(&s, step);
                "whole store"
            } else {
                drop(
                    Store::create(&store_dir, PASS, kdf())
                        .unwrap_or_else(|e| panic!("{step}: init again: {e:?}")),
                );
                "nothing (init ran again)"
            };
            assert_eq!(leftovers(&store_dir), Vec::<String>::new(), "{step}");
            outcome
        }
        "passphrase" => {
            let new = Store::unlock(&store_dir, Unlock::Passphrase(NEW_PASS));
            let old = Store::unlock(&store_dir, Unlock::Passphrase(PASS));
            let (store, changed) = match (new, old) {
                (Ok(s), Err(Error::WrongPassphrase)) => (s, true),
                (Err(Error::WrongPassphrase), Ok(s)) => (s, false),
                (n, o) => panic!("{step}: new {:?}, old {:?}", n.err(), o.err()),
            };
            assert_eq!(
                audited(&store, "passphrase_changed"),
                usize::from(changed),
                "{step}: the audit entry must match the passphrase that opens"
            );
            assert_eq!(rows(&store), ROWS, "{step}");
            sound(&store, step);
            let json = std::fs::read_to_string(store_dir.join("phr.keyring")).unwrap();
            assert!(
                !json.contains("pending"),
                "{step}: the change was not settled"
            );
            if changed {
                "new passphrase, audited"
            } else {
                "old passphrase, no audit entry"
            }
        }
        "backup" => {
            let backup = dir.join("backup.db");
            let store = Store::unlock(&store_dir, Unlock::Passphrase(PASS)).unwrap();
            let entries = audited(&store, "backup_written");
            let outcome = if backup.exists() {
                let restored = Store::restore(&backup, BACKUP_PASS, dir.join("check"), PASS, kdf())
                    .unwrap_or_else(|e| panic!("{step}: the backup does not restore: {e:?}"));
                assert_eq!(rows(&restored), ROWS, "{step}");
                if entries == 1 {
                    "whole backup, audited"
                } else {
                    "whole backup, NOT audited"
                }
            } else {
                assert_eq!(entries, 0, "{step}: audited a backup that does not exist");
                "no backup, no audit entry"
            };
            // The next backup to the same name removes the partial files a crash left.
            std::fs::remove_file(&backup).ok();
            store.backup(&backup, BACKUP_PASS).unwrap();
            assert_eq!(leftovers(dir), Vec::<String>::new(), "{step}");
            sound(&store, step);
            outcome
        }
        "restore" => {
            let restored = dir.join("restored");
            let outcome = if restored.join("phr.db").exists() {
                let s = Store::unlock(&restored, Unlock::Passphrase(PASS))
                    .unwrap_or_else(|e| panic!("{step}: restored database but no store: {e:?}"));
                assert_eq!(rows(&s), ROWS, "{step}");
                sound(&s, step);
                "whole restored store"
            } else {
                let s = Store::restore(&dir.join("backup.db"), BACKUP_PASS, &restored, PASS, kdf())
                    .unwrap_or_else(|e| panic!("{step}: restore again: {e:?}"));
                assert_eq!(rows(&s), ROWS, "{step}");
                "nothing (restore ran again)"
            };
            assert_eq!(leftovers(&restored), Vec::<String>::new(), "{step}");
            outcome
        }
        other => panic!("{other}"),
    }
}

#[test]
fn every_key_and_file_operation_survives_sigkill_at_every_step() {
    let mut mismatched = 0;
    for &step in STEPS {
        let op = step.split('.').next().unwrap();
        let dir = tempfile::tempdir().unwrap();
        match op {
            "init" => {}
            "passphrase" | "backup" => prepared(dir.path(), false),
            "restore" => prepared(dir.path(), true),
            other => panic!("no test for crash points of {other}"),
        }
        killed_at(op, step, dir.path());
        let outcome = check(op, step, dir.path());
        if outcome.contains("NOT") {
            mismatched += 1;
        }
        eprintln!("sigkill at {step}: {outcome}");
    }
    eprintln!(
        "{} crash points, {} killed runs, {mismatched} left a state its audit does not record",
        STEPS.len(),
        STEPS.len()
    );
}
