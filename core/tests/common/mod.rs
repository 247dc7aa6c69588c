//! Helpers shared by the store's behaviour tests. Each test binary uses a subset.
#![allow(dead_code)]

use phr_core::audit::{AuditAction, NewAuditEntry};
use phr_core::store::testing::RawStore;
use phr_core::{KdfParams, Store};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const PASS: &str = "correct horse battery";

/// A low KDF cost: tests are about behaviour, not brute-force resistance.
pub fn kdf() -> KdfParams {
    KdfParams::cheap()
}

/// Every regular file under `dir` (recursively), path relative to `dir` → contents.
pub fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            walk(root, &path, out);
        } else if meta.is_file() {
            // A file may vanish between listing and reading (SQLite's -wal/-shm): skip it.
            if let Ok(bytes) = std::fs::read(&path) {
                out.insert(path.strip_prefix(root).unwrap().to_path_buf(), bytes);
            }
        }
    }
}

/// Every file under `dir` → SHA-256, to compare "byte-identical" before and after.
pub fn hashes(dir: &Path) -> BTreeMap<PathBuf, String> {
    snapshot(dir)
        .into_iter()
        .map(|(p, b)| {
            (
                p,
                hex::encode(ring::digest::digest(&ring::digest::SHA256, &b)),
            )
        })
        .collect()
}

/// Assert the folder holds exactly the same files with exactly the same bytes.
pub fn assert_unchanged(before: &BTreeMap<PathBuf, String>, dir: &Path, case: &str) {
    let after = hashes(dir);
    let names = |m: &BTreeMap<PathBuf, String>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        names(before),
        names(&after),
        "{case}: the set of files changed"
    );
    for (path, hash) in before {
        assert_eq!(
            Some(hash),
            after.get(path),
            "{case}: {} changed",
            path.display()
        );
    }
}

/// Create (if needed) the scratch table `t` and insert one row with its audit entry.
pub fn write_row(store: &Store, id: i64, body: &str) {
    store
        .raw_write("tester", |w| {
            w.tx().execute_batch(
                "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)",
            )?;
            w.tx().execute(
                "INSERT INTO t (id, body) VALUES (?1, ?2)",
                rusqlite::params![id, body],
            )?;
            record_written(w, id)
        })
        .unwrap();
}

/// The audit entry for writing row `id` of the scratch table.
pub fn record_written(w: &phr_core::store::WriteCtx<'_>, id: i64) -> phr_core::Result<()> {
    w.audit(NewAuditEntry {
        actor: "tester",
        subject: "resident",
        action: AuditAction::RecordWritten,
        record_ids: &[id.to_string()],
        delegation: None,
    })?;
    Ok(())
}

/// `PRAGMA integrity_check` through a reader.
pub fn integrity(store: &Store) -> String {
    store
        .raw_read(|c| Ok(c.query_row("PRAGMA integrity_check", [], |r| r.get::<_, String>(0))?))
        .unwrap()
}

/// A small non-cryptographic PRNG (xorshift64*), seeded from the clock unless `PHR_TEST_SEED`
/// is set, so a failing run can be repeated.
pub struct Rng(u64);

impl Rng {
    pub fn from_env_or_clock(label: &str) -> Rng {
        let seed = std::env::var("PHR_TEST_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
                    | 1
            });
        eprintln!("{label}: PHR_TEST_SEED={seed}");
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform-ish in `lo..hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo)
    }
}

/// A child process running test `name` of this same test binary, with `env` set. Child tests
/// are `#[ignore]`d (a plain `cargo test` never runs them on their own) and fail when run
/// without their parent ([`child_env`]), so none reports a pass it did not earn.
pub fn spawn_child(name: &str, env: &[(&str, String)]) -> std::process::Child {
    let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--exact",
        name,
        "--ignored",
        "--nocapture",
        "--test-threads",
        "1",
    ])
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.spawn().unwrap()
}

/// The value of `var`, which a parent test sets for its child; a child run without its parent
/// fails here instead of passing without doing anything.
pub fn child_env(var: &str) -> String {
    std::env::var(var)
        .unwrap_or_else(|_| panic!("a child test, run by its parent test only ({var} is not set)"))
}

/// Read the child's stdout lines on a thread; lines arrive on the returned channel.
pub fn stdout_lines(
    child: &mut std::process::Child,
) -> (
    std::sync::mpsc::Receiver<String>,
    std::thread::JoinHandle<()>,
) {
    use std::io::BufRead;
    let out = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let handle = std::thread::spawn(move || {
        for line in std::io::BufReader::new(out).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (rx, handle)
}

/// Print one protocol line to the parent and flush it before going on. libtest has already
/// printed `test <name> ... ` without a newline, so the first line arrives with that prefix:
/// the parent matches with [`protocol`].
pub fn tell_parent(line: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").unwrap();
    out.flush().unwrap();
}

/// The protocol word of a child's line, with libtest's `test <name> ... ` prefix removed.
pub fn protocol(line: &str) -> &str {
    line.rsplit_once(" ... ").map_or(line, |(_, rest)| rest)
}

// ---- record-level helpers ----

pub fn person(
    nick: &str,
    family: &str,
    given: &str,
    birth: (i32, u32, u32),
    sex: phr_core::records::Sex,
) -> phr_core::records::NewPerson {
    phr_core::records::NewPerson {
        nickname: nick.into(),
        family_name: family.into(),
        given_name: given.into(),
        family_name_kana: None,
        given_name_kana: None,
        birth_date: chrono::NaiveDate::from_ymd_opt(birth.0, birth.1, birth.2).unwrap(),
        sex,
        insurer_number: None,
        insured_symbol: None,
        insured_number: None,
        municipality_code: None,
    }
}

/// A fresh store with an owner (hanako) and a second person (taro).
pub fn session_with_two() -> (
    tempfile::TempDir,
    phr_core::Session,
    phr_core::records::Person,
    phr_core::records::Person,
) {
    let dir = tempfile::tempdir().unwrap();
    let s = phr_core::Session::create(dir.path(), "correct horse", kdf()).unwrap();
    let hanako = s
        .add_person(person(
            "hanako",
            "山田",
            "花子",
            (1975, 5, 3),
            phr_core::records::Sex::Female,
        ))
        .unwrap();
    let taro = s
        .as_person(&hanako.id)
        .add_person(person(
            "taro",
            "山田",
            "太郎",
            (1945, 1, 20),
            phr_core::records::Sex::Male,
        ))
        .unwrap();
    (dir, s, hanako, taro)
}

/// `days_ago` days before now, in Japan time.
pub fn jst_days_ago(days_ago: i64) -> phr_core::records::Stamp {
    phr_core::records::Stamp {
        utc_seconds: phr_core::clock::Clock::from_environment().now().timestamp()
            - days_ago * 86_400,
        offset_seconds: 9 * 3600,
    }
}

/// `n` steps at 08:00 Tokyo time on `d` (one device reading).
pub fn steps_on(d: chrono::NaiveDate, n: f64) -> phr_core::ClinicalInput {
    let jst = 9 * 3600;
    let t = d.and_hms_opt(8, 0, 0).unwrap().and_utc().timestamp() - i64::from(jst);
    phr_core::ClinicalInput::Observation(phr_core::records::ObservationInput::simple(
        phr_core::records::ObservationType::Steps,
        n,
        phr_core::records::Stamp {
            utc_seconds: t,
            offset_seconds: jst,
        },
    ))
}
