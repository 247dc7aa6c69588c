//! Person → JP_Patient: kanji and kana names as two HumanNames told apart by the
//! iso21090-EN-representation extension (IDE ideographic, SYL syllabic), as JP Core requires.

use super::codes::{profile, system};
use super::datatypes::{date, meta, uuid_identifier};
use crate::records::Person;
use serde_json::{Map, Value, json};

fn name(representation: &str, family: Option<&str>, given: Option<&str>) -> Option<Value> {
    if family.is_none() && given.is_none() {
        return None;
    }
    let mut n = Map::new();
    n.insert(
        "extension".into(),
        json!([{ "url": system::EN_REPRESENTATION, "valueCode": representation }]),
    );
    n.insert("use".into(), json!("official"));
    // Family name first, separated by an ideographic space, as a Japanese name is written.
    let text: Vec<&str> = [family, given].into_iter().flatten().collect();
    n.insert("text".into(), Value::from(text.join("\u{3000}")));
    if let Some(f) = family {
        n.insert("family".into(), Value::from(f));
    }
    if let Some(g) = given {
        n.insert("given".into(), json!([g]));
    }
    Some(Value::Object(n))
}

/// The Patient resource for `person`; its id is the person id.
pub(crate) fn patient(person: &Person, id: &str) -> Value {
    let d = &person.details;
    let mut identifiers = uuid_identifier(id).as_array().cloned().unwrap_or_default();
    // The insurance card's numbers (保険者番号, 記号, 番号) under their JP Core OIDs. A Coverage
    // resource would be their fuller home; they are kept here so a receiver can match the person.
    for (sys, value) in [
        (system::INSURER_NUMBER, &d.insurer_number),
        (system::INSURED_SYMBOL, &d.insured_symbol),
        (system::INSURED_NUMBER, &d.insured_number),
    ] {
        if let Some(v) = value {
            identifiers.push(json!({ "system": sys, "value": v }));
        }
    }
    let names: Vec<Value> = [
        name("IDE", Some(&d.family_name), Some(&d.given_name)),
        name(
            "SYL",
            d.family_name_kana.as_deref(),
            d.given_name_kana.as_deref(),
        ),
    ]
    .into_iter()
    .flatten()
    .collect();
    json!({
        "resourceType": "Patient",
        "id": id,
        "meta": meta(Some(profile::PATIENT), None),
        "identifier": identifiers,
        "name": names,
        "gender": d.sex.as_str(),
        "birthDate": date(d.birth_date),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fhir::fixtures;

    #[test]
    fn kanji_and_kana_names_survive_byte_for_byte() {
        let p = patient(&fixtures::person(), "p1");
        assert_eq!(p["meta"]["profile"][0], profile::PATIENT);
        let names = p["name"].as_array().unwrap();
        assert_eq!(names.len(), 2);
        assert_eq!(names[0]["extension"][0]["valueCode"], "IDE");
        assert_eq!(names[0]["family"], "山田");
        assert_eq!(names[0]["given"][0], "花子");
        assert_eq!(names[0]["text"], "山田\u{3000}花子");
        assert_eq!(names[1]["extension"][0]["valueCode"], "SYL");
        assert_eq!(names[1]["family"], "ヤマダ");
        assert_eq!(names[1]["given"][0], "ハナコ");
        assert_eq!(p["gender"], "female");
        assert_eq!(p["birthDate"], "1975-05-03");
        let ids = p["identifier"].as_array().unwrap();
        assert!(
            ids.iter()
                .any(|i| i["system"] == system::INSURER_NUMBER && i["value"] == "06130001")
        );
    }

    #[test]
    fn a_person_without_kana_has_one_name() {
        let mut person = fixtures::person();
        person.details.family_name_kana = None;
        person.details.given_name_kana = None;
        person.details.insurer_number = None;
        person.details.insured_symbol = None;
        person.details.insured_number = None;
        let p = patient(&person, "p1");
        assert_eq!(p["name"].as_array().unwrap().len(), 1);
        assert_eq!(p["identifier"].as_array().unwrap().len(), 1);
    }
}
