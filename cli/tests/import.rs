//! `phr import`: a health-checkup XML is imported and reported; a malformed one is refused
//! with the element path and nothing is written; FHIR JSON is not yet taken.

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::phr;
use predicates::prelude::*;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../core/tests/fixtures/checkup")
        .join(name)
}

/// A store whose owner is the fixture's person (female, born 1970-04-15).
fn store() -> (tempfile::TempDir, PathBuf) {
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
            "1970-04-15",
            "--sex",
            "female",
        ])
        .assert()
        .success();
    (dir, store)
}

fn digest(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn imports_a_checkup_file_and_reports_it() {
    let (_d, store) = store();
    phr(&store)
        .args(["import"])
        .arg(fixture("tokutei_complete.xml"))
        .assert()
        .success()
        .stdout(predicate::str::contains("document date:    2024-06-20"))
        .stdout(predicate::str::contains("institution code: 1312345678"))
        .stdout(predicate::str::contains("30 results imported"));
    phr(&store)
        .args(["import", "--provenance", "mynaportal"])
        .arg(fixture("tokutei_minimal.xml"))
        .assert()
        .success()
        .stdout(predicate::str::contains("1 results imported"));
    phr(&store)
        .args(["list", "--kind", "checkup"])
        .assert()
        .success()
        .stdout(predicate::str::contains("2024-06-12"));
}

#[test]
fn a_malformed_file_exits_1_with_the_element_path_and_writes_nothing() {
    let (dir, store) = store();
    let text = std::fs::read_to_string(fixture("tokutei_complete.xml")).unwrap();
    let bad = dir.path().join("bad.xml");
    std::fs::write(&bad, text.replacen(r#"value="158.2""#, r#"value="x1""#, 1)).unwrap();
    let before = digest(&store);
    phr(&store)
        .arg("import")
        .arg(&bad)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "ClinicalDocument/component/structuredBody/component[1]/section/entry[1]/observation/value@value",
        ))
        .stderr(predicate::str::contains("x1").not());
    assert_eq!(before, digest(&store), "a refused import changed the store");
}

#[test]
fn fhir_json_goes_to_the_fhir_importer() {
    let (dir, store) = store();
    let json = dir.path().join("bundle.json");
    std::fs::write(&json, r#"{"resourceType":"Bundle","type":"collection"}"#).unwrap();
    phr(&store)
        .arg("import")
        .arg(&json)
        .assert()
        .success()
        .stdout(predicate::str::contains("imported 0, updated 0, skipped 0"));
}

fn fhir_fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../core/tests/fixtures/fhir")
        .join(name)
}

#[test]
fn a_bundle_into_a_new_store_makes_its_person_with_new_person() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s");
    phr(&store).arg("init").assert().success();
    // Without --new-person an empty store has no one to import for.
    phr(&store)
        .arg("import")
        .arg(fhir_fixture("quirky-collection.json"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("no persons yet"));
    phr(&store)
        .args(["import", "--new-person", "taro"])
        .arg(fhir_fixture("quirky-collection.json"))
        .assert()
        .success()
        .stdout(predicate::str::contains("added taro (1960-04-12, owner)"))
        .stdout(predicate::str::contains("imported 15"));
    phr(&store)
        .args(["list", "--kind", "condition"])
        .assert()
        .success()
        .stdout(predicate::str::contains("本態性高血圧症"));
    // --for names an existing person: it cannot be combined with making one.
    phr(&store)
        .args(["--for", "taro", "import", "--new-person", "jiro"])
        .arg(fhir_fixture("quirky-collection.json"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("leave out --for"));
}

#[test]
fn export_streams_the_whole_record_and_writes_an_echeckup_document() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s");
    phr(&store).arg("init").assert().success();
    phr(&store)
        .args(["import", "--new-person", "taro"])
        .arg(fhir_fixture("echeckup-document.json"))
        .assert()
        .success();
    let whole = dir.path().join("whole.json");
    phr(&store)
        .args(["export", "--format", "fhir", "--out"])
        .arg(&whole)
        .assert()
        .success()
        .stdout(predicate::str::contains("FHIR resources"));
    let b: serde_json::Value = serde_json::from_slice(&std::fs::read(&whole).unwrap()).unwrap();
    assert!(
        b["entry"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["resource"]["resourceType"] == "Coverage")
    );
    let doc = dir.path().join("echeckup.json");
    phr(&store)
        .args(["export", "--format", "echeckup", "--out"])
        .arg(&doc)
        .assert()
        .success()
        .stdout(predicate::str::contains("checkup document"));
    let d: serde_json::Value = serde_json::from_slice(&std::fs::read(&doc).unwrap()).unwrap();
    assert_eq!(d["type"], "document");
    // The file is never overwritten.
    phr(&store)
        .args(["export", "--format", "echeckup", "--out"])
        .arg(&doc)
        .assert()
        .failure();
}

#[test]
fn imported_checkups_read_with_levels_judgements_in_words_and_year_over_year() {
    let (_d, store) = store();
    for f in ["tokutei_complete.xml", "tokutei_minimal.xml"] {
        phr(&store).arg("import").arg(fixture(f)).assert().success();
    }
    phr(&store)
        .arg("checkups")
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "2024-06-12  特定健診  千代田健診センター",
        ))
        .stdout(predicate::str::contains(
            "メタボリックシンドローム判定: 予備群該当",
        ))
        .stdout(predicate::str::contains("保健指導レベル: 動機付け支援"))
        .stdout(predicate::str::contains(
            "LDLコレステロール: 141 mg/dL  (基準 60–119, 高)  受診勧奨判定値以上",
        ))
        .stdout(predicate::str::contains(
            "HDLコレステロール: 52 mg/dL  (基準 ≥40)  基準範囲内",
        ))
        .stdout(predicate::str::contains("服薬1(血圧): いいえ"))
        .stdout(predicate::str::contains("尿蛋白: ±"))
        .stdout(predicate::str::contains("2023-09-05"));
    phr(&store)
        .args(["checkups", "--compare", "--lang", "en"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Item | 2024-06-12 | 2023-09-05"))
        .stdout(predicate::str::contains("体重 (kg) | 61.4 | 70.2"))
        .stdout(predicate::str::contains(
            "HbA1c(NGSP値) (%) | 5.8 [health guidance range] | —",
        ));
    phr(&store)
        .args(["checkups", "--last", "0"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--last 0: must be from 1 to 100"));
}

#[test]
fn an_official_checkup_is_annotated_not_corrected() {
    let (_d, store) = store();
    phr(&store)
        .arg("import")
        .arg(fixture("tokutei_complete.xml"))
        .assert()
        .success();
    let out = phr(&store)
        .args(["list", "--kind", "checkup"])
        .output()
        .unwrap();
    let line = String::from_utf8(out.stdout).unwrap();
    let id = line
        .rsplit_once('[')
        .unwrap()
        .1
        .split(']')
        .next()
        .unwrap()
        .to_owned();
    phr(&store)
        .args(["correct", &id, "weight", "60"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("an official result is not edited"))
        .stderr(predicate::str::contains(format!("phr annotate {id}")));
    phr(&store)
        .args(["annotate", &id, "腹囲は測り直して 84 cm"])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!("noted on {id}")));
    phr(&store)
        .args(["list", "--kind", "note"])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "Correction note on [{id}]: 腹囲は測り直して 84 cm"
        )));
    // The checkup reads as its source gave it, with the note beside it.
    phr(&store)
        .arg("checkups")
        .assert()
        .success()
        .stdout(predicate::str::contains("腹囲(実測）: 86 cm"))
        .stdout(predicate::str::contains(
            "訂正のメモ (2026-11-20): 腹囲は測り直して 84 cm",
        ));
}

#[test]
fn an_import_summary_adds_up_to_the_resources_read() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s");
    phr(&store).arg("init").assert().success();
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../core/tests/fixtures/fhir/quirky-collection.json");
    let entries =
        serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(&file).unwrap())
            .unwrap()["entry"]
            .as_array()
            .unwrap()
            .len();
    let out = phr(&store)
        .args(["import", "--new-person", "kenji"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let line = text
        .lines()
        .find(|l| l.contains("resource(s) read:"))
        .unwrap();
    let numbers: Vec<usize> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect();
    // read, then imported, updated, skipped, documents, beside, lines.
    let (read, parts) = (numbers[0], &numbers[1..]);
    assert_eq!(read, entries, "{line}");
    let both = text.lines().find_map(|l| {
        l.trim()
            .strip_prefix('(')
            .and_then(|r| r.split_whitespace().next())
            .and_then(|n| n.parse::<usize>().ok())
    });
    assert_eq!(
        parts.iter().sum::<usize>() - both.unwrap_or(0),
        read,
        "{text}"
    );
}
