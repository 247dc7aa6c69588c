//! Three `phr` processes on one store at once: mixed writes, reads, an import, an export and a
//! backup each, bounded in time. No process is killed by a signal (the SIGBUS of issue #13 came
//! from the product opening and closing phr.db-shm itself), every acknowledged write is there
//! afterwards, the file and the audit chain are sound, and contention is a typed `Busy` (exit 7)
//! at worst, never a storage failure.

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{NOW, phr};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const PROCESSES: usize = 3;
/// Commands per process (the issue asks for 200).
const COMMANDS: usize = 200;
/// The whole run must finish in this time.
const BOUND: Duration = Duration::from_secs(240);

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../core/tests/fixtures/checkup")
        .join(name)
}

#[derive(Default, Debug)]
struct Tally {
    commands: usize,
    acknowledged: Vec<String>,
    busy: usize,
    crashed: Vec<String>,
    failed: Vec<String>,
}

fn one_process(store: &Path, out: &Path, p: usize) -> Tally {
    let bin = assert_cmd::cargo::cargo_bin("phr");
    let mut t = Tally::default();
    for j in 0..COMMANDS {
        let note = format!("stress p{p} n{j}");
        let args: Vec<String> = match j {
            50 => vec![
                "import".into(),
                fixture("tokutei_minimal.xml").display().to_string(),
            ],
            100 => vec![
                "export".into(),
                "--format".into(),
                "fhir".into(),
                "--out".into(),
                out.join(format!("export-{p}.json")).display().to_string(),
            ],
            150 => vec![
                "backup".into(),
                "--out".into(),
                out.join(format!("backup-{p}.db")).display().to_string(),
            ],
            j if j % 3 == 2 => vec!["list".into(), "--limit".into(), "5".into()],
            _ => vec!["log".into(), "note".into(), note.clone()],
        };
        let o = Command::new(&bin)
            .args(&args)
            .env("PHR_TEST_NOW", NOW)
            .env("PHR_KDF_MEMORY_KIB", "64")
            .env("PHR_STORE", store)
            .env("PHR_PASSPHRASE", "correct horse")
            .env("PHR_BACKUP_PASSPHRASE", "backup passphrase")
            .output()
            .unwrap();
        t.commands += 1;
        let what = format!("p{p} #{j} {}", args[0]);
        match (o.status.code(), o.status.signal()) {
            (Some(0), _) => {
                if args[0] == "log" {
                    t.acknowledged.push(note);
                }
            }
            (Some(7), _) => t.busy += 1,
            (_, Some(sig)) => t.crashed.push(format!("{what}: signal {sig}")),
            (code, _) => t.failed.push(format!(
                "{what}: exit {code:?}: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            )),
        }
    }
    t
}

#[test]
fn three_processes_on_one_store_lose_nothing_and_never_crash() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    phr(&store).arg("init").assert().success();
    phr(&store)
        .args([
            "person",
            "add",
            "--nickname",
            "hanako",
            "--family",
            "山田",
            "--given",
            "花子",
            "--birth",
            "1975-05-03",
        ])
        .assert()
        .success();
    let started = Instant::now();
    let tallies: Vec<Tally> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..PROCESSES)
            .map(|p| {
                let (store, out) = (&store, dir.path());
                s.spawn(move || one_process(store, out, p))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let took = started.elapsed();

    let commands: usize = tallies.iter().map(|t| t.commands).sum();
    let acknowledged: Vec<&String> = tallies.iter().flat_map(|t| &t.acknowledged).collect();
    let busy: usize = tallies.iter().map(|t| t.busy).sum();
    let crashed: Vec<&String> = tallies.iter().flat_map(|t| &t.crashed).collect();
    let failed: Vec<&String> = tallies.iter().flat_map(|t| &t.failed).collect();

    let listed = phr(&store)
        .args(["list", "--kind", "note", "--limit", "1000"])
        .output()
        .unwrap();
    assert!(
        listed.status.success(),
        "{}; failed: {failed:#?}",
        String::from_utf8_lossy(&listed.stderr)
    );
    let listed = String::from_utf8(listed.stdout).unwrap();
    let lost: Vec<&&String> = acknowledged
        .iter()
        // Each line ends with the note's text and then the record's `[id]`.
        .filter(|n| !listed.lines().any(|l| l.contains(&format!("{n}  ["))))
        .collect();
    let check = phr(&store).arg("check").output().unwrap();
    let audit = phr(&store).args(["audit", "verify"]).output().unwrap();
    eprintln!(
        "{PROCESSES} processes x {COMMANDS} commands = {commands} in {:.1} s: {} writes \
         acknowledged, {} lost, {busy} busy (exit 7), {} crashed, {} failed otherwise; check {}, \
         audit chain {}",
        took.as_secs_f64(),
        acknowledged.len(),
        lost.len(),
        crashed.len(),
        failed.len(),
        if check.status.success() {
            "ok"
        } else {
            "FAILED"
        },
        if audit.status.success() {
            "ok"
        } else {
            "BROKEN"
        },
    );
    assert!(crashed.is_empty(), "killed by a signal: {crashed:#?}");
    assert!(failed.is_empty(), "failed: {failed:#?}");
    assert!(lost.is_empty(), "acknowledged writes lost: {lost:?}");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    assert!(
        audit.status.success(),
        "{}",
        String::from_utf8_lossy(&audit.stderr)
    );
    assert!(
        acknowledged.len() * 2 > PROCESSES * COMMANDS,
        "most writes were refused as busy"
    );
    for p in 0..PROCESSES {
        assert!(dir.path().join(format!("backup-{p}.db")).exists() || busy > 0);
    }
    assert!(took < BOUND, "took {took:?}");
}
