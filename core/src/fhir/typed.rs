//! FHIR data types as plain structs that serialise straight to the writer, for the resources an
//! export holds by the ten thousand (Observations, and the Provenance that lists them all).
//!
//! The rest of the mapping builds `serde_json::Value` trees, whose objects are `BTreeMap`s: the
//! JSON they give has its keys in byte order. The fields below are declared in that same order,
//! so the bytes are the same whether a resource is written from these structs or first turned
//! into a `Value` (`fhir/golden.rs` checks both against the output of the `Value` mapping). Keep
//! new fields in byte order of their JSON names.

use super::codes::system;
use serde::Serialize;
use std::fmt;

/// `urn:uuid:<id>`, written without building the string.
#[derive(Debug, Clone, Copy)]
pub(crate) struct UrnUuid<'a>(pub &'a str);

impl fmt::Display for UrnUuid<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("urn:uuid:")?;
        f.write_str(self.0)
    }
}

impl Serialize for UrnUuid<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A reference to another entry of the Bundle by its full URL.
#[derive(Debug, Serialize)]
pub(crate) struct Reference<'a> {
    pub reference: UrnUuid<'a>,
}

#[derive(Debug, Serialize)]
pub(crate) struct Coding<'a> {
    pub code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<&'a str>,
    pub system: &'a str,
}

/// A CodeableConcept of one coding and maybe a text.
#[derive(Debug, Serialize)]
pub(crate) struct Concept<'a> {
    pub coding: [Coding<'a>; 1],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<&'a str>,
}

impl<'a> Concept<'a> {
    pub fn of(system: &'a str, code: &'a str) -> Self {
        Concept {
            coding: [Coding {
                code,
                display: None,
                system,
            }],
            text: None,
        }
    }
}

/// The record's own `urn:uuid:` as its business identifier.
#[derive(Debug, Serialize)]
pub(crate) struct Identifier {
    pub system: &'static str,
    /// The id; written as `urn:uuid:<id>`.
    #[serde(serialize_with = "urn")]
    pub value: String,
}

impl Identifier {
    pub fn uuid(id: String) -> Self {
        Identifier {
            system: system::URI,
            value: id,
        }
    }
}

#[derive(Debug, Serialize)]
pub(crate) struct Meta {
    #[serde(rename = "lastUpdated")]
    pub last_updated: String,
    pub profile: [&'static str; 1],
}

/// A Quantity as [`super::datatypes::quantity`] writes it.
#[derive(Debug, Serialize)]
pub(crate) struct Quantity<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<&'a str>,
    /// Not finite: `null`, as `serde_json::Value::from` would make it.
    pub value: f64,
}

impl<'a> Quantity<'a> {
    /// UCUM-coded when the unit is a valid UCUM code, else the unit as a display text only.
    pub fn of(value: f64, unit: &'a str) -> Self {
        if let Some(code) = super::ucum::ucum_code(unit) {
            Quantity {
                code: Some(code),
                system: Some(system::UCUM),
                unit: Some(super::datatypes::unit_display(unit)),
                value,
            }
        } else {
            Quantity {
                code: None,
                system: None,
                unit: Some(unit),
                value,
            }
        }
    }
}

/// Serialise a bare id as its `urn:uuid:` full URL.
pub(crate) fn urn<S: serde::Serializer>(id: &str, s: S) -> Result<S::Ok, S::Error> {
    UrnUuid(id).serialize(s)
}
