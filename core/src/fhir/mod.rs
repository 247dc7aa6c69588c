//! HL7 FHIR R4 (JP Core 1.1.2 profiles) export: a subject's records as a `collection` Bundle.
//!
//! [`bundle_for`] is the whole mapping: it takes the Person and a slice of their records and
//! knows nothing of the store, access or consent, so the whole-record export
//! ([`crate::Session::export_fhir`]) and the consent-gated export to a recipient can share it.
//! Resources are built as `serde_json::Value`; no FHIR model crate. The table of what maps to
//! what, and why, is docs/FHIR.md.

mod allergy;
mod bundle;
mod checkup;
pub mod codes;
mod condition;
mod context;
pub mod daily_steps;
mod datatypes;
pub mod date;
pub mod echeckup;
mod entry;
mod immunization;
pub mod import;
pub mod ips;
pub mod measure_report;
mod medication;
mod note;
mod observation;
mod original;
mod patient;
mod provenance;
mod references;
mod specimen;
mod typed;
pub mod ucum;

#[cfg(test)]
pub(crate) mod fixtures;
#[cfg(test)]
mod golden;

pub use bundle::{
    Held, MAPPING_VERSION, bundle_for, bundle_json, bundle_json_with_originals,
    bundle_with_originals, released_bundle, write_bundle, write_released_bundle,
    write_whole_record,
};
pub(crate) use datatypes::resource_id;
pub(crate) use patient::restricted as restricted_patient;
pub use references::NOT_IN_EXPORT;
