//! Exporting an imported record from the JSON it came as (ARCHITECTURE.md decision 2: the
//! original is kept beside the row for a lossless round trip). Only what this export must own
//! is rewritten: `id` (the record id), `meta.lastUpdated` (the record's last change; `versionId`
//! and `source` of the sender are dropped) and the reference to the Patient (this export's).
//! Everything else, Japanese text included, goes out as it came.

use super::context::{Ctx, Mapped};
use super::datatypes::{date_time, reference};
use crate::records::{RecordKind, RecordMeta};
use serde_json::{Map, Value};

/// The resource types an original of this kind may have.
fn types_of(kind: RecordKind) -> &'static [&'static str] {
    match kind {
        RecordKind::Observation => &["Observation"],
        RecordKind::Immunization => &["Immunization"],
        RecordKind::Medication => &["MedicationStatement", "MedicationRequest"],
        RecordKind::Condition => &["Condition"],
        RecordKind::Allergy => &["AllergyIntolerance"],
        RecordKind::Note => &["DocumentReference"],
        // A checkup is a report and its lines: exported from the typed rows (ids derived from
        // the record's), so the lines and the report always agree.
        RecordKind::Checkup => &[],
    }
}

/// A kept document (a resource the record model does not type) as this export writes it: its
/// id `id`, the sender's `meta.versionId` and `meta.source` dropped, its references made to
/// resolve inside the export.
pub(crate) fn document(ctx: &Ctx<'_>, json: &str, id: &str) -> Option<Value> {
    let mut r: Map<String, Value> = match serde_json::from_str(json).ok()? {
        Value::Object(o) => o,
        _ => return None,
    };
    r.get("resourceType")?.as_str()?;
    r.insert("id".into(), Value::from(id));
    if let Some(Value::Object(meta)) = r.get_mut("meta") {
        meta.remove("versionId");
        meta.remove("source");
    }
    let mut r = Value::Object(r);
    if let Some(renames) = &ctx.renames {
        renames.rewrite(&mut r);
    }
    Some(r)
}

/// The record's original resource, normalised; `None` when there is none to use.
pub(crate) fn from_original(ctx: &Ctx<'_>, m: &RecordMeta, json: &str, id: &str) -> Option<Mapped> {
    let mut r: Map<String, Value> = match serde_json::from_str(json).ok()? {
        Value::Object(o) => o,
        _ => return None,
    };
    let rtype = r.get("resourceType")?.as_str()?;
    if !types_of(m.kind).contains(&rtype) {
        return None;
    }
    let patient_key = match rtype {
        "Immunization" | "AllergyIntolerance" => "patient",
        _ => "subject",
    };
    r.insert("id".into(), Value::from(id));
    let mut meta = match r.remove("meta") {
        Some(Value::Object(o)) => o,
        _ => Map::new(),
    };
    meta.remove("versionId");
    meta.remove("source");
    meta.insert("lastUpdated".into(), Value::from(date_time(m.updated)));
    r.insert("meta".into(), Value::Object(meta));
    let mut r = Value::Object(r);
    if let Some(renames) = &ctx.renames {
        renames.rewrite(&mut r);
    }
    let Value::Object(mut r) = r else {
        return None;
    };
    r.insert(patient_key.into(), reference(&ctx.patient));
    Some(Mapped {
        id: id.to_owned(),
        resource: Value::Object(r),
    })
}
