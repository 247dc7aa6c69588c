//! `phr compliance`, `phr about`, `phr provisions` and `phr request` end to end (issue #20
//! items 1–3): the real binary on real stores.

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{bare, phr};
use predicates::prelude::*;

fn run_compliance(args: &[&str]) -> (bool, String) {
    let out = bare().arg("compliance").args(args).output().unwrap();
    (out.status.success(), String::from_utf8(out.stdout).unwrap())
}

/// docs/COMPLIANCE.md and docs/COMPLIANCE.ja.md are exactly what `phr compliance` says now: a
/// stale report fails the suite (regenerate with scripts/gen-compliance.sh). No item FAILs.
#[test]
fn the_published_self_check_is_current_and_passes() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for (lang, file) in [
        ("en", "docs/COMPLIANCE.md"),
        ("ja", "docs/COMPLIANCE.ja.md"),
    ] {
        let (ok, now) = run_compliance(&["--lang", lang]);
        assert!(ok, "an item FAILs:\n{now}");
        let published = std::fs::read_to_string(root.join(file)).unwrap();
        assert!(
            published == now,
            "{file} is stale: run scripts/gen-compliance.sh"
        );
        let (_, again) = run_compliance(&["--lang", lang]);
        assert_eq!(again, now, "the same inputs give the same report");
    }
    let (ok, json) = run_compliance(&["--format", "json"]);
    assert!(ok);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let ids: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"S-19") && ids.contains(&"S-33"), "{ids:?}");
}

/// A profile that leaves out what APPI art. 32 asks to publish fails the check, naming S-17,
/// and the command exits non-zero.
#[test]
fn a_profile_without_the_operators_details_fails_the_check() {
    let dir = tempfile::tempdir().unwrap();
    let mut p: serde_json::Value =
        serde_json::from_str(include_str!("../../core/profiles/municipality-sample.json")).unwrap();
    p.as_object_mut().unwrap().remove("about");
    let file = dir.path().join("p.json");
    std::fs::write(&file, p.to_string()).unwrap();
    let out = bare()
        .args(["compliance", "--lang", "en", "--profile"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let line = text.lines().find(|l| l.starts_with("| S-17 ")).unwrap();
    assert!(
        line.ends_with("| FAIL |") && line.contains("address"),
        "{line}"
    );
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("1 item(s) FAIL")
    );
    bare()
        .args(["about", "--lang", "en", "--profile"])
        .arg(&file)
        .assert()
        .failure()
        .stderr(predicate::str::contains("APPI art. 32"));
}

/// The resident's side: about from the store's profile, the provision log of a consented
/// export, a disclosure folder, a stop of provision and an erasure, each listed with its outcome.
#[test]
fn a_resident_reads_the_operator_the_provision_log_and_makes_requests() {
    let dir = tempfile::tempdir().unwrap();
    let s = common::store_of_hanako(dir.path());
    phr(&s)
        .args(["log", "bp", "128/82", "--at", "2026-11-18T07:00:00+09:00"])
        .assert()
        .success();
    phr(&s)
        .args(["about", "--lang", "en"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Representative: サンプル区長"))
        .stdout(predicate::str::contains("Safety measures:"));
    phr(&s)
        .args(["provisions", "--lang", "en"])
        .assert()
        .success()
        .stdout(predicate::str::contains("nothing has left this device"));
    phr(&s)
        .args([
            "consent",
            "grant",
            "--recipient",
            "health-dept",
            "--categories",
            "vitals",
            "--purpose",
            "specific_health_guidance",
        ])
        .assert()
        .success();
    let file = dir.path().join("out.json");
    phr(&s)
        .args(["export", "--format", "fhir", "--recipient", "health-dept"])
        .args(["--purpose", "specific_health_guidance", "--out"])
        .arg(&file)
        .assert()
        .success();
    let csv = dir.path().join("log.csv");
    phr(&s)
        .args(["provisions", "--format", "csv", "--out"])
        .arg(&csv)
        .assert()
        .success()
        .stdout(predicate::str::contains("wrote 1 provision(s)"));
    let csv = std::fs::read_to_string(&csv).unwrap();
    assert!(csv.contains(",file,records,vitals,,1,"), "{csv}");
    // (A value such as 128 could occur by chance in an id; 128/82 cannot.)
    assert!(
        !csv.contains("128/82") && !csv.contains("mmHg"),
        "no value in the log"
    );
    // The same export to an existing file is refused before anything is released.
    phr(&s)
        .args(["export", "--format", "fhir", "--recipient", "health-dept"])
        .args(["--purpose", "specific_health_guidance", "--out"])
        .arg(&file)
        .assert()
        .failure();
    let out = dir.path().join("disclosure");
    phr(&s)
        .args(["request", "disclosure", "--out"])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains("1 provision(s)"));
    for f in [
        "record.fhir.json",
        "provisions.json",
        "provisions.csv",
        "request.json",
    ] {
        assert!(out.join(f).is_file(), "{f}");
    }
    let receipt = dir.path().join("stop.json");
    phr(&s)
        .args(["request", "stop", "--recipient", "health-dept", "--receipt"])
        .arg(&receipt)
        .assert()
        .success()
        .stdout(predicate::str::contains("第三者提供の停止の請求"));
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&receipt).unwrap()).unwrap();
    assert_eq!(r["request"]["status"], "done");
    phr(&s)
        .args(["request", "erasure", "--all"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("--yes"));
    phr(&s)
        .args(["request", "erasure", "--all", "--yes"])
        .assert()
        .success()
        .stdout(predicate::str::contains("1 record(s) erased"));
    let list = phr(&s).args(["request", "list"]).output().unwrap();
    let list = String::from_utf8(list.stdout).unwrap();
    let kinds: Vec<&str> = list
        .lines()
        .map(|l| l.split_whitespace().nth(3).unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["disclosure", "stop_of_provision", "erasure"],
        "{list}"
    );
    // The log outlives the erasure.
    phr(&s)
        .args(["provisions", "--format", "json"])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"recipient\": \"health-dept\""));
}

/// The operator's retention period (S-24) runs at each unlock: a weight logged in January is
/// kept in November and gone once a year has passed, with the erasure in the audit trail.
#[test]
fn a_record_past_the_operators_retention_period_is_erased_at_the_next_unlock() {
    let dir = tempfile::tempdir().unwrap();
    let s = common::store_of_hanako(dir.path());
    phr(&s)
        .args(["log", "weight", "58.5", "--at", "2026-01-10T07:00:00+09:00"])
        .assert()
        .success();
    let mut p: serde_json::Value =
        serde_json::from_str(include_str!("../../core/profiles/municipality-sample.json")).unwrap();
    p["retention"] = serde_json::json!([{ "category": "body", "years": 1 }]);
    let file = dir.path().join("p.json");
    std::fs::write(&file, p.to_string()).unwrap();
    phr(&s)
        .args(["consent", "show", "--profile"])
        .arg(&file)
        .assert()
        .success();
    phr(&s)
        .args(["list", "--type", "weight"])
        .assert()
        .success()
        .stdout(predicate::str::contains("58.5"));
    phr(&s)
        .env("PHR_TEST_NOW", "2027-01-11T00:00:00Z")
        .args(["list", "--type", "weight"])
        .assert()
        .success()
        .stdout(predicate::str::contains("58.5").not());
    phr(&s)
        .env("PHR_TEST_NOW", "2027-01-11T00:00:00Z")
        .args(["audit", "show"])
        .assert()
        .success()
        .stdout(predicate::str::contains("retention_applied"));
}

/// `phr share`: a patient summary file for the clinic under a permit ending at --until, ended
/// early with `phr share end`; a date in the past is refused and no file is left.
#[test]
fn a_resident_shares_a_patient_summary_with_the_clinic_and_ends_it() {
    let dir = tempfile::tempdir().unwrap();
    let s = common::store_of_hanako(dir.path());
    phr(&s)
        .args(["log", "bp", "128/82", "--at", "2026-11-18T07:00:00+09:00"])
        .assert()
        .success();
    let business = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../core/profiles/business-sample.json");
    phr(&s)
        .args(["consent", "show", "--profile"])
        .arg(&business)
        .assert()
        .success();
    let bad = dir.path().join("bad.json");
    phr(&s)
        .args([
            "share",
            "--to",
            "family-clinic",
            "--categories",
            "demographics,vitals",
        ])
        .args(["--until", "2026-01-31", "--out"])
        .arg(&bad)
        .assert()
        .failure()
        .stderr(predicate::str::contains("until"));
    assert!(!bad.exists(), "nothing written for a refused share");
    let out = dir.path().join("ips.json");
    let shared = phr(&s)
        .args([
            "share",
            "--to",
            "family-clinic",
            "--categories",
            "demographics,vitals",
        ])
        .args(["--until", "2026-12-19", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(shared.status.success());
    let said = String::from_utf8(shared.stdout).unwrap();
    let id = said
        .rsplit("phr share end ")
        .next()
        .unwrap()
        .trim_end_matches([')', '\n']);
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(doc["type"], "document");
    assert_eq!(doc["entry"][0]["resource"]["resourceType"], "Composition");
    phr(&s)
        .args(["provisions", "--format", "csv"])
        .assert()
        .success()
        .stdout(predicate::str::contains(",summary,records,"));
    phr(&s)
        .args(["share", "end", id])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "nothing more goes to family-clinic",
        ));
    // As a SMART Health Link: the encrypted file, the link (with its key) and its QR code.
    let (jwe, png) = (dir.path().join("ips.jwe"), dir.path().join("ips.png"));
    let linked = phr(&s)
        .args([
            "share",
            "--to",
            "family-clinic",
            "--categories",
            "demographics,vitals",
        ])
        .args([
            "--until",
            "+14d",
            "--link-url",
            "https://shl.clinic.example.jp/f/1",
            "--out",
        ])
        .arg(&jwe)
        .arg("--qr")
        .arg(&png)
        .output()
        .unwrap();
    assert!(
        linked.status.success(),
        "{}",
        String::from_utf8_lossy(&linked.stderr)
    );
    let said = String::from_utf8(linked.stdout).unwrap();
    assert!(said.lines().any(|l| l.starts_with("shlink:/")), "{said}");
    let file = std::fs::read_to_string(&jwe).unwrap();
    assert_eq!(file.split('.').count(), 5, "a compact JWE");
    assert!(!file.contains("Composition"), "encrypted");
    assert_eq!(&std::fs::read(&png).unwrap()[..8], b"\x89PNG\r\n\x1a\n");
    // A plain-http address is refused before anything is released.
    let before = phr(&s)
        .args(["provisions", "--format", "csv"])
        .output()
        .unwrap()
        .stdout;
    phr(&s)
        .args([
            "share",
            "--to",
            "family-clinic",
            "--categories",
            "demographics,vitals",
        ])
        .args([
            "--until",
            "+14d",
            "--link-url",
            "http://shl.example.jp/f",
            "--out",
        ])
        .arg(dir.path().join("no.jwe"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("url"));
    let after = phr(&s)
        .args(["provisions", "--format", "csv"])
        .output()
        .unwrap()
        .stdout;
    assert_eq!(before, after, "nothing released");
}
