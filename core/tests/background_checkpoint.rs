//! The WAL checkpoint runs on its own thread after the commit that makes it due, never inside
//! the commit; lock, rotation, backup and dropping the store wait for it; a failed one is
//! retried; when it cannot run there, the writer does. (core/src/store/checkpoint.rs)

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use phr_core::store::testing::RawStore;

mod common;

use common::{PASS, kdf};
use phr_core::store::testing::{
    self, CHECKPOINT_FRAMES, CheckpointHooks, HARD_LIMIT_FRAMES, checkpoint_hooks,
    checkpoints_started, wait_for_checkpoint, wal_index,
};
use phr_core::{Store, Unlock};
use std::path::PathBuf;
use std::time::Duration;

/// Rows of 1000 random bytes: enough for one write to take the WAL well past the threshold.
const LARGE: i64 = 6000;
const ROW_BYTES: u64 = 1000;
/// How long a call that must wait for a held checkpoint is given to (wrongly) return.
const GRACE: Duration = Duration::from_millis(300);
const HELD_WITHIN: Duration = Duration::from_secs(10);

fn new_store(dir: &tempfile::TempDir) -> Store {
    let store = Store::create(dir.path(), PASS, kdf()).unwrap();
    testing::raw_sql(
        &store,
        "CREATE TABLE scratch (id INTEGER PRIMARY KEY, body BLOB NOT NULL)",
    )
    .unwrap();
    store
}

/// One transaction of `rows` rows of random bytes (random, so every byte lands in a page).
fn write_rows(store: &Store, rows: i64) {
    store
        .raw_write("test", |w| {
            w.tx().execute(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
                 INSERT INTO scratch (body) SELECT randomblob(1000) FROM n",
                [rows],
            )?;
            Ok(())
        })
        .unwrap();
}

fn count_in(c: &rusqlite::Connection) -> i64 {
    c.query_row("SELECT count(*) FROM scratch", [], |r| r.get(0))
        .unwrap()
}

fn count_rows(store: &Store) -> i64 {
    store.raw_read(|c| Ok(count_in(c))).unwrap()
}

fn wal(store: &Store) -> PathBuf {
    let mut p = store.files().database.as_os_str().to_owned();
    p.push("-wal");
    PathBuf::from(p)
}

fn len(path: &PathBuf) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

fn db_len(store: &Store) -> u64 {
    len(&store.files().database)
}

/// Hooks of a store, taken after it so that they are dropped (and any hold released) first.
fn hooks(store: &Store) -> CheckpointHooks {
    checkpoint_hooks(store).unwrap()
}

/// A store whose checkpoint, due after one large write, is held before it starts.
fn held_after_a_large_write() -> (tempfile::TempDir, Store, CheckpointHooks) {
    let dir = tempfile::tempdir().unwrap();
    let store = new_store(&dir);
    let hooks = hooks(&store);
    hooks.hold();
    write_rows(&store, LARGE);
    (dir, store, hooks)
}

/// Run `op` on another thread while a checkpoint is held: it must begin to wait for that
/// checkpoint and must not return until the checkpoint is released.
fn waits_for_the_held_checkpoint<T: Send>(
    hooks: &CheckpointHooks,
    what: &str,
    op: impl FnOnce() -> T + Send,
) -> T {
    assert!(hooks.wait_until_held(HELD_WITHIN));
    std::thread::scope(|s| {
        let running = s.spawn(op);
        assert!(
            hooks.wait_until_waited_for(HELD_WITHIN),
            "{what} did not wait for the running checkpoint"
        );
        std::thread::sleep(GRACE);
        assert!(
            !running.is_finished(),
            "{what} returned while the checkpoint was still running"
        );
        hooks.release();
        running.join().unwrap()
    })
}

#[test]
fn a_large_write_is_checkpointed_without_another_write() {
    let dir = tempfile::tempdir().unwrap();
    let store = new_store(&dir);
    let before = db_len(&store);
    write_rows(&store, LARGE);
    wait_for_checkpoint(&store).unwrap();
    assert_eq!(checkpoints_started(&store).unwrap(), 1);
    // The pages are in the database file: nothing is left only in the WAL.
    assert!(
        db_len(&store) >= before + LARGE as u64 * ROW_BYTES,
        "database file {} bytes after the checkpoint",
        db_len(&store)
    );
}

#[test]
fn the_commit_returns_before_the_checkpoint_runs() {
    let dir = tempfile::tempdir().unwrap();
    let store = new_store(&dir);
    let hooks = hooks(&store);
    hooks.hold();
    let before = db_len(&store);
    write_rows(&store, LARGE);
    // The write has returned: the frames are still only in the WAL, the database file as it was.
    assert!(wal_index(&store).unwrap().waiting() >= CHECKPOINT_FRAMES);
    assert_eq!(db_len(&store), before);
    // ...and a checkpoint thread was started, and is waiting at the hold.
    assert!(hooks.wait_until_held(HELD_WITHIN));
    assert_eq!(db_len(&store), before);
    hooks.release();
    wait_for_checkpoint(&store).unwrap();
    assert!(db_len(&store) >= before + LARGE as u64 * ROW_BYTES);
}

#[test]
fn a_write_past_the_hard_limit_on_a_fresh_wal_is_still_checkpointed_off_the_call() {
    let dir = tempfile::tempdir().unwrap();
    let store = new_store(&dir);
    let hooks = hooks(&store);
    hooks.hold();
    let before = db_len(&store);
    // One import-sized transaction, larger than the hard limit: no checkpoint has run on this
    // WAL, so nothing says checkpoints are failing or falling behind.
    let rows = HARD_LIMIT_FRAMES as i64 * 4 + 2000;
    write_rows(&store, rows);
    assert!(wal_index(&store).unwrap().frames > HARD_LIMIT_FRAMES);
    assert_eq!(db_len(&store), before, "the commit checkpointed");
    assert!(hooks.wait_until_held(HELD_WITHIN));
    hooks.release();
    wait_for_checkpoint(&store).unwrap();
    assert!(db_len(&store) >= before + rows as u64 * ROW_BYTES);
}

#[test]
fn lock_waits_for_a_running_checkpoint_then_truncates_the_wal() {
    let (dir, store, hooks) = held_after_a_large_write();
    let wal = wal(&store);
    waits_for_the_held_checkpoint(&hooks, "lock()", || store.lock()).unwrap();
    // No thread, and no connection holding the key, outlives the lock.
    assert!(hooks.store_has_let_go());
    assert_eq!(len(&wal), 0, "the WAL still holds pages after lock()");
    let store = Store::unlock(dir.path(), Unlock::Passphrase(PASS)).unwrap();
    assert_eq!(count_rows(&store), LARGE);
    assert_eq!(store.verify_audit().unwrap().broken, None);
}

#[test]
fn dropping_the_store_waits_for_a_running_checkpoint() {
    let (dir, store, hooks) = held_after_a_large_write();
    waits_for_the_held_checkpoint(&hooks, "dropping the store", move || drop(store));
    assert!(hooks.store_has_let_go());
    let store = Store::unlock(dir.path(), Unlock::Passphrase(PASS)).unwrap();
    assert_eq!(count_rows(&store), LARGE);
}

#[test]
fn rotation_waits_for_a_running_checkpoint() {
    let (dir, store, hooks) = held_after_a_large_write();
    waits_for_the_held_checkpoint(&hooks, "the rotation", || {
        store.rotate_data_key(&phr_core::Unlock::Passphrase(PASS))
    })
    .unwrap();
    assert_eq!(count_rows(&store), LARGE);
    store.lock().unwrap();
    let store = Store::unlock(dir.path(), Unlock::Passphrase(PASS)).unwrap();
    assert_eq!(count_rows(&store), LARGE);
    assert_eq!(store.verify_audit().unwrap().broken, None);
}

#[test]
fn backup_waits_for_a_running_checkpoint() {
    let (dir, store, hooks) = held_after_a_large_write();
    let backup = dir.path().join("backup.db");
    waits_for_the_held_checkpoint(&hooks, "the backup", || {
        store.backup(&backup, "backup passphrase")
    })
    .unwrap();
    let restored = Store::restore(
        &backup,
        "backup passphrase",
        dir.path().join("restored"),
        PASS,
        kdf(),
    )
    .unwrap();
    assert_eq!(count_rows(&restored), LARGE);
}

#[test]
fn small_writes_do_not_start_a_checkpoint_each() {
    let dir = tempfile::tempdir().unwrap();
    let store = new_store(&dir);
    for _ in 0..200 {
        write_rows(&store, 1);
    }
    assert_eq!(checkpoints_started(&store).unwrap(), 0);
    write_rows(&store, LARGE);
    wait_for_checkpoint(&store).unwrap();
    assert_eq!(checkpoints_started(&store).unwrap(), 1);
    // After a complete checkpoint SQLite writes the WAL again from its beginning; the file
    // stays as long as it was, but nothing is due until 1000 more frames wait.
    for _ in 0..200 {
        write_rows(&store, 1);
    }
    wait_for_checkpoint(&store).unwrap();
    assert_eq!(checkpoints_started(&store).unwrap(), 1);
    assert!(wal_index(&store).unwrap().frames < CHECKPOINT_FRAMES);
    // On the WAL started again, every frame counts: one more large write is due at once.
    write_rows(&store, LARGE);
    wait_for_checkpoint(&store).unwrap();
    assert_eq!(checkpoints_started(&store).unwrap(), 2);
    assert_eq!(count_rows(&store), 2 * LARGE + 400);
}

#[test]
fn a_long_wal_waiting_for_its_restart_does_not_start_a_checkpoint_per_commit() {
    let dir = tempfile::tempdir().unwrap();
    let store = new_store(&dir);
    let hooks = hooks(&store);
    hooks.hold();
    write_rows(&store, LARGE);
    assert!(hooks.wait_until_held(HELD_WITHIN));
    let (reading, read) = std::sync::mpsc::channel();
    let (finish, finished) = std::sync::mpsc::channel::<()>();
    std::thread::scope(|s| {
        // A reader in the middle of a read: SQLite cannot start the WAL again from its beginning
        // while it reads, so the writes below are appended to the long WAL (as when writes keep
        // coming while checkpoints run).
        let reader = &store;
        s.spawn(move || {
            reader.raw_read(|c| {
                count_in(c);
                reading.send(()).unwrap();
                finished.recv().unwrap();
                Ok(())
            })
        });
        read.recv().unwrap();
        hooks.release();
        wait_for_checkpoint(&store).unwrap();
        for _ in 0..10 {
            write_rows(&store, 1);
        }
        finish.send(()).unwrap();
    });
    for _ in 0..200 {
        write_rows(&store, 1);
    }
    let wal = wal_index(&store).unwrap();
    assert!(wal.frames > CHECKPOINT_FRAMES, "the WAL was started again");
    // Far fewer than 1000 frames wait to be copied: none is due.
    assert!(wal.waiting() < CHECKPOINT_FRAMES);
    assert_eq!(checkpoints_started(&store).unwrap(), 1);
    // ...until 1000 more frames have been appended.
    write_rows(&store, LARGE);
    wait_for_checkpoint(&store).unwrap();
    assert_eq!(checkpoints_started(&store).unwrap(), 2);
}

#[test]
fn a_failed_checkpoint_loses_nothing_and_the_next_commit_retries() {
    let dir = tempfile::tempdir().unwrap();
    let store = new_store(&dir);
    let hooks = hooks(&store);
    hooks.fail_checkpoints(true);
    let before = db_len(&store);
    write_rows(&store, LARGE);
    wait_for_checkpoint(&store).unwrap();
    assert_eq!(checkpoints_started(&store).unwrap(), 1);
    assert_eq!(
        db_len(&store),
        before,
        "the failing checkpoint copied pages"
    );
    hooks.fail_checkpoints(false);
    write_rows(&store, 1);
    wait_for_checkpoint(&store).unwrap();
    assert_eq!(checkpoints_started(&store).unwrap(), 2);
    assert!(db_len(&store) >= before + LARGE as u64 * ROW_BYTES);
    drop(hooks);
    store.lock().unwrap();
    let store = Store::unlock(dir.path(), Unlock::Passphrase(PASS)).unwrap();
    assert_eq!(count_rows(&store), LARGE + 1);
    assert_eq!(store.verify_audit().unwrap().broken, None);
}

#[test]
fn without_a_thread_the_commit_checkpoints_itself() {
    let dir = tempfile::tempdir().unwrap();
    let store = new_store(&dir);
    let hooks = hooks(&store);
    hooks.refuse_threads(true);
    let before = db_len(&store);
    write_rows(&store, LARGE);
    // As SQLite's own automatic checkpoint would have: done when the write returns.
    assert_eq!(checkpoints_started(&store).unwrap(), 0);
    assert!(db_len(&store) >= before + LARGE as u64 * ROW_BYTES);
}

#[test]
fn failing_checkpoints_fall_back_to_the_writer_past_the_hard_limit() {
    let dir = tempfile::tempdir().unwrap();
    let store = new_store(&dir);
    let hooks = hooks(&store);
    hooks.fail_checkpoints(true);
    let before = db_len(&store);
    let mut written = 0;
    loop {
        write_rows(&store, LARGE);
        written += LARGE as u64 * ROW_BYTES;
        // Let the (failing) background checkpoint end, so the next commit knows it failed.
        wait_for_checkpoint(&store).unwrap();
        if wal_index(&store).unwrap().frames > HARD_LIMIT_FRAMES {
            break;
        }
        // Below the hard limit every commit leaves it to a thread (which fails here)...
        assert_eq!(db_len(&store), before, "checkpointed below the hard limit");
        assert!(written < 200_000_000, "the WAL does not grow");
    }
    // ...past it, the commit that found the WAL too long checkpointed it itself.
    assert!(checkpoints_started(&store).unwrap() >= 2);
    assert!(
        db_len(&store) >= before + written,
        "the WAL grew past the hard limit and was not checkpointed"
    );
    // Everything copied: the next write starts the WAL again from its beginning.
    hooks.fail_checkpoints(false);
    write_rows(&store, 1);
    assert!(wal_index(&store).unwrap().frames < CHECKPOINT_FRAMES);
}
