//! On a small tmpfs mounted by the test: every operation run with the disk (nearly) full either
//! succeeds with its effect in place, or is refused with every file byte-identical and the old
//! state intact (the old passphrase opens, no backup file, no partial file); and a store on a
//! file system remounted read-only opens for reading. Needs root to mount: where mounting is
//! impossible each test says what it skipped, loudly, and passes only then.

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use phr_core::store::testing::RawStore;

mod common;

use common::{PASS, hashes, kdf, write_row};
use phr_core::{Error, Store, Unlock};
use std::path::{Path, PathBuf};
use std::process::Command;

const NEW_PASS: &str = "a brand new passphrase";

/// A tmpfs of `size` mounted on a fresh folder, unmounted when dropped.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(size: &str, test: &str) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!(
                "SKIPPED {test}: cannot mount a tmpfs here (needs root and mount); \
                 its full-disk / read-only checks did not run"
            );
            return None;
        }
        Some(Tmpfs { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn remount(&self, how: &str) {
        let s = Command::new("mount")
            .args(["-o", &format!("remount,{how}")])
            .arg(self.path())
            .status()
            .unwrap();
        assert!(s.success());
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

/// Fill the file system holding `dir` until at most `leave` bytes are free.
fn fill(dir: &Path, leave: u64) -> PathBuf {
    let filler = dir.join("filler");
    let mut f = std::fs::File::create(&filler).unwrap();
    let chunk = vec![0xa5u8; 64 << 10];
    use std::io::Write;
    let mut left = free_bytes(dir).saturating_sub(leave) as usize;
    while left > 0 {
        let n = left.min(chunk.len());
        if f.write_all(&chunk[..n]).is_err() {
            break;
        }
        left -= n;
    }
    let _ = f.sync_all();
    filler
}

fn free_bytes(dir: &Path) -> u64 {
    let out = Command::new("df")
        .args(["--output=avail", "-B1"])
        .arg(dir)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .nth(1)
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or(0)
}

fn rows_with_id(s: &Store, id: i64) -> i64 {
    s.raw_read(|c| Ok(c.query_row("SELECT count(*) FROM t WHERE id = ?1", [id], |r| r.get(0))?))
        .unwrap()
}

fn refused_cleanly(e: &Error) -> bool {
    matches!(e, Error::DiskFull | Error::Storage(_))
}

#[derive(Default)]
struct Tally {
    runs: usize,
    succeeded: usize,
    refused: usize,
}

/// Each key and file operation at each of several free-space levels.
#[test]
fn operations_on_a_full_disk_succeed_whole_or_change_nothing() {
    let Some(fs) = Tmpfs::mount(
        "8m",
        "operations_on_a_full_disk_succeed_whole_or_change_nothing",
    ) else {
        return;
    };
    let mut t = Tally::default();
    for leave in [0u64, 4 << 10, 16 << 10, 48 << 10, 128 << 10, 512 << 10] {
        for op in ["write", "passphrase", "backup", "init", "restore"] {
            let work = fs.path().join(format!("{op}-{leave}"));
            std::fs::create_dir(&work).unwrap();
            let store_dir = work.join("store");
            let backup = fs.path().join(format!("src-{op}-{leave}.db"));
            {
                let s = Store::create(&store_dir, PASS, kdf()).unwrap();
                for id in 0..20 {
                    write_row(&s, id, &"x".repeat(500));
                }
                if op == "restore" {
                    s.backup(&backup, "backup passphrase").unwrap();
                }
                s.lock().unwrap();
            }
            let target = work.join("new-store");
            let out = work.join("backup.db");
            let filler = fill(fs.path(), leave);
            let before = hashes(&work);
            let result: phr_core::Result<()> = match op {
                "write" => Store::unlock(&store_dir, Unlock::Passphrase(PASS)).and_then(|s| {
                    s.raw_write("tester", |w| {
                        w.tx()
                            .execute("INSERT INTO t VALUES (1000, ?1)", ["y".repeat(50_000)])?;
                        common::record_written(w, 1000)
                    })
                }),
                "passphrase" => Store::unlock(&store_dir, Unlock::Passphrase(PASS))
                    .and_then(|s| s.change_passphrase(PASS, NEW_PASS, kdf())),
                "backup" => Store::unlock(&store_dir, Unlock::Passphrase(PASS))
                    .and_then(|s| s.backup(&out, "backup passphrase")),
                "init" => Store::create(&target, PASS, kdf()).map(drop),
                "restore" => {
                    Store::restore(&backup, "backup passphrase", &target, PASS, kdf()).map(drop)
                }
                _ => unreachable!(),
            };
            std::fs::remove_file(&filler).unwrap();
            t.runs += 1;
            let case = format!("{op} with {leave} bytes free");
            match result {
                Ok(()) => {
                    t.succeeded += 1;
                    match op {
                        "passphrase" => {
                            Store::unlock(&store_dir, Unlock::Passphrase(NEW_PASS))
                                .unwrap_or_else(|e| panic!("{case}: said changed, {e:?}"));
                        }
                        "backup" => {
                            let r = Store::restore(
                                &out,
                                "backup passphrase",
                                work.join("check"),
                                PASS,
                                kdf(),
                            );
                            r.unwrap_or_else(|e| panic!("{case}: said written, {e:?}"));
                        }
                        "init" | "restore" => {
                            Store::unlock(&target, Unlock::Passphrase(PASS))
                                .unwrap_or_else(|e| panic!("{case}: said created, {e:?}"));
                        }
                        _ => {
                            let s = Store::unlock(&store_dir, Unlock::Passphrase(PASS)).unwrap();
                            assert_eq!(rows_with_id(&s, 1000), 1, "{case}: acknowledged, lost");
                        }
                    }
                }
                Err(e) => {
                    t.refused += 1;
                    assert!(refused_cleanly(&e), "{case}: {e:?}");
                    if op != "write" {
                        // Unlock appends its own audit entry before the refused operation, so
                        // the store's files may differ; everything else must not.
                        let after = hashes(&work);
                        for (path, hash) in &before {
                            if !path.starts_with("store") {
                                assert_eq!(Some(hash), after.get(path), "{case}: {path:?}");
                            }
                        }
                        let extra: Vec<_> = after
                            .keys()
                            .filter(|p| !before.contains_key(*p) && !p.starts_with("store"))
                            .collect();
                        assert!(extra.is_empty(), "{case}: left {extra:?}");
                    }
                    assert!(!out.exists(), "{case}: a backup file after a refusal");
                    assert!(
                        !target.join("phr.db").exists(),
                        "{case}: a store after a refusal"
                    );
                    let s = Store::unlock(&store_dir, Unlock::Passphrase(PASS))
                        .unwrap_or_else(|e| panic!("{case}: old passphrase after refusal: {e:?}"));
                    assert_eq!(common::integrity(&s), "ok", "{case}");
                    assert_eq!(rows_with_id(&s, 1000), 0, "{case}: refused, yet written");
                    assert_eq!(rows_with_id(&s, 19), 1, "{case}: earlier rows lost");
                    assert_eq!(s.verify_audit().unwrap().broken, None, "{case}");
                }
            }
            std::fs::remove_dir_all(&work).unwrap();
            let _ = std::fs::remove_file(&backup);
        }
    }
    eprintln!(
        "full disk: {} runs, {} succeeded whole, {} refused with nothing changed, 0 mismatched",
        t.runs, t.succeeded, t.refused
    );
    assert!(t.refused > 0, "no run met a full disk");
    assert!(t.succeeded > 0, "no run had room");
}

#[test]
fn a_store_on_a_read_only_file_system_opens_for_reading() {
    let Some(fs) = Tmpfs::mount("4m", "a_store_on_a_read_only_file_system_opens_for_reading")
    else {
        return;
    };
    let dir = fs.path().join("store");
    let s = Store::create(&dir, PASS, kdf()).unwrap();
    for id in 0..10 {
        write_row(&s, id, "row");
    }
    s.lock().unwrap();
    drop(s);
    fs.remount("ro");
    let before = hashes(&dir);
    let s = Store::unlock(&dir, Unlock::Passphrase(PASS)).unwrap();
    assert!(s.is_read_only());
    let n: i64 = s
        .raw_read(|c| Ok(c.query_row("SELECT count(*) FROM t", [], |r| r.get(0))?))
        .unwrap();
    assert_eq!(n, 10);
    assert!(matches!(
        s.raw_write("tester", |w| Ok(w.tx().execute("DELETE FROM t", [])?)),
        Err(Error::ReadOnly)
    ));
    assert!(matches!(
        s.change_passphrase(PASS, NEW_PASS, kdf()),
        Err(Error::ReadOnly)
    ));
    assert_eq!(s.unwritten_audit_entries(), vec!["unlock"]);
    s.lock().unwrap();
    assert_eq!(before, hashes(&dir), "a read-only store's files changed");
    fs.remount("rw");
    let s = Store::unlock(&dir, Unlock::Passphrase(PASS)).unwrap();
    assert!(!s.is_read_only());
    assert_eq!(s.verify_audit().unwrap().broken, None);
}

#[test]
fn a_read_only_store_shows_the_points_it_holds_and_judges_nothing() {
    let Some(fs) = Tmpfs::mount(
        "8m",
        "a_read_only_store_shows_the_points_it_holds_and_judges_nothing",
    ) else {
        return;
    };
    let dir = fs.path().join("store");
    // 2027-03-10 12:00 JST; the sample programme counts each day the goal (8,000) was met.
    let noon = 1_804_647_600;
    let s = phr_core::Session::create(&dir, PASS, kdf()).unwrap();
    s.set_clock_for_tests(Some(noon));
    let me = s
        .add_person(common::person(
            "hanako",
            "山田",
            "花子",
            (1975, 5, 3),
            phr_core::records::Sex::Female,
        ))
        .unwrap()
        .id;
    s.set_operator_profile(phr_core::consent::samples::municipality())
        .unwrap();
    let steps = |days_ago: i64| {
        phr_core::ClinicalInput::Observation(phr_core::records::ObservationInput::simple(
            phr_core::records::ObservationType::Steps,
            9_000.0,
            phr_core::records::Stamp {
                utc_seconds: noon - days_ago * 86_400,
                offset_seconds: 9 * 3600,
            },
        ))
    };
    s.add_records(
        &me,
        vec![steps(2), steps(1), steps(0)],
        phr_core::records::Provenance::Device,
        None,
    )
    .unwrap();
    let held = s.points(&me).unwrap();
    assert_eq!(held.balance, 20, "two days that are over");
    drop(s);
    fs.remount("ro");
    let before = hashes(&dir);
    let s = phr_core::Session::unlock(&dir, Unlock::Passphrase(PASS)).unwrap();
    assert!(s.is_read_only());
    s.set_clock_for_tests(Some(noon + 86_400)); // today's 9,000 would now count
    let read = s.points(&me).unwrap();
    assert_eq!(read.entries, held.entries);
    assert!(read.program.is_some(), "the programme is still shown");
    drop(s);
    assert_eq!(before, hashes(&dir), "a read-only store's files changed");
    fs.remount("rw");
    let s = phr_core::Session::unlock(&dir, Unlock::Passphrase(PASS)).unwrap();
    s.set_clock_for_tests(Some(noon + 86_400));
    assert_eq!(
        s.points(&me).unwrap().balance,
        30,
        "judged once it can be kept"
    );
}
