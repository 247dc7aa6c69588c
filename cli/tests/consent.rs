//! `phr consent` end to end: a real store in a temp folder, the real binary.

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::phr;
use predicates::prelude::*;
use std::path::Path;

fn store() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path().join("s");
    phr(&s).arg("init").assert().success();
    for (nick, given, birth) in [
        ("hanako", "花子", "1975-05-03"),
        ("taro", "太郎", "1948-01-20"),
    ] {
        phr(&s)
            .args([
                "person",
                "add",
                "--nickname",
                nick,
                "--family",
                "山田",
                "--given",
                given,
            ])
            .args(["--birth", birth])
            // taro is a member (his own passphrase, the same text here); hanako is the owner.
            .args(if nick == "taro" {
                &["--member"][..]
            } else {
                &[][..]
            })
            .env("PHR_NEW_PASSPHRASE", "correct horse")
            .assert()
            .success();
    }
    dir
}

#[test]
fn grant_show_withdraw_history_and_receipts() {
    let dir = store();
    let s = dir.path().join("s");
    phr(&s)
        .args(["consent", "show"])
        .assert()
        .success()
        .stdout(predicate::str::contains("specific_health_guidance"))
        .stdout(
            predicate::str::contains("shared")
                .not()
                .or(predicate::str::contains("not shared")),
        );
    phr(&s)
        .args(["consent", "history"])
        .assert()
        .success()
        .stdout(predicate::str::contains("default deny"));
    phr(&s)
        .args([
            "consent",
            "grant",
            "--recipient",
            "health-dept",
            "--purpose",
            "specific_health_guidance",
        ])
        .args(["--categories", "checkup,vitals", "--until", "2099-12-31"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "granted: permit health-dept [checkup,vitals]",
        ));
    phr(&s).args(["consent", "show"]).assert().success().stdout(
        predicate::str::is_match(r"health-dept\s+checkup\s+shared through 2099-12-31").unwrap(),
    );
    phr(&s)
        .args(["consent", "receipt", "--lang", "en"])
        .assert()
        .success()
        .stdout(predicate::str::contains("CONSENT RECEIPT"))
        .stdout(predicate::str::contains("How to withdraw"));
    phr(&s)
        .args(["consent", "receipt", "--format", "json"])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"controller\""));
    phr(&s)
        .args([
            "consent",
            "withdraw",
            "--recipient",
            "health-dept",
            "--purpose",
            "specific_health_guidance",
        ])
        .args(["--categories", "vitals"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "withdrawn: deny health-dept [vitals]",
        ));
    phr(&s)
        .args(["consent", "receipt", "--format", "fhir"])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"resourceType\": \"Consent\""))
        .stdout(predicate::str::contains("\"type\": \"deny\""));
    phr(&s)
        .args(["consent", "receipt"])
        .assert()
        .success()
        .stdout(predicate::str::contains("同意の記録"));
    let out = phr(&s)
        .args(["consent", "history"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(text.lines().count(), 2, "{text}");
    phr(&s)
        .args(["consent", "show"])
        .assert()
        .success()
        .stdout(predicate::str::is_match(r"health-dept\s+vitals\s+not shared").unwrap());
}

#[test]
fn refused_grants_name_the_field_and_write_nothing() {
    let dir = store();
    let s = dir.path().join("s");
    phr(&s)
        .args([
            "consent",
            "grant",
            "--recipient",
            "health-dept",
            "--purpose",
            "specific_health_guidance",
        ])
        .args(["--categories", "notes"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("invalid categories[0]"));
    phr(&s)
        .args([
            "consent",
            "grant",
            "--recipient",
            "nobody",
            "--purpose",
            "specific_health_guidance",
        ])
        .args(["--categories", "checkup"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("invalid recipient"));
    // Another person may not decide for hanako.
    phr(&s)
        .args([
            "--as",
            "taro",
            "--for",
            "hanako",
            "consent",
            "grant",
            "--recipient",
            "health-dept",
        ])
        .args([
            "--purpose",
            "specific_health_guidance",
            "--categories",
            "checkup",
        ])
        .assert()
        .code(5);
    phr(&s)
        .args(["consent", "history"])
        .assert()
        .success()
        .stdout(predicate::str::contains("default deny"));
}

#[test]
fn a_profile_file_replaces_the_default_and_is_validated() {
    let dir = store();
    let s = dir.path().join("s");
    let business =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/profiles/business-sample.json");
    phr(&s)
        .env("PHR_OPERATOR_PROFILE", &business)
        .args(["consent", "show"])
        .assert()
        .success()
        .stdout(predicate::str::contains("app_usage_statistics"));
    // A municipality may not declare a marketing purpose.
    let text = std::fs::read_to_string(&business).unwrap().replacen(
        "\"kind\": \"business\"",
        "\"kind\": \"municipality\"",
        1,
    );
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, text).unwrap();
    phr(&s)
        .args(["consent", "--profile"])
        .arg(&bad)
        .arg("show")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("invalid purposes[0]"));
}

#[test]
fn demo_shares_then_withdraws_and_says_with_whom() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    common::bare()
        .env("PHR_KDF_MEMORY_KIB", "64")
        .args(["demo", "--dir"])
        .arg(&demo)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "permit health-dept [checkup] for specific_health_guidance",
        ))
        .stdout(predicate::str::contains(
            "deny walking-campaign [lifelog] for walking_campaign",
        ))
        .stdout(predicate::str::contains(
            "health checkup results -> サンプル区 健康推進課（保健指導係） (health-dept)",
        ))
        .stdout(predicate::str::contains("nothing leaves this device").not())
        .stdout(predicate::str::contains("chain intact"));
}
