//! The parts of a `MeasureReport` (or of a Bundle of them) the aggregation reads; everything
//! else in a document is skipped unparsed, which is what keeps a million contributions fast.

use serde::Deserialize;

#[derive(Deserialize)]
pub(super) struct Coding {
    #[serde(default)]
    pub(super) system: Option<String>,
    #[serde(default)]
    pub(super) code: Option<String>,
}

#[derive(Deserialize, Default)]
pub(super) struct Concept {
    #[serde(default)]
    pub(super) coding: Vec<Coding>,
}

#[derive(Deserialize)]
pub(super) struct Population {
    #[serde(default)]
    pub(super) code: Concept,
    #[serde(default)]
    pub(super) count: Option<u64>,
}

#[derive(Deserialize)]
pub(super) struct Stratum {
    #[serde(default)]
    pub(super) value: Concept,
}

#[derive(Deserialize)]
pub(super) struct Stratifier {
    #[serde(default)]
    pub(super) code: Vec<Concept>,
    #[serde(default)]
    pub(super) stratum: Vec<Stratum>,
}

#[derive(Deserialize)]
pub(super) struct Group {
    #[serde(default)]
    pub(super) code: Concept,
    #[serde(default)]
    pub(super) population: Vec<Population>,
    #[serde(default)]
    pub(super) stratifier: Vec<Stratifier>,
}

#[derive(Deserialize)]
pub(super) struct Identifier {
    #[serde(default)]
    pub(super) system: Option<String>,
    #[serde(default)]
    pub(super) value: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct Subject {
    #[serde(default)]
    pub(super) identifier: Option<Identifier>,
}

#[derive(Deserialize)]
pub(super) struct Period {
    #[serde(default)]
    pub(super) start: Option<String>,
    #[serde(default)]
    pub(super) end: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct Entry {
    #[serde(default)]
    pub(super) resource: Option<Resource>,
}

/// The fields of a MeasureReport (or a Bundle's entries) aggregation reads; the rest is skipped
/// unparsed.
#[derive(Deserialize)]
pub(super) struct Resource {
    #[serde(rename = "resourceType")]
    pub(super) resource_type: String,
    #[serde(default, rename = "type")]
    pub(super) kind: Option<String>,
    #[serde(default)]
    pub(super) status: Option<String>,
    #[serde(default)]
    pub(super) measure: Option<String>,
    #[serde(default)]
    pub(super) subject: Option<Subject>,
    #[serde(default)]
    pub(super) period: Option<Period>,
    #[serde(default)]
    pub(super) group: Vec<Group>,
    #[serde(default)]
    pub(super) entry: Vec<Entry>,
}
