//! A subject's records → one FHIR R4 Bundle of type `collection`: the Patient first, then the
//! resources of each record in the order given, then one Provenance per source.
//!
//! Ids are deterministic: a record's resource id is its UUID (a checkup's result lines and the
//! Provenance resources get UUIDs derived from what they stand for), every `fullUrl` is
//! `urn:uuid:<id>`, and the Bundle's id is derived from the subject and the ids and versions of
//! what it holds, so exporting the same record twice gives the same JSON except `timestamp`
//! (and not even that when the caller passes the same time).

use super::context::{Ctx, Mapped};
use super::datatypes::{date_time, resource_id};
use super::entry::{Bundle, Entry, Resource};
use super::provenance::{Source, provenance_resource};
use super::references::{Renames, type_and_id};
use super::typed::Identifier;
use super::{allergy, checkup, condition, immunization, medication, note, observation};
use crate::records::{Person, PersonDetail, Record, RecordBody, Stamp, StoredDocument};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io;

/// Bumped whenever the mapping changes what it writes, so a Bundle id never names two contents.
pub const MAPPING_VERSION: &str = "phr-fhir-export/2";

fn map_record<'a>(
    ctx: &'a Ctx<'_>,
    r: &'a Record,
    id: String,
    original: Option<&String>,
) -> Vec<Entry<'a>> {
    let m = &r.meta;
    if let Some(mapped) =
        original.and_then(|json| super::original::from_original(ctx, m, json, &id))
    {
        return vec![entry(mapped)];
    }
    let mapped = match &r.body {
        RecordBody::Observation(o) => {
            let resource = observation::observation_resource(ctx, m, o, &id);
            return vec![Entry {
                full_url: id,
                resource: Resource::Observation(Box::new(resource)),
            }];
        }
        RecordBody::Checkup(c) => checkup::checkup(ctx, m, c, id),
        RecordBody::Immunization(i) => vec![immunization::immunization(ctx, m, i, id)],
        RecordBody::Medication(med) => vec![medication::medication(ctx, m, med, id)],
        RecordBody::Condition(c) => vec![condition::condition(ctx, m, c, id)],
        RecordBody::Allergy(a) => vec![allergy::allergy(ctx, m, a, id)],
        RecordBody::Note(n) => vec![note::note(ctx, m, n, id)],
    };
    mapped.into_iter().map(entry).collect()
}

fn entry<'a>(m: Mapped) -> Entry<'a> {
    Entry {
        full_url: m.id,
        resource: Resource::Json(m.resource),
    }
}

/// The FHIR R4 `collection` Bundle of `person`'s `records`, stamped `at`.
///
/// Only live records of `person` are mapped: tombstones and another subject's records are
/// skipped, so a caller (the whole-record export today, the consent-gated export later) decides
/// what goes in simply by the slice it passes.
///
/// For the JSON text, [`bundle_json`] gives the same bytes as serialising this `Value`, several
/// times faster.
pub fn bundle_for(person: &Person, records: &[Record], at: Stamp) -> Value {
    bundle_with_originals(person, records, &HashMap::new(), at)
}

/// [`bundle_for`], exporting each record that has an original FHIR JSON (`originals`, by record
/// id: what an import kept) from that JSON, normalised: its id, `meta.lastUpdated` and Patient
/// reference are this export's.
pub fn bundle_with_originals(
    person: &Person,
    records: &[Record],
    originals: &HashMap<String, String>,
    at: Stamp,
) -> Value {
    let held = Held::with_originals(originals);
    let ctx = context(person, records, &held, at);
    let patient = Some(super::patient::patient(person, &ctx.patient));
    bundle_value(&ctx, person, records, &held, patient, at)
}

/// What `recipient` may receive: [`bundle_with_originals`] of the records a release let through,
/// with a Patient holding only the `details` it released ([`super::patient::restricted`]); when
/// nothing at all is released, no Patient either, and nothing about the person.
pub fn released_bundle(
    person: &Person,
    records: &[Record],
    originals: &HashMap<String, String>,
    details: &[PersonDetail],
    at: Stamp,
) -> Value {
    let held = Held::with_originals(originals);
    let ctx = context(person, records, &held, at);
    let patient = released_patient(&ctx, person, details);
    bundle_value(&ctx, person, records, &held, patient, at)
}

/// [`released_bundle`] serialised to `w` (see [`write_bundle`]).
pub fn write_released_bundle<W: io::Write>(
    w: W,
    person: &Person,
    records: &[Record],
    originals: &HashMap<String, String>,
    details: &[PersonDetail],
    at: Stamp,
) -> io::Result<usize> {
    let held = Held::with_originals(originals);
    let ctx = context(person, records, &held, at);
    let patient = released_patient(&ctx, person, details);
    write_streamed(w, &ctx, person, records, &held, patient, at)
}

fn released_patient(ctx: &Ctx<'_>, person: &Person, details: &[PersonDetail]) -> Option<Value> {
    (!ctx.exported.is_empty() || !details.is_empty())
        .then(|| super::patient::restricted(person, &ctx.patient, details))
}

fn bundle_value(
    ctx: &Ctx<'_>,
    person: &Person,
    records: &[Record],
    held: &Held<'_>,
    patient: Option<Value>,
    at: Stamp,
) -> Value {
    // Each entry becomes a `Value` as soon as it is mapped (its structs freed at once, not kept
    // beside the tree), and the tree is assembled by moving the entries in.
    let b = build(ctx, person, records, held, patient, at, Entry::into_value);
    let mut m = serde_json::Map::new();
    m.insert("entry".into(), Value::Array(b.entry));
    m.insert("id".into(), Value::from(b.id));
    m.insert("identifier".into(), Resource::value_of(&b.identifier));
    m.insert("resourceType".into(), Value::from(b.resource_type));
    m.insert("timestamp".into(), Value::from(b.timestamp));
    m.insert("type".into(), Value::from(b.bundle_type));
    Value::Object(m)
}

/// [`bundle_for`] as JSON text: exactly the bytes of `serde_json::to_vec(&bundle_for(…))`,
/// written without building a `Value` tree.
pub fn bundle_json(person: &Person, records: &[Record], at: Stamp) -> Vec<u8> {
    bundle_json_with_originals(person, records, &HashMap::new(), at)
}

/// [`bundle_with_originals`] as JSON text (see [`bundle_json`]).
pub fn bundle_json_with_originals(
    person: &Person,
    records: &[Record],
    originals: &HashMap<String, String>,
    at: Stamp,
) -> Vec<u8> {
    // About 1.1 KB a resource.
    let mut out = Vec::with_capacity(1024 + records.len() * 1152);
    // Writing to a `Vec` cannot fail, nor can serialising string-keyed data.
    let _ = write_bundle(&mut out, person, records, originals, at);
    out
}

/// [`bundle_with_originals`] serialised to `w` as JSON (the bytes of [`bundle_json`]). The JSON
/// is written in many small pieces: give a file a `std::io::BufWriter`. Returns how many
/// entries (resources) the Bundle holds.
pub fn write_bundle<W: io::Write>(
    w: W,
    person: &Person,
    records: &[Record],
    originals: &HashMap<String, String>,
    at: Stamp,
) -> io::Result<usize> {
    let held = Held::with_originals(originals);
    write_whole_record(w, person, records, &held, at)
}

/// What imports left beside the records, for the whole-record export: the original JSON of
/// imported records (by record id), the `fullUrl` each came under, and the documents kept.
#[derive(Debug, Clone, Copy)]
pub struct Held<'a> {
    pub originals: &'a HashMap<String, String>,
    pub full_urls: &'a HashMap<String, String>,
    pub documents: &'a [StoredDocument],
}

static NONE: std::sync::LazyLock<HashMap<String, String>> = std::sync::LazyLock::new(HashMap::new);

impl<'a> Held<'a> {
    /// Only the originals: what a recipient's release or a single record's mapping holds.
    pub fn with_originals(originals: &'a HashMap<String, String>) -> Held<'a> {
        Held {
            originals,
            ..Held::default()
        }
    }
}

impl Default for Held<'_> {
    fn default() -> Self {
        Held {
            originals: &NONE,
            full_urls: &NONE,
            documents: &[],
        }
    }
}

/// The whole record as the person's own copy: [`write_bundle`] plus every document kept from
/// an import (after the records, before the Provenance), with every reference of an exported
/// original resolving inside the Bundle (`fhir/references.rs`). Returns the entry count.
pub fn write_whole_record<W: io::Write>(
    w: W,
    person: &Person,
    records: &[Record],
    held: &Held<'_>,
    at: Stamp,
) -> io::Result<usize> {
    let ctx = context(person, records, held, at);
    let patient = Some(super::patient::patient(person, &ctx.patient));
    write_streamed(w, &ctx, person, records, held, patient, at)
}

/// Write the Bundle entry by entry, `patient` first if any (see [`drive`]).
fn write_streamed<W: io::Write>(
    w: W,
    ctx: &Ctx<'_>,
    person: &Person,
    records: &[Record],
    held: &Held<'_>,
    patient: Option<Value>,
    at: Stamp,
) -> io::Result<usize> {
    // The bytes of `serde_json::to_writer(&Bundle)`, written entry by entry: `entry` is the
    // first key, and the keys after it (the id among them) are known once every entry is.
    let mut w = w;
    w.write_all(b"{\"entry\":[")?;
    let mut n = 0usize;
    let id = drive(ctx, person, records, held, patient, &mut |e| {
        if n > 0 {
            w.write_all(b",")?;
        }
        n += 1;
        serde_json::to_writer(&mut w, &e).map_err(io::Error::from)
    })?;
    let tail = Tail {
        id: &id,
        identifier: Identifier::uuid(id.clone()),
        resource_type: "Bundle",
        timestamp: date_time(at),
        bundle_type: "collection",
    };
    // `{"id":…,…}` without its opening brace continues the object.
    let tail = serde_json::to_vec(&tail).map_err(io::Error::from)?;
    w.write_all(b"],")?;
    w.write_all(tail.get(1..).unwrap_or_default())?;
    Ok(n)
}

/// Live records of `person`: tombstones and another subject's records are left out.
fn is_exported(person: &Person, r: &Record) -> bool {
    r.meta.deleted_utc.is_none() && r.meta.subject_id == person.id
}

fn context<'a>(person: &Person, records: &'a [Record], held: &Held<'_>, at: Stamp) -> Ctx<'a> {
    let patient = resource_id(&person.id);
    let exported: HashSet<&str> = records
        .iter()
        .filter(|r| is_exported(person, r))
        .map(|r| r.meta.id.as_str())
        .collect();
    // How the originals' references find their resources: by the fullUrl each came under and
    // by `Type/id`, for the records exported from an original and for every kept document.
    let renames = (!held.originals.is_empty() || !held.documents.is_empty()).then(|| {
        let mut renames = Renames::new(&patient);
        for (id, json) in held.originals {
            if !exported.contains(id.as_str()) {
                continue;
            }
            let new = resource_id(id);
            if let Some(url) = held.full_urls.get(id) {
                renames.add(url, &new);
            }
            if let Some(name) = type_and_id(json) {
                renames.add(&name, &new);
            }
        }
        for d in held.documents {
            let new = document_id(d);
            if let Some(url) = &d.full_url {
                renames.add(url, &new);
            }
            // `Type/id` from the columns the import wrote; parsed only where it wrote none.
            let name = match &d.resource_id {
                Some(id) => Some(format!("{}/{id}", d.resource_type)),
                None => type_and_id(&d.json),
            };
            if let Some(name) = name {
                renames.add(&name, &new);
            }
        }
        renames
    });
    Ctx {
        patient,
        exported,
        today: at.to_fixed().date_naive(),
        renames,
    }
}

/// The keys of a Bundle after `entry`, in the order [`Bundle`] writes them.
#[derive(serde::Serialize)]
struct Tail<'a> {
    id: &'a str,
    identifier: Identifier,
    #[serde(rename = "resourceType")]
    resource_type: &'static str,
    timestamp: String,
    #[serde(rename = "type")]
    bundle_type: &'static str,
}

/// A kept document's id in the export: the UUID of the `fullUrl` it came under (so a round
/// trip keeps it), else its stored id.
fn document_id(d: &StoredDocument) -> String {
    d.full_url
        .as_deref()
        .and_then(|u| u.strip_prefix("urn:uuid:"))
        .and_then(|u| uuid::Uuid::try_parse(u).ok())
        .map(|u| u.hyphenated().to_string())
        .unwrap_or_else(|| resource_id(&d.id))
}

/// The Bundle, each entry mapped and handed to `each` (which keeps it, or turns it into a
/// `Value`).
fn build<'a, T>(
    ctx: &'a Ctx<'a>,
    person: &Person,
    records: &'a [Record],
    held: &Held<'_>,
    patient: Option<Value>,
    at: Stamp,
    mut each: impl FnMut(Entry<'a>) -> T,
) -> Bundle<T> {
    let mut entry = Vec::with_capacity(ctx.exported.len() + 8);
    // Collecting cannot fail.
    let id = drive(ctx, person, records, held, patient, &mut |e| {
        entry.push(each(e));
        Ok(())
    })
    .unwrap_or_default();
    Bundle {
        entry,
        id: id.clone(),
        identifier: Identifier::uuid(id),
        resource_type: "Bundle",
        timestamp: date_time(at),
        bundle_type: "collection",
    }
}

/// Map the Bundle's entries one at a time, in order, handing each to `each` as soon as it is
/// made (a writer serialises it and drops it: the export never holds the whole Bundle).
/// Returns the Bundle id, which derives from everything the entries were made of. `patient` is
/// the Patient resource to put first, if any: without one, the id does not derive from the
/// person either.
fn drive<'a>(
    ctx: &'a Ctx<'a>,
    person: &Person,
    records: &'a [Record],
    held: &Held<'_>,
    patient_resource: Option<Value>,
    each: &mut dyn FnMut(Entry<'a>) -> io::Result<()>,
) -> io::Result<String> {
    let originals = held.originals;
    let patient = ctx.patient.clone();
    let live = records.iter().filter(|r| is_exported(person, r));
    let mut content = ring::digest::Context::new(&ring::digest::SHA256);
    let person_parts: [&[u8]; 2] = [person.id.as_bytes(), &person.version.to_be_bytes()];
    let parts = std::iter::once(MAPPING_VERSION.as_bytes()).chain(
        person_parts
            .into_iter()
            .filter(|_| patient_resource.is_some()),
    );
    for part in parts {
        content.update(&(part.len() as u64).to_be_bytes());
        content.update(part);
    }
    if let Some(resource) = patient_resource {
        each(Entry {
            full_url: patient.clone(),
            resource: Resource::Json(resource),
        })?;
    }
    let mut sources: BTreeMap<(&'static str, Option<&str>), Source> = BTreeMap::new();
    let mut seen: HashSet<String> = HashSet::with_capacity(ctx.exported.len());
    for r in live {
        let id = resource_id(&r.meta.id);
        if !seen.insert(id.clone()) {
            continue; // the same record passed twice
        }
        content.update(r.meta.id.as_bytes());
        content.update(&r.meta.version.to_be_bytes());
        let original = originals.get(&r.meta.id);
        if let Some(o) = original {
            content.update(o.as_bytes());
        }
        let source = sources
            .entry((r.meta.provenance.as_str(), r.meta.source.as_deref()))
            .or_insert_with(|| Source {
                provenance: r.meta.provenance,
                name: r.meta.source.clone(),
                targets: vec![],
                latest: r.meta.updated,
            });
        if r.meta.updated.utc_seconds > source.latest.utc_seconds {
            source.latest = r.meta.updated;
        }
        for e in map_record(ctx, r, id, original) {
            source.targets.push(e.full_url.clone());
            each(e)?;
        }
    }
    for d in held.documents {
        let id = document_id(d);
        if !seen.insert(id.clone()) {
            continue;
        }
        content.update(d.id.as_bytes());
        content.update(d.json.as_bytes());
        if let Some(resource) = super::original::document(ctx, &d.json, &id) {
            each(Entry {
                full_url: id,
                resource: Resource::Json(resource),
            })?;
        }
    }
    for s in sources.into_values() {
        let (id, r) = provenance_resource(&patient, s);
        each(Entry {
            full_url: id,
            resource: Resource::Provenance(r),
        })?;
    }
    Ok(super::datatypes::uuid_from_digest(
        content.finish().as_ref(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fhir::fixtures;

    fn at() -> Stamp {
        Stamp {
            utc_seconds: 1_795_000_000,
            offset_seconds: 9 * 3600,
        }
    }

    #[test]
    fn every_record_kind_lands_in_one_collection() {
        let b = bundle_for(&fixtures::person(), &fixtures::all_records(), at());
        assert_eq!(b["type"], "collection");
        let types: Vec<&str> = b["entry"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["resource"]["resourceType"].as_str().unwrap())
            .collect();
        assert_eq!(types[0], "Patient");
        for t in [
            "Observation",
            "DiagnosticReport",
            "Immunization",
            "MedicationStatement",
            "Condition",
            "AllergyIntolerance",
            "DocumentReference",
            "Provenance",
        ] {
            assert!(types.contains(&t), "{t} missing");
        }
        for e in b["entry"].as_array().unwrap() {
            let id = e["resource"]["id"].as_str().unwrap();
            assert_eq!(e["fullUrl"], format!("urn:uuid:{id}"));
        }
    }

    #[test]
    fn the_same_records_give_the_same_bundle() {
        let a = bundle_for(&fixtures::person(), &fixtures::all_records(), at());
        let b = bundle_for(&fixtures::person(), &fixtures::all_records(), at());
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            serde_json::to_string(&b).unwrap()
        );
        let mut changed = fixtures::all_records();
        changed[0].meta.version += 1;
        let c = bundle_for(&fixtures::person(), &changed, at());
        assert_ne!(a["id"], c["id"]);
    }

    #[test]
    fn tombstones_and_other_subjects_are_left_out() {
        let mut records = fixtures::all_records();
        records[0].meta.deleted_utc = Some(1);
        records[1].meta.subject_id = "someone-else".into();
        let b = bundle_for(&fixtures::person(), &records, at());
        let ids: Vec<&str> = b["entry"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["resource"]["id"].as_str().unwrap())
            .collect();
        assert!(!ids.contains(&records[0].meta.id.as_str()));
        assert!(!ids.contains(&records[1].meta.id.as_str()));
    }
}
