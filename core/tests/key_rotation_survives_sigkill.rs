//! A process killed (SIGKILL) at a random moment while rotating the data key of a store
//! holding a few MB leaves a store the passphrase still unlocks, with every row intact, a
//! sound database, an unbroken audit chain and a single key slot.

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use phr_core::store::testing::RawStore;

mod common;

use common::{PASS, Rng, integrity, kdf, protocol, spawn_child, stdout_lines, tell_parent};
use phr_core::{Store, Unlock};
use std::time::{Duration, Instant};

const CHILD: &str = "child_loops_key_rotation";
const RUNS: usize = 20;
const ROWS: i64 = 3000;

fn body(id: i64) -> String {
    format!("{id:08}-").repeat(110)
}

/// Child mode: unlock, then rotate the data key over and over.
#[test]
#[ignore = "a child process of key_rotation_survives_sigkill_at_random_moments"]
fn child_loops_key_rotation() {
    let dir = common::child_env("PHR_CRASH_ROTATE_DIR");
    let store = Store::unlock(&dir, Unlock::Passphrase(PASS)).unwrap();
    tell_parent("READY");
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut n = 0;
    while Instant::now() < deadline {
        store
            .rotate_data_key(&phr_core::Unlock::Passphrase(PASS))
            .unwrap();
        n += 1;
        tell_parent(&format!("ROTATED {n}"));
    }
}

fn key_slots(dir: &std::path::Path) -> usize {
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("phr.keyring")).unwrap()).unwrap();
    json["keys"]["slots"].as_array().unwrap().len()
}

fn check_intact(store: &Store, run: usize) {
    let bad = store
        .raw_read(|c| {
            let mut stmt = c.prepare("SELECT id, body FROM t ORDER BY id")?;
            let rows = stmt
                .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok((
                rows.len() as i64,
                rows.iter().filter(|(id, b)| *b != body(*id)).count(),
            ))
        })
        .unwrap();
    assert_eq!(bad, (ROWS, 0), "run {run}: rows lost or altered");
    assert_eq!(integrity(store), "ok", "run {run}");
    assert_eq!(store.verify_audit().unwrap().broken, None, "run {run}");
}

#[test]
fn key_rotation_survives_sigkill_at_random_moments() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::create(dir.path(), PASS, kdf()).unwrap();
    store
        .raw_write("tester", |w| {
            w.tx()
                .execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")?;
            for id in 0..ROWS {
                w.tx().execute(
                    "INSERT INTO t VALUES (?1, ?2)",
                    rusqlite::params![id, body(id)],
                )?;
            }
            common::record_written(w, 0)
        })
        .unwrap();
    store.lock().unwrap();
    drop(store);
    let size = std::fs::metadata(dir.path().join("phr.db")).unwrap().len();
    assert!(size > 3_000_000, "database is only {size} bytes");

    // How long one rotation takes here, to spread the kills over it.
    let started = Instant::now();
    let store = Store::unlock(dir.path(), Unlock::Passphrase(PASS)).unwrap();
    store
        .rotate_data_key(&phr_core::Unlock::Passphrase(PASS))
        .unwrap();
    store.lock().unwrap();
    drop(store);
    let one = started.elapsed().as_millis() as u64 + 1;

    let mut rng = Rng::from_env_or_clock("sigkill rotation");
    let mut rotations = 0;
    let mut mid_rotation = 0;
    for run in 0..RUNS {
        let mut child = spawn_child(
            CHILD,
            &[("PHR_CRASH_ROTATE_DIR", dir.path().display().to_string())],
        );
        let (lines, reader) = stdout_lines(&mut child);
        let ready = lines.iter().find(|l| protocol(l) == "READY");
        assert!(ready.is_some(), "run {run}: child never became ready");
        std::thread::sleep(Duration::from_millis(rng.range(0, 2 * one)));
        child.kill().unwrap();
        child.wait().unwrap();
        reader.join().unwrap();
        rotations += lines
            .try_iter()
            .filter(|l| protocol(l).starts_with("ROTATED"))
            .count();
        if key_slots(dir.path()) == 2 {
            mid_rotation += 1;
        }

        let store = Store::unlock(dir.path(), Unlock::Passphrase(PASS))
            .unwrap_or_else(|e| panic!("run {run}: unlock after kill: {e:?}"));
        check_intact(&store, run);
        assert_eq!(
            key_slots(dir.path()),
            1,
            "run {run}: rotation left two slots"
        );
        store.lock().unwrap();
    }
    eprintln!(
        "one rotation ≈ {one} ms; {rotations} rotations completed; {mid_rotation} of {RUNS} kills mid-rotation"
    );
    assert!(
        mid_rotation >= RUNS / 2,
        "only {mid_rotation} kills landed mid-rotation"
    );
}
