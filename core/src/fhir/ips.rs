//! The International Patient Summary (HL7 FHIR IPS, R4): a Bundle of type `document` whose
//! first entry is a Composition (LOINC 60591-5) with the IPS sections — problems, allergies,
//! medications (required; "unavailable" when empty), immunizations, results, vital signs —
//! each with a narrative and references to the entries it summarises. Built from what a
//! release let through ([`super::released_bundle`]), so nothing outside the gate is in it.

use crate::records::Stamp;
use serde_json::{Map, Value, json};

const LOINC: &str = "http://loinc.org";
const EMPTY_REASON: &str = "http://terminology.hl7.org/CodeSystem/list-empty-reason";
const IPS: &str = "http://hl7.org/fhir/uv/ips/StructureDefinition";

/// The IPS sections: (key, LOINC code, display, title in Japanese, required).
const SECTIONS: [(&str, &str, &str, &str, bool); 6] = [
    (
        "problems",
        "11450-4",
        "Problem list - Reported",
        "問題リスト（病名）",
        true,
    ),
    (
        "allergies",
        "48765-2",
        "Allergies and adverse reactions Document",
        "アレルギー・副作用",
        true,
    ),
    (
        "medications",
        "10160-0",
        "History of Medication use Narrative",
        "服薬",
        true,
    ),
    (
        "immunizations",
        "11369-6",
        "History of Immunization Narrative",
        "予防接種",
        false,
    ),
    (
        "results",
        "30954-2",
        "Relevant diagnostic tests/laboratory data Narrative",
        "検査結果",
        false,
    ),
    (
        "vital_signs",
        "8716-3",
        "Vital signs",
        "バイタルサイン・身体計測",
        false,
    ),
];

/// Which section a resource belongs in, if any.
fn section_of(r: &Value) -> Option<&'static str> {
    let categories = || {
        r["category"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|c| c["coding"].as_array().into_iter().flatten())
            .filter_map(|c| c["code"].as_str())
            .collect::<Vec<_>>()
    };
    match r["resourceType"].as_str()? {
        "Condition" => Some("problems"),
        "AllergyIntolerance" => Some("allergies"),
        "MedicationStatement" | "MedicationRequest" | "MedicationAdministration" => {
            Some("medications")
        }
        "Immunization" => Some("immunizations"),
        "DiagnosticReport" => Some("results"),
        "Observation" => {
            let c = categories();
            if c.contains(&"vital-signs") || c.contains(&"body-measurement") {
                Some("vital_signs")
            } else if c.contains(&"activity") {
                None
            } else {
                Some("results")
            }
        }
        _ => None,
    }
}

/// What a resource is called in a narrative.
fn label(r: &Value) -> String {
    let code = ["code", "vaccineCode", "medicationCodeableConcept"]
        .iter()
        .map(|k| &r[*k])
        .find(|c| c.is_object())
        .cloned()
        .unwrap_or(Value::Null);
    let text = code["text"]
        .as_str()
        .or_else(|| code["coding"][0]["display"].as_str())
        .or_else(|| r["resourceType"].as_str())
        .unwrap_or("");
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn div(inner: &str) -> Value {
    json!({
        "status": "generated",
        "div": format!("<div xmlns=\"http://www.w3.org/1999/xhtml\">{inner}</div>"),
    })
}

/// The IPS document of `collection` (a released Bundle), stamped `at`, with `id` (a UUID) as
/// the document's id and identifier. `None` when the collection has no Patient (nothing about
/// the subject was released: a summary cannot name whom it is about).
pub fn ips_document(collection: &Value, id: &str, at: Stamp) -> Option<Value> {
    let entries = collection["entry"].as_array()?;
    let patient = entries
        .iter()
        .find(|e| e["resource"]["resourceType"] == "Patient")?;
    let patient_url = patient["fullUrl"].as_str()?.to_owned();
    let mut by_section: Map<String, Value> = Map::new();
    for e in entries {
        if let (Some(s), Some(url)) = (section_of(&e["resource"]), e["fullUrl"].as_str()) {
            let list = by_section.entry(s).or_insert_with(|| json!([]));
            if let Some(list) = list.as_array_mut() {
                list.push(json!([url, label(&e["resource"])]));
            }
        }
    }
    let mut sections = vec![];
    for (key, code, display, title, required) in SECTIONS {
        let items = by_section.get(key).and_then(Value::as_array);
        let mut s = json!({
            "title": title,
            "code": { "coding": [{ "system": LOINC, "code": code, "display": display }] },
        });
        match items {
            Some(items) if !items.is_empty() => {
                let li: String = items
                    .iter()
                    .map(|x| format!("<li>{}</li>", x[1].as_str().unwrap_or("")))
                    .collect();
                s["text"] = div(&format!("<ul>{li}</ul>"));
                s["entry"] = items.iter().map(|x| json!({ "reference": x[0] })).collect();
            }
            _ if required => {
                s["text"] =
                    div("情報なし（提供の対象外、または記録がありません） / No information");
                s["emptyReason"] = json!({
                    "coding": [{ "system": EMPTY_REASON, "code": "unavailable", "display": "Unavailable" }]
                });
            }
            _ => continue,
        }
        sections.push(s);
    }
    let composition_url = format!("urn:uuid:{id}");
    let composition = json!({
        "resourceType": "Composition",
        "id": id,
        "meta": { "profile": [format!("{IPS}/Composition-uv-ips")] },
        "status": "final",
        "type": { "coding": [{ "system": LOINC, "code": "60591-5", "display": "Patient summary Document" }] },
        "subject": { "reference": patient_url },
        "date": super::datatypes::date_time(at),
        "author": [{ "reference": patient_url }],
        "title": "患者サマリー（International Patient Summary）",
        "section": sections,
    });
    let mut out = vec![json!({ "fullUrl": composition_url, "resource": composition })];
    out.extend(entries.iter().cloned());
    Some(json!({
        "resourceType": "Bundle",
        "id": id,
        "meta": { "profile": [format!("{IPS}/Bundle-uv-ips")] },
        "identifier": { "system": "urn:ietf:rfc:3986", "value": format!("urn:uuid:{id}") },
        "type": "document",
        "timestamp": super::datatypes::date_time(at),
        "entry": out,
    }))
}
