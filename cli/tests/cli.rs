//! The `phr` command end to end: a real store in a temp folder, the real binary.

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use assert_cmd::Command;
use common::{bare, phr};
use predicates::prelude::*;
use std::path::Path;

fn store_with_owner() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s");
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
            "--sex",
            "female",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("device owner"));
    dir
}

/// A second person, taro (born 1948), added by the owner.
fn add_taro(store: &Path) {
    // A member: he unlocks as himself (`--as taro`) with his own passphrase (the same text as
    // hanako's in these tests, so one PHR_PASSPHRASE serves both).
    phr(store)
        .env("PHR_NEW_PASSPHRASE", "correct horse")
        .args([
            "person",
            "add",
            "--nickname",
            "taro",
            "--family",
            "山田",
            "--given",
            "太郎",
            "--birth",
            "1948-01-20",
            "--sex",
            "male",
            "--member",
        ])
        .assert()
        .success();
}

fn files_digest(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = vec![];
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            out.push((
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            ));
        }
    }
    out.sort();
    out
}

#[test]
fn log_list_stats_and_timeline() {
    let dir = store_with_owner();
    let s = dir.path().join("s");
    phr(&s)
        .args(["log", "bp", "128/82", "--pulse", "64"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Blood pressure 128/82 mmHg"));
    phr(&s)
        .args(["log", "weight", "132", "--unit", "lb"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Weight 59.9 kg"));
    phr(&s)
        .args([
            "log", "glucose", "5.5", "--unit", "mmol/L", "--timing", "fasting",
        ])
        .assert()
        .success();
    phr(&s).args(["log", "steps", "8432"]).assert().success();
    phr(&s).args(["log", "note", "朝の散歩"]).assert().success();
    phr(&s)
        .args(["list", "--type", "bp"])
        .assert()
        .success()
        .stdout(predicate::str::contains("128/82"));
    phr(&s)
        .args(["list", "--search", "散歩"])
        .assert()
        .success()
        .stdout(predicate::str::contains("朝の散歩"));
    phr(&s).args(["timeline"]).assert().success().stdout(
        predicate::str::contains("Steps 8432").and(predicate::str::contains("Note: 朝の散歩")),
    );
    phr(&s)
        .args(["stats", "steps", "--by", "day", "--from", "2020-01-01"])
        .assert()
        .success()
        .stdout(predicate::str::contains("total 8432 steps"));
    phr(&s)
        .args(["audit", "verify"])
        .assert()
        .success()
        .stdout(predicate::str::contains("audit chain intact"));
    phr(&s)
        .args(["audit", "show"])
        .assert()
        .success()
        .stdout(predicate::str::contains("record_written"));
}

#[test]
fn bad_input_names_the_field_exits_nonzero_and_writes_nothing() {
    let dir = store_with_owner();
    let s = dir.path().join("s");
    phr(&s).args(["log", "steps", "100"]).assert().success();
    for (args, field) in [
        (vec!["log", "bp", "80/120"], "diastolic"),
        (vec!["log", "bp", "12882"], "reading"),
        (vec!["log", "weight", "900"], "value"),
        (vec!["log", "temp", "36.5", "--unit", "kg"], "unit"),
        (vec!["log", "glucose", "100", "--timing", "later"], "timing"),
        (vec!["log", "weight", "60", "--at", "yesterday"], "at"),
        // Before hanako was born (1975-05-03), and more than 10 minutes ahead of the clock.
        (
            vec!["log", "weight", "60", "--at", "1800-01-01T07:00:00+09:00"],
            "before the person's birth date",
        ),
        (
            vec!["log", "weight", "60", "--at", "2026-11-20T00:45:00+09:00"],
            "must not be in the future",
        ),
        (vec!["stats", "mood"], "type"),
    ] {
        phr(&s).args(&args).assert().code(1).stderr(
            predicate::str::starts_with("error: invalid ").and(predicate::str::contains(field)),
        );
    }
    // Refused input wrote nothing: still one record, one record_written audit entry.
    phr(&s)
        .args(["list", "--type", "steps"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Steps 100").count(1));
    phr(&s)
        .args(["audit", "show", "--limit", "1000"])
        .assert()
        .success()
        .stdout(predicate::str::contains("record_written").count(1));
}

#[test]
fn wrong_passphrase_has_its_own_exit_code_and_changes_nothing() {
    let dir = store_with_owner();
    let s = dir.path().join("s");
    let before = files_digest(&s);
    phr(&s)
        .env("PHR_PASSPHRASE", "wrong horse")
        .args(["timeline"])
        .assert()
        .code(3)
        .stderr("error: wrong passphrase; check the passphrase (PHR_PASSPHRASE) and try again\n");
    // The failed-attempt counter is the one file a wrong passphrase writes, by design.
    let after: Vec<_> = files_digest(&s)
        .into_iter()
        .filter(|(name, _)| name != "phr.attempts")
        .collect();
    assert_eq!(after, before);
}

#[test]
fn proxy_without_a_grant_is_not_permitted() {
    let dir = store_with_owner();
    let s = dir.path().join("s");
    add_taro(&s);
    phr(&s)
        .args(["--as", "hanako", "--for", "taro", "log", "bp", "128/82"])
        .assert()
        .code(5)
        .stderr(predicate::str::contains("not permitted"));
    phr(&s)
        .args(["--as", "taro", "log", "bp", "128/82"])
        .assert()
        .success();
    phr(&s)
        .args(["--for", "nobody", "timeline"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--for nobody: no person with this nickname",
        ));
}

#[test]
fn backup_restore_and_passphrase_change() {
    let dir = store_with_owner();
    let s = dir.path().join("s");
    phr(&s).args(["log", "weight", "61.5"]).assert().success();
    let backup = dir.path().join("b.db");
    phr(&s)
        .env("PHR_BACKUP_PASSPHRASE", "backup secret")
        .args(["backup", "--out"])
        .arg(&backup)
        .assert()
        .success();
    let restored = dir.path().join("r");
    phr(&restored)
        .env("PHR_BACKUP_PASSPHRASE", "wrong secret")
        .arg("restore")
        .arg(&backup)
        .assert()
        .code(3);
    assert!(!restored.join("phr.db").exists());
    phr(&restored)
        .env("PHR_BACKUP_PASSPHRASE", "backup secret")
        .arg("restore")
        .arg(&backup)
        .assert()
        .success();
    phr(&restored)
        .args(["list", "--type", "weight"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Weight 61.5 kg"));
    phr(&s)
        .env("PHR_NEW_PASSPHRASE", "battery staple")
        .args(["passphrase", "change"])
        .assert()
        .success();
    phr(&s).args(["timeline"]).assert().code(3);
    phr(&s)
        .env("PHR_PASSPHRASE", "battery staple")
        .args(["timeline"])
        .assert()
        .success();
}

#[test]
fn chart_writes_a_png() {
    let dir = store_with_owner();
    let s = dir.path().join("s");
    phr(&s).args(["log", "bp", "138/88"]).assert().success();
    let out = dir.path().join("trend.png");
    phr(&s)
        .args(["chart", "bp", "--out"])
        .arg(&out)
        .assert()
        .success();
    let bytes = std::fs::read(&out).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    // Japanese by default; the same chart in English is worded differently, same data.
    let en = dir.path().join("trend-en.png");
    phr(&s)
        .args(["chart", "bp", "--lang", "en", "--out"])
        .arg(&en)
        .assert()
        .success();
    let en = std::fs::read(&en).unwrap();
    assert_eq!(&en[..8], b"\x89PNG\r\n\x1a\n");
    assert_ne!(bytes, en, "the words differ");
    phr(&s)
        .args(["chart", "bp", "--lang", "fr", "--out"])
        .arg(dir.path().join("fr.png"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("(ja, en)"));
    assert!(!dir.path().join("fr.png").exists());
}

#[test]
fn no_passphrase_and_no_terminal_is_a_usage_error() {
    let dir = store_with_owner();
    let s = dir.path().join("s");
    phr(&s)
        .env_remove("PHR_PASSPHRASE")
        .args(["timeline"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("PHR_PASSPHRASE"));
}

#[test]
fn demo_runs_end_to_end_and_refuses_a_foreign_folder() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    let run = |c: &mut Command| {
        c.current_dir(dir.path())
            .env("PHR_KDF_MEMORY_KIB", "64")
            .env_remove("PHR_PASSPHRASE")
            .args(["demo", "--dir"])
            .arg(&demo)
            .assert()
    };
    run(&mut common::bare()).success().stdout(
        predicate::str::contains("山田　花子")
            .and(predicate::str::contains("chain intact"))
            .and(predicate::str::contains("Steps by month")),
    );
    assert!(demo.join("hanako-blood-pressure.png").exists());
    // Runs again over its own earlier demo.
    run(&mut common::bare()).success();
    let foreign = dir.path().join("mine");
    std::fs::create_dir(&foreign).unwrap();
    common::bare()
        .args(["demo", "--dir"])
        .arg(&foreign)
        .assert()
        .code(2);
    // The demo store opens with the printed passphrase.
    common::bare()
        .env("PHR_STORE", &demo)
        .env("PHR_PASSPHRASE", "demo-passphrase")
        .args(["--for", "hanako", "list", "--kind", "checkup"])
        .assert()
        .success()
        .stdout(predicate::str::contains("港区立健診センター"));
}

#[test]
fn a_daughter_manages_her_fathers_record_until_he_revokes() {
    let dir = store_with_owner();
    let s = dir.path().join("s");
    add_taro(&s);
    phr(&s)
        .args(["--as", "hanako", "--for", "taro", "log", "bp", "128/82"])
        .assert()
        .code(5);
    let out = phr(&s)
        .args([
            "--as",
            "taro",
            "family",
            "grant",
            "--to",
            "hanako",
            "--scopes",
            "view,record",
            "--until",
            "2099-12-31",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    let id = out
        .trim()
        .rsplit('[')
        .next()
        .unwrap()
        .trim_end_matches(']')
        .to_owned();
    phr(&s)
        .args(["--as", "hanako", "--for", "taro", "log", "bp", "128/82"])
        .assert()
        .success();
    phr(&s)
        .args(["--as", "hanako", "--for", "taro", "list", "--type", "bp"])
        .assert()
        .success()
        .stdout(predicate::str::contains("128/82"));
    phr(&s)
        .args(["--as", "taro", "family", "list"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("hanako").and(predicate::str::contains(
                "view,record until 2100-01-01 00:00",
            )),
        );
    phr(&s)
        .args(["--as", "taro", "family", "history"])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "hanako     record_written       1 record(s) via grant {id}"
        )));
    phr(&s)
        .args(["--as", "hanako", "family", "revoke", &id])
        .assert()
        .code(5);
    phr(&s)
        .args(["--as", "taro", "family", "revoke", &id])
        .assert()
        .success();
    phr(&s)
        .args(["--as", "hanako", "--for", "taro", "timeline"])
        .assert()
        .code(5)
        .stderr(predicate::str::contains("not permitted: view"));
    phr(&s)
        .args([
            "--as", "taro", "family", "grant", "--to", "hanako", "--scopes", "admin",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("invalid scopes"));
}

#[test]
fn export_fhir_writes_a_bundle_of_the_subjects_record() {
    let dir = store_with_owner();
    let s = dir.path().join("s");
    phr(&s)
        .args(["log", "bp", "128/82", "--pulse", "64"])
        .assert()
        .success();
    phr(&s).args(["log", "height", "158"]).assert().success();
    phr(&s).args(["log", "weight", "52"]).assert().success(); // + a derived BMI
    phr(&s).args(["log", "steps", "8432"]).assert().success();
    phr(&s)
        .args(["log", "note", "朝の散歩　30分"])
        .assert()
        .success();
    let out = dir.path().join("record.json");
    phr(&s)
        .args(["export", "--format", "fhir", "--out"])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains("wrote 9 FHIR resources"));
    let b: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(b["resourceType"], "Bundle");
    assert_eq!(b["type"], "collection");
    let mut counts = std::collections::BTreeMap::new();
    for e in b["entry"].as_array().unwrap() {
        *counts
            .entry(e["resource"]["resourceType"].as_str().unwrap().to_owned())
            .or_insert(0) += 1;
    }
    let expected: std::collections::BTreeMap<String, i32> = [
        ("Patient", 1),
        ("Observation", 5),
        ("DocumentReference", 1),
        ("Provenance", 2), // self-entered, derived
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    assert_eq!(counts, expected);
    assert_eq!(b["entry"][0]["resource"]["name"][0]["family"], "山田");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the export is readable by its owner only");
    }
    // Never overwrites.
    phr(&s)
        .args(["export", "--format", "fhir", "--out"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already exists"));
}

#[test]
fn sync_refuses_plain_http_to_a_non_loopback_server_before_connecting() {
    let dir = store_with_owner();
    let s = dir.path().join("s");
    phr(&s)
        .args([
            "sync",
            "--recipient",
            "health-dept",
            "--server",
            "http://phr-sync-test.invalid/fhir/R4",
            "--allow-insecure-loopback",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "invalid server_url: must use https",
        ));
}

/// A fixture of the core's FHIR import tests with its Patient's birth date set to hanako's.
fn fixture_for_hanako(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../core/tests/fixtures/fhir")
        .join(name);
    std::fs::read_to_string(path)
        .unwrap()
        .replace("1960-04-12", "1975-05-03")
}

#[test]
fn import_fhir_reports_what_became_of_every_resource() {
    let dir = store_with_owner();
    let s = dir.path().join("s");
    let file = dir.path().join("quirky.json");
    std::fs::write(&file, fixture_for_hanako("quirky-collection.json")).unwrap();
    phr(&s)
        .arg("import")
        .arg(&file)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "imported 15, updated 0, skipped 3, kept as documents 5",
        ))
        .stdout(predicate::str::contains(
            "(Consent): Consent is not a record type",
        ));
    // Again: everything is already there.
    phr(&s)
        .arg("import")
        .arg(&file)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "imported 0, updated 0, skipped 18",
        ));
    phr(&s)
        .args(["list", "--type", "weight"])
        .assert()
        .success();
    // A malformed file names the JSON path and imports nothing.
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        r#"{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Observation",
            "code":{"coding":[{"system":"http://loinc.org","code":"29463-7"}]},
            "effectiveDateTime":"2025-01-01","valueQuantity":{"value":"x"}}}]}"#,
    )
    .unwrap();
    phr(&s)
        .arg("import")
        .arg(&bad)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "entry[0].resource.valueQuantity.value: expected a number",
        ));
    // A checkup XML is recognised by its content and goes to its own importer (this one is
    // malformed: refused with the element named).
    let xml = dir.path().join("checkup.data");
    std::fs::write(
        &xml,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ClinicalDocument xmlns=\"urn:hl7-org:v3\"/>",
    )
    .unwrap();
    phr(&s)
        .arg("import")
        .arg(&xml)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("ClinicalDocument/typeId"));
}

#[test]
fn export_for_a_recipient_holds_only_what_consent_releases() {
    let dir = store_with_owner();
    let s = dir.path().join("s");
    let checkup = dir.path().join("checkup.json");
    std::fs::write(&checkup, fixture_for_hanako("checkup-transaction.json")).unwrap();
    phr(&s).arg("import").arg(&checkup).assert().success();
    phr(&s).args(["log", "weight", "52"]).assert().success();
    phr(&s)
        .args([
            "consent",
            "grant",
            "--recipient",
            "health-dept",
            "--purpose",
            "specific_health_guidance",
            "--categories",
            "checkup",
        ])
        .assert()
        .success();
    let out = dir.path().join("released.json");
    phr(&s)
        .args(["export", "--format", "fhir", "--recipient", "health-dept"])
        .args(["--purpose", "specific_health_guidance", "--out"])
        .arg(&out)
        .assert()
        .success();
    let b: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let types: Vec<&str> = b["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["resource"]["resourceType"].as_str().unwrap())
        .collect();
    assert!(types.contains(&"DiagnosticReport"));
    // The weight (body category) was not consented to: only the checkup's 6 lines.
    assert_eq!(types.iter().filter(|t| **t == "Observation").count(), 6);
    // --recipient needs --purpose.
    phr(&s)
        .args([
            "export",
            "--format",
            "fhir",
            "--recipient",
            "health-dept",
            "--out",
        ])
        .arg(dir.path().join("x.json"))
        .assert()
        .code(2);
}

#[test]
fn signing_out_of_a_platform_needs_the_device_owner() {
    let dir = store_with_owner();
    let s = dir.path().join("s");
    phr(&s)
        .args(["sync", "--recipient", "health-dept", "--forget-token"])
        .assert()
        .success()
        .stdout(predicate::str::contains("no token was kept"));
    add_taro(&s);
    phr(&s)
        .args([
            "--as",
            "taro",
            "sync",
            "--recipient",
            "health-dept",
            "--forget-token",
        ])
        .assert()
        .code(5)
        .stderr(predicate::str::contains("not permitted"));
}

#[test]
fn a_device_without_trusted_certificates_is_told_so_not_offline() {
    let dir = store_with_owner();
    let s = dir.path().join("s");
    // No trust store at all (rustls reads these instead of the system's): the sync cannot
    // verify any server. That is an installation problem, not "retry later".
    phr(&s)
        .env("SSL_CERT_FILE", dir.path().join("none.pem"))
        .env("SSL_CERT_DIR", dir.path().join("none"))
        .args([
            "sync",
            "--recipient",
            "health-dept",
            "--server",
            "https://127.0.0.1:9/fhir",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("cannot verify secure connections"));
}

#[test]
fn a_closed_pipe_ends_quietly_not_with_a_panic() {
    // `phr list | head -1`: the reader has gone before phr prints. Quiet, exit 141 (128 +
    // SIGPIPE, what a shell reports), and the command's work is not undone.
    let dir = store_with_owner();
    let s = dir.path().join("s");
    phr(&s).args(["log", "steps", "8432"]).assert().success();
    for args in [
        &["list"][..],
        &["timeline"],
        &["stats", "steps"],
        &["log", "steps", "9000"],
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("phr"))
            .args(args)
            .env("PHR_TEST_NOW", common::NOW)
            .env("PHR_KDF_MEMORY_KIB", "64")
            .env("PHR_STORE", &s)
            .env("PHR_PASSPHRASE", "correct horse")
            .env_remove("PHR_TIME_ZONE")
            .stdout(writer)
            .stderr(std::process::Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(141), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    // The logged entry before the closed pipe was kept.
    phr(&s)
        .args(["list", "--type", "steps"])
        .assert()
        .success()
        .stdout(predicate::str::contains("9000").or(predicate::str::contains("9,000")));
}

/// The ids `phr list` shows, newest first.
fn listed_ids(store: &Path) -> Vec<String> {
    let out = phr(store).arg("list").output().unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| {
            l.rsplit_once('[')
                .map(|(_, id)| id.trim_end_matches(']').to_owned())
        })
        .collect()
}

#[test]
fn correct_delete_and_erase_what_was_logged() {
    let dir = store_with_owner();
    let s = dir.path().join("s");
    phr(&s)
        .args(["log", "bp", "182/82", "--at", "2026-11-19T07:00:00+09:00"])
        .assert()
        .success();
    phr(&s).args(["log", "steps", "8432"]).assert().success();
    phr(&s).args(["log", "weight", "61.2"]).assert().success();
    let ids = listed_ids(&s);
    assert_eq!(ids.len(), 3);
    let bp = ids[2].clone();

    // A typo in the systolic value: corrected, the time kept, the old version in the history.
    phr(&s)
        .args(["correct", &bp, "bp", "128/82", "--pulse", "64"])
        .assert()
        .success()
        .stdout(predicate::str::contains("version 2"));
    phr(&s)
        .args(["list", "--type", "bp"])
        .assert()
        .success()
        .stdout(predicate::str::contains("128/82").and(predicate::str::contains("182/82").not()))
        .stdout(predicate::str::contains("2026-11-19 07:00"));
    phr(&s)
        .args(["history", &bp])
        .assert()
        .success()
        .stdout(predicate::str::contains("version 2 (current)"))
        .stdout(predicate::str::contains(
            "version 1 (replaced 2026-11-20 00:30 JST)",
        ))
        .stdout(predicate::str::contains("182/82"));
    phr(&s)
        .args(["correct", "no-such-id", "steps", "1"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("record"));

    // Deleted: gone from the list; erased: gone with its history; --all needs --yes.
    phr(&s).args(["delete", &ids[0]]).assert().success();
    assert_eq!(listed_ids(&s).len(), 2);
    phr(&s).args(["erase", &ids[1]]).assert().success();
    phr(&s)
        .args(["history", &ids[1]])
        .assert()
        .failure()
        .stderr(predicate::str::contains("record"));
    phr(&s)
        .args(["erase", "--all"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--yes"));
    assert_eq!(listed_ids(&s), vec![bp]);
    phr(&s)
        .args(["erase", "--all", "--yes"])
        .assert()
        .success()
        // The deleted one was still kept (a tombstone for sync): erased with the live one.
        .stdout(predicate::str::contains("erased 2 record(s)"));
    phr(&s)
        .arg("list")
        .assert()
        .success()
        .stdout(predicate::str::contains("no records"));
}

#[test]
fn summary_shows_the_morning_view_in_japanese_or_english() {
    let dir = store_with_owner();
    let s = dir.path().join("s");
    phr(&s)
        .args(["log", "bp", "142/88", "--at", "2026-11-20T00:10:00+09:00"])
        .assert()
        .success();
    phr(&s)
        .args(["log", "steps", "4200", "--at", "2026-11-20T00:20:00+09:00"])
        .assert()
        .success();
    phr(&s)
        .arg("summary")
        .assert()
        .success()
        .stdout(predicate::str::contains("山田\u{3000}花子"))
        .stdout(predicate::str::contains("受診勧奨判定値以上"))
        .stdout(predicate::str::contains(
            "歩数の目標: 1日 8,000歩（身体活動・運動ガイド2023（成人））",
        ))
        .stdout(predicate::str::contains("今日: 4,200歩 — あと 3,800歩"))
        .stdout(predicate::str::contains(
            "今週（2026-11-16から）: 5日中 0日達成、合計 4,200歩",
        ))
        .stdout(predicate::str::contains("健診の記録はまだありません"))
        .stdout(predicate::str::contains("どこにも共有していません"))
        .stdout(predicate::str::contains("同期待ち: なし"));
    phr(&s)
        .args(["summary", "--lang", "en"])
        .assert()
        .success()
        .stdout(predicate::str::contains("[see a doctor]"))
        .stdout(predicate::str::contains("Today: 4,200 steps — 3,800 to go"))
        .stdout(predicate::str::contains("Streak: 0 days"));
    phr(&s)
        .args(["summary", "--lang", "fr"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("(ja, en)"));
}

/// `phr log steps N --at AT` for each (AT, N).
fn log_steps(s: &std::path::Path, readings: &[(&str, &str)]) {
    for (at, n) in readings {
        phr(s)
            .args(["log", "steps", n, "--at", at])
            .assert()
            .success();
    }
}

#[test]
fn goal_shows_the_days_against_the_goal_and_sets_a_new_one_from_today() {
    let dir = store_with_owner();
    let s = dir.path().join("s");
    // Tuesday to Thursday met (two readings add up on Wednesday); today, Friday, 2,000 so far.
    log_steps(
        &s,
        &[
            ("2026-11-16T08:00:00+09:00", "7999"),
            ("2026-11-17T08:00:00+09:00", "8000"),
            ("2026-11-18T08:00:00+09:00", "5000"),
            ("2026-11-18T18:00:00+09:00", "3500"),
            ("2026-11-19T08:00:00+09:00", "12000"),
            ("2026-11-20T00:10:00+09:00", "2000"),
        ],
    );
    phr(&s)
        .arg("goal")
        .assert()
        .success()
        .stdout(predicate::str::contains("今日: 2,000歩 — あと 6,000歩"))
        .stdout(predicate::str::contains("5日中 3日達成、合計 38,499歩"))
        .stdout(predicate::str::contains("水 11-18    8,500 / 8,000   ✓"))
        .stdout(predicate::str::contains("月 11-16    7,999 / 8,000    "))
        .stdout(predicate::str::contains("連続達成: 3日"));
    // Raised from today: the days already met keep their goal and the streak stands.
    phr(&s)
        .args(["goal", "--set", "10,000", "--lang", "en"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "Step goal: 10,000 steps a day (set by you) — the guideline's is 8,000",
        ))
        .stdout(predicate::str::contains("Thu 11-19   12,000 / 8,000   ✓"))
        .stdout(predicate::str::contains("Fri 11-20    2,000 / 10,000"))
        .stdout(predicate::str::contains("Streak: 3 days"));
    // Refused, naming what is wrong, and the goal stays.
    phr(&s)
        .args(["goal", "--set", "80000"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("daily_steps"))
        .stderr(predicate::str::contains("500 to 50,000"));
    phr(&s)
        .args(["goal", "--set", "lots"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--set lots"));
    phr(&s)
        .args(["summary", "--lang", "en"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Step goal: 10,000 steps a day"));
    phr(&s)
        .args(["goal", "--set", "default"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "1日 8,000歩（身体活動・運動ガイド2023（成人））",
        ));
    // Who changed it is in the access history.
    phr(&s)
        .args(["audit", "show"])
        .assert()
        .success()
        .stdout(predicate::str::contains("step_goal_set"));
}

#[test]
fn a_managed_person_is_removed_with_all_their_data_only_when_confirmed() {
    let dir = store_with_owner();
    let s = dir.path().join("s");
    phr(&s)
        .args([
            "person",
            "add",
            "--nickname",
            "ken",
            "--family",
            "山田",
            "--given",
            "健",
            "--birth",
            "2015-04-01",
            "--sex",
            "male",
        ])
        .assert()
        .success();
    phr(&s)
        .args([
            "--for",
            "ken",
            "family",
            "grant",
            "--to",
            "hanako",
            "--scopes",
            "view,record",
            "--basis",
            "parent_of_minor",
            "--note",
            "戸籍謄本",
        ])
        .assert()
        .success();
    phr(&s)
        .args(["--for", "ken", "log", "steps", "4000"])
        .assert()
        .success();
    phr(&s)
        .args(["person", "remove", "ken"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--yes"));
    phr(&s)
        .args(["person", "remove", "hanako", "--yes"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("owner"));
    phr(&s)
        .args(["person", "remove", "ken", "--yes"])
        .assert()
        .success()
        .stdout(predicate::str::contains("removed ken and 1 record(s)"));
    phr(&s)
        .args(["person", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("ken").not());
    phr(&s)
        .args(["--for", "ken", "list"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--for ken: no person with this nickname",
        ));
    phr(&s)
        .args(["person", "remove", "ken", "--yes"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "ken: no person with this nickname",
        ));
}

#[test]
fn points_show_each_award_with_its_reason_and_the_balance() {
    let dir = store_with_owner();
    let s = dir.path().join("s");
    phr(&s)
        .args(["points", "--lang", "en"])
        .assert()
        .success()
        .stdout(predicate::str::contains("No points programme is running"))
        .stdout(predicate::str::contains("Balance: 0"));
    let file = dir.path().join("profile.json");
    std::fs::write(&file, phr_core::consent::samples::MUNICIPALITY_JSON).unwrap();
    phr(&s)
        .args(["event", "--profile"])
        .arg(&file)
        .arg("list")
        .assert()
        .success();
    // The tests' clock: Friday 20 Nov 2026, 00:30 JST. The owner is an adult: 8,000 a day.
    log_steps(
        &s,
        &[
            ("2026-11-17T08:00:00+09:00", "8000"),
            ("2026-11-18T08:00:00+09:00", "7999"),
            ("2026-11-19T08:00:00+09:00", "12000"),
            ("2026-11-20T00:10:00+09:00", "30000"),
        ],
    );
    phr(&s)
        .args(["points", "--lang", "en"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "Points programme 2026-04-01 – 2028-03-31",
        ))
        .stdout(predicate::str::contains("Balance: 20"))
        .stdout(predicate::str::contains(
            "+10  2026-11-19  Met the day's step goal  [2026-11-19]",
        ))
        .stdout(predicate::str::contains("2026-11-18").not())
        .stdout(predicate::str::contains("2026-11-20").not());
    phr(&s)
        .args(["points"])
        .assert()
        .success()
        .stdout(predicate::str::contains("残高: 20"))
        .stdout(predicate::str::contains("1日の歩数目標を達成"));
}

#[test]
fn events_are_joined_as_consent_followed_day_by_day_and_left() {
    let dir = store_with_owner();
    let s = dir.path().join("s");
    // The sample profile with its event moved to this week (the tests' clock: Friday 20 Nov).
    let mut profile: serde_json::Value =
        serde_json::from_str(phr_core::consent::samples::MUNICIPALITY_JSON).unwrap();
    profile["events"][0]["from"] = "2026-11-16".into();
    profile["events"][0]["to"] = "2026-11-22".into();
    profile["events"][0]["total_target"] = 30_000.into();
    let file = dir.path().join("profile.json");
    std::fs::write(&file, profile.to_string()).unwrap();
    log_steps(
        &s,
        &[
            ("2026-11-15T08:00:00+09:00", "20000"),
            ("2026-11-16T08:00:00+09:00", "8000"),
            ("2026-11-17T08:00:00+09:00", "7000"),
            ("2026-11-19T08:00:00+09:00", "9000"),
        ],
    );
    phr(&s)
        .args(["event", "--profile"])
        .arg(&file)
        .arg("list")
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "spring-walk-2027  春のウォーキングチャレンジ2027  2026-11-16〜2026-11-22  [開催中]",
        ))
        .stdout(predicate::str::contains("目標: 1日 8,000歩, 合計 30,000歩"))
        .stdout(predicate::str::contains("参加していません"));
    phr(&s)
        .args(["event", "join", "spring-walk-2027", "--team", "higashi"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("team"));
    phr(&s)
        .args([
            "event",
            "join",
            "spring-walk-2027",
            "--team",
            "kita",
            "--lang",
            "en",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "taking part (北地区): 24,000 steps, goal met 2 of 5 days",
        ))
        .stdout(predicate::str::contains(
            "consent: permit walking-campaign [lifelog] for walking_campaign",
        ))
        .stdout(predicate::str::contains(
            "receipt: phr consent receipt --id",
        ));
    phr(&s)
        .args(["event", "status", "spring-walk-2027"])
        .assert()
        .success()
        .stdout(predicate::str::contains("11-16    8,000 ✓"))
        .stdout(predicate::str::contains("11-18        0  "))
        .stdout(predicate::str::contains("11-15").not());
    phr(&s)
        .args(["event", "join", "spring-walk-2027"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("already exists"));
    phr(&s)
        .args(["event", "leave", "spring-walk-2027"])
        .assert()
        .success()
        .stdout(predicate::str::contains("参加をやめました"));
    phr(&s)
        .args(["consent", "history"])
        .assert()
        .success()
        .stdout(predicate::str::contains("deny walking-campaign [lifelog]"));
    phr(&s)
        .args(["event", "status", "autumn"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("event not found"));
}

#[test]
fn a_file_that_cannot_be_read_or_written_is_named_with_what_to_do() {
    let dir = store_with_owner();
    let s = dir.path().join("s");
    phr(&s).args(["log", "bp", "128/82"]).assert().success();
    let missing = dir.path().join("no-such.xml");
    phr(&s)
        .arg("import")
        .arg(&missing)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(format!(
            "cannot read {}: no such file or folder; check the path",
            missing.display()
        )));
    let nowhere = dir.path().join("no-such-folder").join("bp.png");
    phr(&s)
        .args(["chart", "bp", "--out"])
        .arg(&nowhere)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no-such-folder"))
        .stderr(
            predicate::str::contains("no such file or folder")
                .and(predicate::str::contains("Drawing backend").not()),
        );
    phr(&s)
        .args(["export", "--format", "fhir", "--out"])
        .arg(&nowhere)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("cannot write"));
}

#[test]
fn list_pages_beyond_the_first_and_keeps_to_local_dates() {
    let dir = store_with_owner();
    let s = dir.path().join("s");
    // Five days of steps; the one at 23:30 on the 14th in Tokyo is 14:30 UTC the same day, and
    // the one at 00:30 on the 15th is still the 14th in UTC: dates are the person's (--tz).
    for (v, at) in [
        ("1001", "2026-11-12T08:00:00+09:00"),
        ("1002", "2026-11-13T08:00:00+09:00"),
        ("1003", "2026-11-14T23:30:00+09:00"),
        ("1004", "2026-11-15T00:30:00+09:00"),
        ("1005", "2026-11-16T08:00:00+09:00"),
    ] {
        phr(&s)
            .args(["log", "steps", v, "--at", at])
            .assert()
            .success();
    }
    let list = |args: &[&str]| {
        let out = phr(&s).arg("list").args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let first = list(&["--limit", "2"]);
    assert!(first.contains("1005") && first.contains("1004") && !first.contains("1003"));
    assert!(first.contains("(more: --page 2)"), "{first}");
    let third = list(&["--limit", "2", "--page", "3"]);
    assert!(third.contains("1001") && !third.contains("more"), "{third}");
    assert!(list(&["--limit", "2", "--page", "4"]).contains("no records"));

    let days = list(&["--from", "2026-11-13", "--to", "2026-11-14"]);
    assert!(days.contains("1002") && days.contains("1003"), "{days}");
    assert!(!days.contains("1004") && !days.contains("1001"), "{days}");
    let utc = list(&["--from", "2026-11-14", "--to", "2026-11-14"]);
    let utc_tz = phr(&s)
        .args([
            "--tz",
            "UTC",
            "list",
            "--from",
            "2026-11-14",
            "--to",
            "2026-11-14",
        ])
        .output()
        .unwrap();
    let utc_tz = String::from_utf8(utc_tz.stdout).unwrap();
    assert!(utc.contains("1003") && !utc.contains("1004"), "{utc}");
    assert!(
        utc_tz.contains("1003") && utc_tz.contains("1004"),
        "{utc_tz}"
    );
    phr(&s)
        .args(["timeline", "--from", "2026-11-16"])
        .assert()
        .success()
        .stdout(predicate::str::contains("1005").and(predicate::str::contains("1004").not()));

    for (args, field) in [
        (vec!["list", "--from", "13/11/2026"], "from"),
        (
            vec!["list", "--from", "2026-11-15", "--to", "2026-11-14"],
            "after --to",
        ),
        (vec!["timeline", "--page", "0"], "page"),
        (vec!["list", "--limit", "5000"], "limit"),
    ] {
        phr(&s).args(&args).assert().code(1).stderr(
            predicate::str::starts_with("error: invalid ").and(predicate::str::contains(field)),
        );
    }
}

#[test]
fn times_are_shown_in_tz_with_their_zone_everywhere() {
    let dir = store_with_owner();
    let s = dir.path().join("s");
    phr(&s)
        .args([
            "log",
            "bp",
            "128/82",
            "--pulse",
            "64",
            "--at",
            "2026-11-19T22:10:00+09:00",
        ])
        .assert()
        .success();
    // Listed in --tz (Tokyo by default), with the zone; words for where it came from.
    phr(&s)
        .args(["list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("2026-11-19 22:10 JST  entered"));
    phr(&s)
        .args(["list", "--tz", "America/New_York"])
        .assert()
        .success()
        .stdout(predicate::str::contains("2026-11-19 08:10 EST"));
    // The pulse of the blood pressure is a pulse.
    phr(&s)
        .args(["list", "--type", "pulse"])
        .assert()
        .success()
        .stdout(predicate::str::contains("pulse 64 bpm"));
    phr(&s)
        .args([
            "stats",
            "pulse",
            "--by",
            "day",
            "--from",
            "2026-11-19",
            "--to",
            "2026-11-19",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("mean 64 bpm"));
    // The audit trail reads in the same zone (entries are stored in UTC).
    phr(&s)
        .args(["audit", "show", "--limit", "1"])
        .assert()
        .success()
        .stdout(predicate::str::contains(" JST "));
    phr(&s)
        .args(["--tz", "Europe/London", "audit", "show", "--limit", "1"])
        .assert()
        .success()
        .stdout(predicate::str::contains(" GMT "));
    phr(&s)
        .args(["list", "--tz", "Mars/Olympus"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--tz Mars/Olympus: not a time zone name",
        ));
}

#[test]
fn a_chart_of_an_empty_period_is_refused_and_writes_no_file() {
    let dir = store_with_owner();
    let s = dir.path().join("s");
    let out = dir.path().join("bmi.png");
    phr(&s)
        .args(["chart", "bmi", "--out"])
        .arg(&out)
        .assert()
        .failure()
        .stderr(predicate::str::contains("bmi in the last 90 days"))
        .stderr(predicate::str::contains("nothing to chart"));
    assert!(!out.exists());
}

#[test]
fn kpi_contributions_are_shown_before_they_leave_and_the_municipality_aggregates_with_suppression()
{
    let dir = store_with_owner();
    let s = dir.path().join("s");
    // The resident: no consent to the evaluation purpose, nothing would leave.
    phr(&s)
        .args(["kpi", "--lang", "en", "contributions"])
        .assert()
        .success()
        .stdout(predicate::str::contains("[steps-8000] → health-dept"))
        .stdout(predicate::str::contains(
            "Not shared: no consent for this purpose",
        ));
    // The municipality: 2,000 synthetic contributions, aggregated with small cells withheld.
    let file = dir.path().join("c.ndjson");
    bare()
        .args(["kpi", "synthesize", "--count", "2000", "--out"])
        .arg(&file)
        .assert()
        .success();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{ not json").unwrap();
    let out = dir.path().join("out");
    bare()
        .args(["kpi", "--lang", "en", "aggregate"])
        .arg(&file)
        .arg(&bad)
        .arg("--out")
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains("Read 2001, counted 2000"))
        .stdout(predicate::str::contains("skipped 1: not JSON"));
    let csv = std::fs::read_to_string(out.join("kpi.csv")).unwrap();
    assert!(csv.starts_with("programme,kpi,period,"), "{csv}");
    assert!(csv.contains(",<10,"), "small cells are withheld: {csv}");
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("kpi-summary.json")).unwrap()).unwrap();
    assert_eq!(
        summary["entry"].as_array().unwrap().len(),
        7,
        "one per KPI and period"
    );
    assert_eq!(summary["entry"][0]["resource"]["type"], "summary");
    assert_eq!(
        summary["entry"][0]["resource"]["date"], "2026-11-19T15:30:00Z",
        "dated by the one clock"
    );
    let png = std::fs::read(out.join("kpi.png")).unwrap();
    assert_eq!(&png[1..4], b"PNG");
    // A missing input is named, and nothing is written.
    bare()
        .args(["kpi", "aggregate", "/nonexistent/in.ndjson", "--out"])
        .arg(dir.path().join("out2"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("/nonexistent/in.ndjson"));
    assert!(!dir.path().join("out2").exists());
}
