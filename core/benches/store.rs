//! Store benchmarks: `cargo bench -p phr-core --bench store`.
//!
//! - 1,000,000 observation-like rows in one transaction, encrypted store vs plain SQLite
//!   (same schema, same pragmas), with the throughput ratio printed at the end
//!   (goal: plain/encrypted time ratio ≥ 0.85, i.e. encrypted at ≥ 85 % of plain throughput);
//! - one committed write with its audit entry (goal: median ≤ 1 ms);
//! - unlock by platform key (goal: ≤ 30 ms) and by passphrase at the default cost (reported).

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use phr_core::store::testing::RawStore;

use criterion::{BatchSize, Criterion};
use phr_core::audit::{AuditAction, NewAuditEntry};
use phr_core::{InMemoryKeyStore, KdfParams, Store, Unlock};
use rusqlite::{Connection, Transaction, params};
use std::sync::Mutex;
use std::time::{Duration, Instant};

const PASS: &str = "benchmark passphrase";
const ROWS: i64 = 1_000_000;
/// Its own table: the store's schema has had an `observation` table (with other columns) since
/// schema v2, and `CREATE TABLE IF NOT EXISTS observation` then left the inserts failing.
const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS bench_observation (
    id TEXT PRIMARY KEY, subject TEXT NOT NULL, code TEXT NOT NULL, value REAL NOT NULL,
    unit TEXT NOT NULL, effective TEXT NOT NULL, created TEXT NOT NULL) STRICT";

static TIMES: Mutex<Vec<(&'static str, Duration)>> = Mutex::new(Vec::new());

fn low_kdf() -> KdfParams {
    KdfParams::cheap()
}

fn insert_rows(tx: &Transaction<'_>, start: i64, n: i64) -> rusqlite::Result<()> {
    tx.execute_batch(SCHEMA)?;
    let mut stmt = tx.prepare(
        "INSERT INTO bench_observation (id, subject, code, value, unit, effective, created)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    const CODES: [(&str, &str); 4] = [
        ("8480-6", "mm[Hg]"),
        ("8462-4", "mm[Hg]"),
        ("4548-4", "%"),
        ("29463-7", "kg"),
    ];
    for i in start..start + n {
        let (code, unit) = CODES[(i % 4) as usize];
        stmt.execute(params![
            format!("obs-{i:012}"),
            format!("person-{:04}", i % 7),
            code,
            60.0 + (i % 100) as f64 * 0.7,
            unit,
            format!("2025-{:02}-{:02}T08:30:00+09:00", 1 + i % 12, 1 + i % 28),
            "2026-11-24T10:00:00.000000Z",
        ])?;
    }
    Ok(())
}

fn record(tag: &'static str, d: Duration) {
    TIMES.lock().unwrap().push((tag, d));
}

fn bulk_insert(c: &mut Criterion) {
    let mut g = c.benchmark_group("insert_1m_rows_one_transaction");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(30))
        .warm_up_time(Duration::from_secs(1));
    g.bench_function("encrypted_store", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let dir = tempfile::tempdir().unwrap();
                let store = Store::create(dir.path(), PASS, low_kdf()).unwrap();
                let t = Instant::now();
                store
                    .raw_write("bench", |w| {
                        insert_rows(w.tx(), 0, ROWS)?;
                        w.audit(NewAuditEntry {
                            actor: "bench",
                            subject: "person-0000",
                            action: AuditAction::RecordWritten,
                            record_ids: &[],
                            delegation: None,
                        })?;
                        Ok(())
                    })
                    .unwrap();
                let d = t.elapsed();
                record("encrypted", d);
                total += d;
            }
            total
        })
    });
    g.bench_function("plain_sqlite", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let dir = tempfile::tempdir().unwrap();
                let mut conn = Connection::open(dir.path().join("plain.db")).unwrap();
                // The store's pragmas, without the key. The store checkpoints on its own
                // thread after the commit (store/checkpoint.rs), so the plain file does not
                // checkpoint inside its commit either.
                conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))
                    .unwrap();
                conn.execute_batch(
                    "PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;
                     PRAGMA secure_delete = ON; PRAGMA synchronous = NORMAL;
                     PRAGMA wal_autocheckpoint = 0;",
                )
                .unwrap();
                let t = Instant::now();
                let tx = conn
                    .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                    .unwrap();
                insert_rows(&tx, 0, ROWS).unwrap();
                tx.commit().unwrap();
                let d = t.elapsed();
                record("plain", d);
                total += d;
            }
            total
        })
    });
    g.finish();
}

fn single_write(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::create(dir.path(), PASS, low_kdf()).unwrap();
    let mut next = 0i64;
    c.bench_function("one_committed_write_with_audit_entry", |b| {
        b.iter(|| {
            next += 1;
            let id = [format!("obs-{next:012}")];
            store
                .raw_write("bench", |w| {
                    insert_rows(w.tx(), next, 1)?;
                    w.audit(NewAuditEntry {
                        actor: "bench",
                        subject: "person-0000",
                        action: AuditAction::RecordWritten,
                        record_ids: &id,
                        delegation: None,
                    })?;
                    Ok(())
                })
                .unwrap();
        })
    });
}

fn unlock(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let platform = InMemoryKeyStore::new();
    let store = Store::create(dir.path(), PASS, KdfParams::default()).unwrap();
    store.enroll_platform_key(&platform).unwrap();
    store
        .raw_write("bench", |w| {
            insert_rows(w.tx(), 0, 10_000)?;
            Ok(())
        })
        .unwrap();
    store.lock().unwrap();
    drop(store);

    let mut g = c.benchmark_group("unlock");
    g.sample_size(10);
    g.bench_function("platform_key", |b| {
        b.iter_batched(
            || (),
            |()| Store::unlock(dir.path(), Unlock::Platform(&platform)).unwrap(),
            BatchSize::PerIteration,
        )
    });
    g.bench_function("passphrase_600k_iterations", |b| {
        b.iter_batched(
            || (),
            |()| Store::unlock(dir.path(), Unlock::Passphrase(PASS)).unwrap(),
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

fn median(tag: &str) -> Option<Duration> {
    let mut v: Vec<Duration> = TIMES
        .lock()
        .unwrap()
        .iter()
        .filter(|(t, _)| *t == tag)
        .map(|(_, d)| *d)
        .collect();
    v.sort();
    v.get(v.len() / 2).copied()
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bulk_insert(&mut c);
    single_write(&mut c);
    unlock(&mut c);
    c.final_summary();
    if let (Some(enc), Some(plain)) = (median("encrypted"), median("plain")) {
        let rows = ROWS as f64;
        println!(
            "1M-row insert, median of all runs: encrypted {:.2} s ({:.0} rows/s), plain {:.2} s ({:.0} rows/s); \
             encrypted throughput = {:.2} x plain (goal >= 0.85)",
            enc.as_secs_f64(),
            rows / enc.as_secs_f64(),
            plain.as_secs_f64(),
            rows / plain.as_secs_f64(),
            plain.as_secs_f64() / enc.as_secs_f64()
        );
    }
}
