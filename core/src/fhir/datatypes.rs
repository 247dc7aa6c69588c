//! Small builders for FHIR R4 data types (JSON), and the deterministic ids every resource gets.

use super::codes::system;
use crate::records::Stamp;
use chrono::NaiveDate;
use serde_json::{Map, Value};

/// A JSON object whose values are moved in. `serde_json::json!` would re-serialise every `Value`
/// it is handed (a deep copy), which made the export several times slower.
macro_rules! obj {
    ($($k:literal => $v:expr),* $(,)?) => {{
        let mut m = serde_json::Map::new();
        $( m.insert(String::from($k), serde_json::Value::from($v)); )*
        serde_json::Value::Object(m)
    }};
}
pub(crate) use obj;

/// A `dateTime` (or `instant`) at the offset the person was at when it happened.
pub fn date_time(s: Stamp) -> String {
    s.to_rfc3339()
}

/// A `date` (`YYYY-MM-DD`).
pub fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub fn coding(system: &str, code: &str) -> Value {
    obj! { "system" => system, "code" => code }
}

pub fn coding_display(system: &str, code: &str, display: &str) -> Value {
    obj! { "system" => system, "code" => code, "display" => display }
}

/// A CodeableConcept of one coding.
pub fn concept(system: &str, code: &str) -> Value {
    obj! { "coding" => vec![coding(system, code)] }
}

pub fn text_concept(text: &str) -> Value {
    obj! { "text" => text }
}

/// A CodeableConcept of the given codings (maybe none) and a text (maybe none).
pub fn concept_of(codings: Vec<Value>, text: Option<&str>) -> Value {
    let mut m = Map::new();
    if !codings.is_empty() {
        m.insert("coding".into(), Value::Array(codings));
    }
    if let Some(t) = text {
        m.insert("text".into(), Value::from(t));
    }
    Value::Object(m)
}

/// A coding for a code stored with a code-system name, when the name is known.
pub fn known_coding(system_name: Option<&str>, code: Option<&str>) -> Option<Value> {
    let uri = super::codes::system_uri(system_name?)?;
    Some(coding(uri, code?))
}

/// The unit as people read it, for `Quantity.unit` (the UCUM code goes in `Quantity.code`).
pub fn unit_display(ucum: &str) -> &str {
    match ucum {
        "mm[Hg]" => "mmHg",
        "Cel" => "°C",
        "{steps}" => "steps",
        "/min" => "beats/min",
        other => other,
    }
}

/// A Quantity with an optional unit; UCUM-coded when the unit is (or, spelled the item
/// table's way, means) a valid UCUM code, else the unit as display text only.
pub fn quantity(value: f64, unit: Option<&str>) -> Value {
    match unit {
        Some(u) => match super::ucum::ucum_code(u) {
            Some(code) => {
                obj! { "value" => value, "unit" => unit_display(u), "system" => system::UCUM, "code" => code }
            }
            None => obj! { "value" => value, "unit" => u },
        },
        None => obj! { "value" => value },
    }
}

/// A reference to another entry of the Bundle by its `urn:uuid:` full URL.
pub fn reference(id: &str) -> Value {
    obj! { "reference" => full_url(id) }
}

/// A reference that names something we hold no resource for (a clinic, a device).
pub fn display_reference(display: &str) -> Value {
    obj! { "display" => display }
}

pub fn full_url(id: &str) -> String {
    format!("urn:uuid:{id}")
}

/// `meta` with one profile and the record's last change.
pub fn meta(profile: Option<&str>, last_updated: Option<Stamp>) -> Value {
    let mut m = Map::new();
    if let Some(p) = profile {
        m.insert("profile".into(), Value::Array(vec![Value::from(p)]));
    }
    if let Some(t) = last_updated {
        m.insert("lastUpdated".into(), Value::from(date_time(t)));
    }
    Value::Object(m)
}

/// The business identifier every exported resource carries: its own `urn:uuid:`, so a receiver
/// can recognise the same record in a later export.
pub fn uuid_identifier(id: &str) -> Value {
    Value::Array(vec![
        obj! { "system" => system::URI, "value" => full_url(id) },
    ])
}

/// The resource id for a stored id: the UUID itself (lower case), or for an id that is not a UUID
/// a UUID derived from it, so the `urn:uuid:` full URL is always well formed.
pub fn resource_id(stored_id: &str) -> String {
    match uuid::Uuid::try_parse(stored_id) {
        Ok(u) => u.hyphenated().to_string(),
        Err(_) => derived_id(&[b"id", stored_id.as_bytes()]),
    }
}

pub use crate::records::{derived_id, uuid_from_digest};

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn date_times_keep_the_original_offset() {
        let jst = Stamp {
            utc_seconds: 1_700_000_000,
            offset_seconds: 9 * 3600,
        };
        assert_eq!(date_time(jst), "2023-11-15T07:13:20+09:00");
        let utc = Stamp {
            offset_seconds: 0,
            ..jst
        };
        assert_eq!(date_time(utc), "2023-11-14T22:13:20Z");
    }

    #[test]
    fn derived_ids_are_stable_uuids() {
        let a = derived_id(&[b"x", b"y"]);
        assert_eq!(a, derived_id(&[b"x", b"y"]));
        assert_ne!(a, derived_id(&[b"xy"]));
        let u = uuid::Uuid::parse_str(&a).unwrap();
        assert_eq!(u.get_version_num(), 8);
        assert_eq!(resource_id("not-a-uuid"), resource_id("not-a-uuid"));
        assert_eq!(
            resource_id("6F9619FF-8B86-D011-B42D-00C04FC964FF"),
            "6f9619ff-8b86-d011-b42d-00c04fc964ff"
        );
    }

    #[test]
    fn non_ucum_units_stay_display_only() {
        assert_eq!(
            quantity(4.0, Some("回")),
            json!({"value": 4.0, "unit": "回"})
        );
        assert_eq!(
            quantity(120.0, Some("mm[Hg]"))["code"],
            Value::from("mm[Hg]")
        );
    }
}
