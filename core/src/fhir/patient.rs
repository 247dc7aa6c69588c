//! Person → JP_Patient: kanji and kana names as two HumanNames told apart by the
//! iso21090-EN-representation extension (IDE ideographic, SYL syllabic), as JP Core requires.

use super::codes::{profile, system};
use super::datatypes::obj;
use super::datatypes::{date, meta, uuid_identifier};
use crate::records::{Person, PersonDetail};
use serde_json::{Map, Value};

fn name(representation: &str, family: Option<&str>, given: Option<&str>) -> Option<Value> {
    if family.is_none() && given.is_none() {
        return None;
    }
    let mut n = Map::new();
    n.insert(
        "extension".into(),
        Value::Array(vec![
            obj! { "url" => system::EN_REPRESENTATION, "valueCode" => representation },
        ]),
    );
    n.insert("use".into(), Value::from("official"));
    // Family name first, separated by an ideographic space, as a Japanese name is written.
    let text: Vec<&str> = [family, given].into_iter().flatten().collect();
    n.insert("text".into(), Value::from(text.join("\u{3000}")));
    if let Some(f) = family {
        n.insert("family".into(), Value::from(f));
    }
    if let Some(g) = given {
        n.insert("given".into(), Value::Array(vec![Value::from(g)]));
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
            identifiers.push(obj! { "system" => sys, "value" => v.as_str() });
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
    obj! {
        "resourceType" => "Patient",
        "id" => id,
        "meta" => meta(Some(profile::PATIENT), None),
        "identifier" => identifiers,
        "name" => names,
        "gender" => d.sex.as_str(),
        "birthDate" => date(d.birth_date),
    }
}

/// The Patient of `person` holding only `details`, what consent released to a recipient: the
/// other names, identifiers, gender and birth date are left out. Its id stays, as the anchor
/// the released resources refer to (a person id is a random UUID, not a demographic).
pub(crate) fn restricted(person: &Person, id: &str, details: &[PersonDetail]) -> Value {
    let has = |d: PersonDetail| details.contains(&d);
    let name_kept = |n: &Value| match n["extension"][0]["valueCode"].as_str() {
        Some("IDE") => has(PersonDetail::Name),
        Some("SYL") => has(PersonDetail::NameKana),
        _ => false,
    };
    let identifier_kept = |i: &Value| match i["system"].as_str() {
        Some(system::INSURER_NUMBER) => has(PersonDetail::InsurerNumber),
        Some(system::INSURED_SYMBOL) => has(PersonDetail::InsuredSymbol),
        Some(system::INSURED_NUMBER) => has(PersonDetail::InsuredNumber),
        _ => false,
    };
    let mut p = patient(person, id);
    if let Some(o) = p.as_object_mut() {
        if !has(PersonDetail::Sex) {
            o.remove("gender");
        }
        if !has(PersonDetail::BirthDate) {
            o.remove("birthDate");
        }
        retain(o, "name", name_kept);
        retain(o, "identifier", identifier_kept);
    }
    p
}

/// Keep the items of the array `key` that `keep` accepts; no array is left empty.
fn retain(o: &mut Map<String, Value>, key: &str, keep: impl Fn(&Value) -> bool) {
    if let Some(Value::Array(items)) = o.get_mut(key) {
        items.retain(|x| keep(x));
        if items.is_empty() {
            o.remove(key);
        }
    }
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

    #[test]
    fn a_restricted_patient_holds_only_the_released_details() {
        let person = fixtures::person();
        let bare = restricted(&person, "p1", &[]);
        let keys: Vec<&String> = bare.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["id", "meta", "resourceType"]);
        let some = restricted(
            &person,
            "p1",
            &[PersonDetail::InsurerNumber, PersonDetail::BirthDate],
        );
        assert_eq!(some["birthDate"], "1975-05-03");
        assert!(some.get("gender").is_none() && some.get("name").is_none());
        let ids = some["identifier"].as_array().unwrap();
        assert_eq!(ids.len(), 1);
        assert_eq!(ids[0]["system"], system::INSURER_NUMBER);
        let kana = restricted(&person, "p1", &[PersonDetail::NameKana]);
        assert_eq!(kana["name"].as_array().unwrap().len(), 1);
        assert_eq!(kana["name"][0]["family"], "ヤマダ");
        let all = restricted(&person, "p1", &PersonDetail::ALL);
        let mut whole = patient(&person, "p1");
        whole["identifier"].as_array_mut().unwrap().remove(0); // the urn:uuid of the id
        assert_eq!(all, whole);
    }
}
