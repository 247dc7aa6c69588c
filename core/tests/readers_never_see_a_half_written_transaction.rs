//! Readers running beside the writer only ever see whole committed transactions.

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use phr_core::store::testing::RawStore;

mod common;

use common::{PASS, Rng, kdf, record_written};
use phr_core::Store;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

const ACCOUNTS: i64 = 10;
const START: i64 = 1000;
const WRITES: i64 = 400;

#[test]
fn readers_never_see_a_half_written_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::create(dir.path(), PASS, kdf()).unwrap();
    store
        .raw_write("tester", |w| {
            w.tx().execute_batch(
                "CREATE TABLE acct (id INTEGER PRIMARY KEY, bal INTEGER NOT NULL);
                 CREATE TABLE left_side (id INTEGER PRIMARY KEY);
                 CREATE TABLE right_side (id INTEGER PRIMARY KEY);",
            )?;
            for id in 0..ACCOUNTS {
                w.tx()
                    .execute("INSERT INTO acct VALUES (?1, ?2)", [id, START])?;
            }
            Ok(())
        })
        .unwrap();

    let done = AtomicBool::new(false);
    let checks = AtomicU64::new(0);
    std::thread::scope(|s| {
        for _ in 0..3 {
            s.spawn(|| {
                while !done.load(Ordering::SeqCst) {
                    // Separate statements in one read: they must see one snapshot.
                    let (sum, left, right, audit) = store
                        .raw_read(|c| {
                            let sum: i64 =
                                c.query_row("SELECT sum(bal) FROM acct", [], |r| r.get(0))?;
                            let left: i64 =
                                c.query_row("SELECT count(*) FROM left_side", [], |r| r.get(0))?;
                            let right: i64 =
                                c.query_row("SELECT count(*) FROM right_side", [], |r| r.get(0))?;
                            let audit: i64 = c.query_row(
                                "SELECT count(*) FROM audit_log WHERE action = 'record_written'",
                                [],
                                |r| r.get(0),
                            )?;
                            Ok((sum, left, right, audit))
                        })
                        .unwrap();
                    assert_eq!(sum, ACCOUNTS * START, "a transfer was seen half done");
                    assert_eq!(left, right, "a pair was seen half written");
                    assert_eq!(left, audit, "a change was seen without its audit entry");
                    checks.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        s.spawn(|| {
            let mut rng = Rng::from_env_or_clock("concurrency");
            for i in 0..WRITES {
                let from = rng.range(0, ACCOUNTS as u64) as i64;
                let to = rng.range(0, ACCOUNTS as u64) as i64;
                let amount = rng.range(1, 50) as i64;
                store
                    .raw_write("tester", |w| {
                        w.tx().execute(
                            "UPDATE acct SET bal = bal - ?1 WHERE id = ?2",
                            [amount, from],
                        )?;
                        w.tx()
                            .execute("INSERT INTO left_side (id) VALUES (?1)", [i])?;
                        w.tx().execute(
                            "UPDATE acct SET bal = bal + ?1 WHERE id = ?2",
                            [amount, to],
                        )?;
                        w.tx()
                            .execute("INSERT INTO right_side (id) VALUES (?1)", [i])?;
                        record_written(w, i)
                    })
                    .unwrap();
            }
            done.store(true, Ordering::SeqCst);
        });
    });
    assert!(checks.load(Ordering::Relaxed) >= 30, "readers hardly ran");
    let left: i64 = store
        .raw_read(|c| Ok(c.query_row("SELECT count(*) FROM left_side", [], |r| r.get(0))?))
        .unwrap();
    assert_eq!(left, WRITES);
    assert_eq!(store.verify_audit().unwrap().broken, None);
}
