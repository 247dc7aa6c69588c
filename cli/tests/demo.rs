//! `phr demo` at the instants that used to break it: it never logs a reading after its own now,
//! in any zone, and leaves either a whole demo or nothing.

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::DateTime;
use predicates::prelude::*;
use std::path::Path;

/// Run the demo into `dir` with the clock at `now` and extra arguments.
fn demo(dir: &Path, now: &str, extra: &[&str]) -> assert_cmd::assert::Assert {
    common::bare()
        .env("PHR_TEST_NOW", now)
        .args(extra)
        .args(["demo", "--dir"])
        .arg(dir)
        .assert()
}

/// Every instant a record of `who` carries in the demo's FHIR export, in unix seconds.
fn instants(store: &Path, now: &str, who: &str) -> Vec<i64> {
    let out = store.join(format!("{who}.json"));
    common::bare()
        .env("PHR_TEST_NOW", now)
        .env("PHR_STORE", store)
        .env("PHR_PASSPHRASE", "demo-passphrase")
        .args(["--for", who, "export", "--format", "fhir", "--out"])
        .arg(&out)
        .assert()
        .success();
    let bundle: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let mut found = vec![];
    for e in bundle["entry"].as_array().unwrap() {
        let r = &e["resource"];
        for field in ["effectiveDateTime", "occurrenceDateTime", "issued"] {
            if let Some(t) = r[field].as_str().filter(|t| t.contains('T')) {
                found.push(DateTime::parse_from_rfc3339(t).unwrap().timestamp());
            }
        }
    }
    found
}

#[test]
fn the_demo_succeeds_at_any_hour_and_logs_nothing_after_its_now() {
    let cases: &[(&str, &[&str])] = &[
        ("2026-12-02T15:30:00Z", &[]), // 00:30 in Tokyo
        ("2026-12-02T21:00:00Z", &[]), // 06:00 in Tokyo
        ("2026-12-31T14:59:30Z", &[]), // New Year's Eve, 23:59:30 in Tokyo
        ("2028-02-29T00:15:00Z", &[]), // a leap day, 09:15 in Tokyo
        ("2027-03-14T06:30:00Z", &["--tz", "America/New_York"]), // the night clocks spring forward
        ("2026-11-01T05:30:00Z", &["--tz", "America/New_York"]), // the repeated hour in autumn
    ];
    for (now, extra) in cases {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("demo");
        demo(&store, now, extra)
            .success()
            .stdout(predicate::str::contains("chain intact"));
        let limit = DateTime::parse_from_rfc3339(now).unwrap().timestamp();
        for who in ["hanako", "taro"] {
            let all = instants(&store, now, who);
            assert!(
                all.len() > 300,
                "{now}: {who} has {} timed records",
                all.len()
            );
            let late = all.iter().filter(|t| **t > limit).count();
            assert_eq!(
                late, 0,
                "{now} {extra:?}: {late} of {who}'s records after now"
            );
        }
    }
}

#[test]
fn the_demo_uses_its_own_passphrase_and_never_prints_one_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("demo");
    common::bare()
        .env("PHR_PASSPHRASE", "my-own-secret-passphrase")
        .args(["demo", "--dir"])
        .arg(&store)
        .assert()
        .success()
        .stdout(predicate::str::contains("my-own-secret-passphrase").not())
        .stdout(predicate::str::contains("passphrase: demo-passphrase"));
    common::bare()
        .env("PHR_STORE", &store)
        .env("PHR_PASSPHRASE", "demo-passphrase")
        .args(["--for", "taro", "list", "--limit", "1"])
        .assert()
        .success();
}

#[test]
fn a_demo_that_fails_part_way_leaves_no_half_built_folder() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("demo");
    // Nothing listens on port 9: the sync at the end of the demo fails after the store is built.
    demo(&store, common::NOW, &["--tz", "Asia/Tokyo"]).success();
    common::bare()
        .args(["demo", "--server", "http://127.0.0.1:9/fhir", "--dir"])
        .arg(&store)
        .assert()
        .failure();
    assert!(
        !store.exists(),
        "the half-built demo folder was left behind"
    );
    // An unknown zone is refused before anything is built.
    demo(&store, common::NOW, &["--tz", "Mars/Olympus"]).code(2);
    assert!(!store.exists());
}
