//! The Bundle as typed structs written straight to the writer: its entries and their
//! resources (a JSON tree, or a typed Observation or Provenance). The datatypes they are made
//! of are in `typed.rs`.

use super::observation::ObservationResource;
use super::provenance::ProvenanceResource;
use super::typed::{Identifier, UrnUuid, urn};
use serde::Serialize;
use serde_json::Value;

/// A resource of the Bundle: built as a JSON tree, or one of the typed resources.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub(crate) enum Resource<'a> {
    Json(Value),
    Observation(Box<ObservationResource<'a>>),
    Provenance(ProvenanceResource),
}

impl Resource<'_> {
    /// The resource as a JSON tree, the same as what it serialises to.
    pub fn into_value(self) -> Value {
        match self {
            Resource::Json(v) => v,
            other => Self::value_of(&other),
        }
    }

    /// One of these structs as a JSON tree.
    pub fn value_of<T: Serialize>(t: &T) -> Value {
        // Cannot fail: every key is a string, every value a string, a number or a struct of them.
        serde_json::to_value(t).unwrap_or(Value::Null)
    }
}

/// A Bundle entry.
#[derive(Debug, Serialize)]
pub(crate) struct Entry<'a> {
    #[serde(rename = "fullUrl", serialize_with = "urn")]
    pub full_url: String,
    pub resource: Resource<'a>,
}

impl Entry<'_> {
    /// The entry as a JSON tree (its resource moved in, not copied).
    pub fn into_value(self) -> Value {
        let mut m = serde_json::Map::new();
        m.insert(
            "fullUrl".into(),
            Value::from(UrnUuid(&self.full_url).to_string()),
        );
        m.insert("resource".into(), self.resource.into_value());
        Value::Object(m)
    }
}

/// The `collection` Bundle; `T` is an [`Entry`], or an entry already turned into a `Value`.
#[derive(Debug, Serialize)]
pub(crate) struct Bundle<T> {
    pub entry: Vec<T>,
    pub id: String,
    pub identifier: Identifier,
    #[serde(rename = "resourceType")]
    pub resource_type: &'static str,
    pub timestamp: String,
    #[serde(rename = "type")]
    pub bundle_type: &'static str,
}
