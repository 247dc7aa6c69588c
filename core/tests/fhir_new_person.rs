//! A person from the file: an import that creates its person from the Bundle's Patient (kanji
//! and kana names, birth date, sex, insurance numbers) in the import's own transaction, audited;
//! all or nothing; and, without it, a Patient who is not the subject still refused.

// Test code: a failed unwrap is a failed test (the house rule against unwrap is for the product).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{kdf, person};
use phr_core::records::*;
use phr_core::{Error, ImportReport, Session};
use serde_json::{Value, json};

const QUIRKY: &str = include_str!("fixtures/fhir/quirky-collection.json");

fn empty_store() -> (tempfile::TempDir, Session) {
    let dir = tempfile::tempdir().unwrap();
    let s = Session::create(dir.path(), "correct horse", kdf()).unwrap();
    (dir, s)
}

// Session calls go through these helpers; `s` acts as the person who unlocked (nobody yet on
// an empty store).
fn import_new(s: &Session, nick: &str, json: &str) -> phr_core::Result<(Person, ImportReport)> {
    s.import_fhir_new_person(
        nick,
        json.as_bytes(),
        Provenance::ImportedFile,
        Some("clinic.json"),
        &|_, _| {},
    )
}

fn records(s: &Session, me: &str) -> Vec<Record> {
    s.list_records(me, &RecordFilter::default(), &PageRequest::first(500))
        .unwrap()
        .records
}

#[test]
fn a_bundle_imported_into_an_empty_store_makes_its_person_the_owner() {
    let (_d, s) = empty_store();
    let (p, r) = import_new(&s, "taro", QUIRKY).unwrap();
    assert!(p.is_owner);
    // The new owner acts from then on.
    assert_eq!(s.actor().unwrap(), p.id);
    let d = &p.details;
    assert_eq!(
        (d.family_name.as_str(), d.given_name.as_str()),
        ("山田", "太郎")
    );
    // The kana name given only as text is split at the ideographic space.
    assert_eq!(d.family_name_kana.as_deref(), Some("ヤマダ"));
    assert_eq!(d.given_name_kana.as_deref(), Some("タロウ"));
    assert_eq!(
        d.birth_date,
        chrono::NaiveDate::from_ymd_opt(1960, 4, 12).unwrap()
    );
    assert_eq!(d.sex, Sex::Male);
    assert_eq!(d.insurer_number.as_deref(), Some("06130001"));
    assert_eq!(r.imported.len(), 15, "{r:#?}");
    assert_eq!(records(&s, &p.id).len(), 16);
    // One transaction, two audit entries: the person, then the import.
    let actions: Vec<String> = s
        .access_history(&p.id, 10)
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    let at = |a: &str| actions.iter().position(|x| x == a).unwrap();
    assert!(at("records_imported") < at("person_added"), "{actions:?}");
}

#[test]
fn the_owner_adds_a_family_member_from_a_file_with_kana_and_card_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let s = Session::create(dir.path(), "correct horse", kdf()).unwrap();
    let owner = s
        .add_person(person("hanako", "山田", "花子", (1975, 5, 3), Sex::Female))
        .unwrap();
    let b = json!({"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "Patient", "gender": "female", "birthDate": "2015-08-01",
            "name": [
              {"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/iso21090-EN-representation", "valueCode": "IDE"}],
               "family": "山田", "given": ["さくら"]},
              {"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/iso21090-EN-representation", "valueCode": "SYL"}],
               "family": "ヤマダ", "given": ["サクラ"]}]}},
        {"resource": {"resourceType": "Coverage", "status": "active", "extension": [
            {"url": "http://jpfhir.jp/fhir/core/Extension/StructureDefinition/JP_Coverage_InsuredPersonSymbol", "valueString": "１２－３４"},
            {"url": "http://jpfhir.jp/fhir/core/Extension/StructureDefinition/JP_Coverage_InsuredPersonNumber", "valueString": "５６７８"}]}},
        {"resource": {"resourceType": "Immunization", "status": "completed",
            "vaccineCode": {"text": "麻しん風しん混合ワクチン"}, "occurrenceDateTime": "2016-08"}}
    ]});
    let (p, r) = import_new(&s, "sakura", &b.to_string()).unwrap();
    assert!(!p.is_owner);
    assert_eq!(p.details.given_name_kana.as_deref(), Some("サクラ"));
    assert_eq!(p.details.insured_number.as_deref(), Some("5678"));
    assert_eq!(p.details.insured_symbol.as_deref(), Some("12－34"));
    assert_eq!(r.imported.len(), 1);
    // Someone who may not manage persons cannot add one this way.
    let e = import_new(&s.as_person(&p.id), "sakura2", &b.to_string()).unwrap_err();
    assert!(matches!(e, Error::NotPermitted { .. }), "{e:?}");
    assert_eq!(s.actor().unwrap(), owner.id);
    assert_eq!(s.persons().unwrap().len(), 2);
}

#[test]
fn a_patient_that_cannot_make_a_person_or_a_bad_entry_leaves_no_person() {
    let (_d, s) = empty_store();
    let mut b: Value = serde_json::from_str(QUIRKY).unwrap();
    b["entry"][0]["resource"]["birthDate"] = Value::from("1960");
    let e = import_new(&s, "taro", &b.to_string()).unwrap_err();
    assert!(
        matches!(&e, Error::InvalidInput { field, .. } if field == "entry[0].resource.birthDate"),
        "{e:?}"
    );
    let mut b: Value = serde_json::from_str(QUIRKY).unwrap();
    b["entry"][3]["resource"]["valueQuantity"]["value"] = Value::from("154.3");
    let e = import_new(&s, "taro", &b.to_string()).unwrap_err();
    assert!(
        matches!(&e, Error::InvalidInput { field, .. } if field.starts_with("entry[3]")),
        "{e:?}"
    );
    let no_patient = r#"{"resourceType":"Bundle","type":"collection","entry":[]}"#;
    assert!(import_new(&s, "taro", no_patient).is_err());
    assert!(s.owner().unwrap().is_none(), "nothing was created");
    // And a nickname already taken is refused.
    import_new(&s, "taro", QUIRKY).unwrap();
    assert!(matches!(
        import_new(&s, "taro", QUIRKY),
        Err(Error::AlreadyExists { .. })
    ));
}
