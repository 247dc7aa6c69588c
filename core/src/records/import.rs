//! Writing an import's records inside its one transaction: each planned resource (validated
//! by the same rules as every other write, see [`super::Validation`]) is matched to the record
//! it names, then skipped, updated (history kept) or added with its BMI; what is not a record
//! is kept as a document. Nothing here reads FHIR: the planning side (`crate::fhir::import`)
//! hands over [`Prepared`] items.

use super::bmi::{self, Heights};
use super::imported::{self, KeptDocument};
use super::record::natural_precision;
use super::write::{self, Changed};
use super::{
    AsGiven, ObservationType, Provenance, Record, RecordBody, RecordKind, RecordMeta, RollupBatch,
    Stamp, derived_id, repo,
};
use crate::error::{Error, Result};
use rusqlite::Connection;
use serde::Serialize;
use std::borrow::Cow;
use std::collections::HashSet;

/// One resource and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportedResource {
    /// JSON path of the resource in the input (`entry[3].resource`).
    pub path: String,
    pub resource_type: String,
    /// The record it became or updated (none for skipped resources and documents).
    pub record_id: Option<String>,
    /// Why it was skipped or kept as a document (never a value).
    pub reason: Option<String>,
}

/// What an import did. Nothing is left out: every resource of the input is in exactly one of
/// `imported`, `updated`, `skipped`, `documents`, `conflicts`, or is a result line of an
/// imported checkup (`checkup_lines`); a value the record model refuses is both skipped (naming
/// the field) and kept as a document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub imported: Vec<ImportedResource>,
    pub updated: Vec<ImportedResource>,
    pub skipped: Vec<ImportedResource>,
    pub documents: Vec<ImportedResource>,
    /// Resources that name a record they may not update (one entered on this device, or from
    /// another source, when the import may only update its own source's records): kept beside
    /// it as documents, the record unchanged. `record_id` is the record they named.
    pub conflicts: Vec<ImportedResource>,
    /// Observations imported as lines of a checkup.
    pub checkup_lines: usize,
    /// Records the core derived (BMI from an imported weight).
    pub derived: usize,
}

impl ImportReport {
    pub(crate) fn push(
        list: &mut Vec<ImportedResource>,
        (path, resource_type): (String, String),
        id: Option<&str>,
        why: Option<&str>,
    ) {
        list.push(ImportedResource {
            path,
            resource_type,
            record_id: id.map(str::to_owned),
            reason: why.map(str::to_owned),
        });
    }
}

/// A record ready to write.
pub(crate) struct Ready<'a> {
    /// Where it sits in the input and its resource type, for the report.
    pub named: (String, String),
    /// The resource as it came, borrowed from the input.
    pub original: Cow<'a, str>,
    /// The Bundle entry's `fullUrl` it came under.
    pub full_url: Option<String>,
    /// `meta.lastUpdated` as it came ([`unchanged`]).
    pub last_updated: Option<String>,
    pub body: RecordBody,
    pub effective: Stamp,
    /// The clinical time as given when it is not a full instant (`effective` is its earliest).
    pub as_given: Option<AsGiven>,
    /// The record ids its identities name, best first.
    pub candidates: Vec<String>,
}

enum Found {
    Existing(Box<Record>),
    Tombstone,
    New(String),
}

/// The stored record this resource is, or a free id for it. Another subject's record is never
/// matched (nor revealed).
///
/// `present` holds the candidate ids that named a stored record when the import began (one
/// query for the whole input); `used` the ids this import has written since. An id in neither
/// names no record, so only the others are loaded.
fn find(
    conn: &Connection,
    ready: &Ready<'_>,
    subject: &str,
    used: &HashSet<String>,
    present: &HashSet<String>,
) -> Result<Found> {
    let mut free = None;
    for id in &ready.candidates {
        let stored = if present.contains(id) || used.contains(id) {
            repo::load(conn, id)?
        } else {
            None
        };
        match stored {
            Some(r) if r.meta.subject_id == subject && r.meta.deleted_utc.is_some() => {
                return Ok(Found::Tombstone);
            }
            Some(r) if r.meta.subject_id == subject => return Ok(Found::Existing(Box::new(r))),
            Some(_) => {}
            None if free.is_none() && !used.contains(id) => free = Some(id.clone()),
            None => {}
        }
    }
    if let Some(id) = free {
        return Ok(Found::New(id));
    }
    // No identity: the id derived from the content, which an earlier import of the same
    // resource used (so the same file imported twice does not duplicate).
    let id = derived_id(&[
        b"fhir-import-content",
        subject.as_bytes(),
        ready.original.as_bytes(),
    ]);
    Ok(match repo::load(conn, &id)? {
        Some(r) if r.meta.subject_id == subject && r.meta.deleted_utc.is_some() => Found::Tombstone,
        Some(r) if r.meta.subject_id == subject => Found::Existing(Box::new(r)),
        _ => Found::New(id),
    })
}

/// The resource is the one stored: the same original JSON, or our own export of the stored
/// version (same `meta.lastUpdated`), whose body may map back with small differences (a
/// medication's dose and frequency come back as one text).
fn unchanged(conn: &Connection, old: &Record, r: &Ready<'_>) -> Result<bool> {
    if r.last_updated.as_deref() == Some(old.meta.updated.to_rfc3339().as_str()) {
        return Ok(true);
    }
    Ok(imported::original(conn, &old.meta.id)?.as_deref() == Some(r.original.as_ref()))
}

/// The stored record's time is known as the resource gives it.
fn same_time(old: &RecordMeta, r: &Ready<'_>) -> bool {
    match &r.as_given {
        Some(g) => old.effective_text.as_deref() == Some(g.text.as_str()),
        None => old.effective_text.is_none(),
    }
}

/// The import's writing side, inside its one transaction: fed a chunk of resources at a time
/// in input order.
pub(crate) struct Writer<'a> {
    tx: &'a Connection,
    subject: &'a str,
    /// When set, the only stored records this import may update (a sync pull: those made from
    /// the same recipient); a match with any other is a conflict.
    updatable: Option<&'a HashSet<String>>,
    provenance: Provenance,
    source: &'a Option<String>,
    now: Stamp,
    report: ImportReport,
    /// Records written or changed, for the audit entry; updated ones for their copies.
    changed: Changed,
    /// Record ids this import has written.
    used: HashSet<String>,
    /// Candidate ids that named a stored record when their chunk was looked up.
    present: HashSet<String>,
    heights: Heights,
    insert: repo::BulkInsert<'a>,
    rollups: RollupBatch,
    /// Weights wait until every other resource is written, so that each one's BMI uses every
    /// height of the import, wherever it stands in the input.
    weights: Vec<Ready<'a>>,
    /// Kept as documents at the end.
    documents: Vec<Kept<'a>>,
    /// What is left of each written record, freed only once the import is over: it was
    /// allocated on a planning thread, and glibc frees such memory under that thread's arena
    /// lock, which the planning thread holds while it allocates (measured: a fifth of the
    /// writer's time went to that contention).
    spent: Vec<(RecordBody, Vec<String>, Option<String>)>,
}

/// A planned resource after validation: what the writer does with it.
// Records are nearly every item: boxing them would allocate on one thread and free on another.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Prepared<'a> {
    Record(Ready<'a>),
    /// Not imported (path and type, why).
    Skipped((String, String), String),
    /// Kept as a document; `refused` says why the record model refused it (the resource is then
    /// also reported skipped).
    Document(Kept<'a>, Option<String>),
    /// A result line of a checkup imported with it.
    Line,
    /// The import stops (someone else's Patient, validation that could not run).
    Failed(Error),
}

/// Why a resource was kept beside the record it named instead of updating it.
const CONFLICT: &str = "names a record entered on this device or from another source: kept beside it, the record unchanged";

/// The largest resource kept as a document: a record refused for its size must not come back
/// as a document of that size (issue #13). The whole import is refused, naming the entry.
pub const MAX_KEPT_DOCUMENT_BYTES: usize = 4 * 1024 * 1024;

impl<'a> Kept<'a> {
    /// Kept as a document (with why the record model refused it), or the import refused when
    /// the resource is larger than [`MAX_KEPT_DOCUMENT_BYTES`].
    pub(crate) fn prepared(self, refused: Option<String>) -> Prepared<'a> {
        if self.original.len() > MAX_KEPT_DOCUMENT_BYTES {
            return Prepared::Failed(Error::invalid(
                self.path,
                "is larger than 4 MiB, the most one resource may be; remove it from the file and import again",
            ));
        }
        Prepared::Document(self, refused)
    }
}

/// A resource kept as a document, with the reason.
pub(crate) struct Kept<'a> {
    pub path: String,
    pub resource_type: String,
    pub resource_id: Option<String>,
    pub full_url: Option<String>,
    pub original: Cow<'a, str>,
    pub reason: String,
}

fn is_weight(r: &Ready<'_>) -> bool {
    matches!(&r.body, RecordBody::Observation(o) if o.observation_type == ObservationType::Weight)
}

/// What an import did, for the caller to audit and to pass on to the copies recipients hold.
pub(crate) struct Imported {
    pub report: ImportReport,
    pub changed: Changed,
}

impl<'a> Writer<'a> {
    pub(crate) fn new(
        tx: &'a Connection,
        subject: &'a str,
        (provenance, source): (Provenance, &'a Option<String>),
        updatable: Option<&'a HashSet<String>>,
        now: Stamp,
    ) -> Result<Writer<'a>> {
        write::refuse_derived_provenance(provenance)?;
        Ok(Writer {
            tx,
            subject,
            updatable,
            provenance,
            source,
            now,
            report: ImportReport::default(),
            changed: Changed::default(),
            used: HashSet::new(),
            present: HashSet::new(),
            heights: Heights::default(),
            insert: repo::BulkInsert::new(tx)?,
            rollups: RollupBatch::default(),
            weights: vec![],
            documents: vec![],
            spent: vec![],
        })
    }

    /// A chunk of prepared items in input order; returns how many of them are done (weights
    /// wait for [`Writer::finish`]).
    pub(crate) fn take(&mut self, items: Vec<Prepared<'a>>) -> Result<usize> {
        let n = items.len();
        let mut ready = Vec::with_capacity(n);
        for item in items {
            if let Some(r) = self.classify(item)? {
                ready.push(r);
            }
        }
        Ok(n - self.chunk(ready)?)
    }

    /// A prepared resource: a record to write, or what the report says of it.
    fn classify(&mut self, p: Prepared<'a>) -> Result<Option<Ready<'a>>> {
        let report = &mut self.report;
        match p {
            Prepared::Record(ready) => return Ok(Some(ready)),
            Prepared::Skipped(named, why) => {
                ImportReport::push(&mut report.skipped, named, None, Some(&why))
            }
            Prepared::Document(kept, refused) => {
                if let Some(why) = refused {
                    let named = (kept.path.clone(), kept.resource_type.clone());
                    ImportReport::push(&mut report.skipped, named, None, Some(&why));
                }
                self.documents.push(kept);
            }
            Prepared::Line => report.checkup_lines += 1,
            Prepared::Failed(e) => return Err(e),
        }
        Ok(None)
    }

    /// Write a chunk's records (weights wait, see `weights`); returns how many wait.
    fn chunk(&mut self, ready: Vec<Ready<'a>>) -> Result<usize> {
        // One query tells which candidate ids of the chunk name stored records; ids written by
        // this import since are in `used`, so no other id needs a look-up.
        self.present.extend(repo::existing_ids(
            self.tx,
            ready
                .iter()
                .flat_map(|r| r.candidates.iter().map(String::as_str)),
        )?);
        let before = self.weights.len();
        for r in ready {
            if is_weight(&r) {
                self.weights.push(r);
            } else {
                self.write(r)?;
            }
        }
        Ok(self.weights.len() - before)
    }

    /// The waiting weights, the roll-ups and the documents; the report and the records touched.
    pub(crate) fn finish(mut self) -> Result<Imported> {
        for r in std::mem::take(&mut self.weights) {
            self.write(r)?;
        }
        self.rollups.flush(self.tx)?;
        for kept in std::mem::take(&mut self.documents) {
            let id = derived_id(&[
                b"fhir-document",
                self.subject.as_bytes(),
                kept.original.as_bytes(),
            ]);
            imported::keep_document(
                self.tx,
                &KeptDocument {
                    id: &id,
                    subject: self.subject,
                    resource_type: &kept.resource_type,
                    resource_id: kept.resource_id.as_deref(),
                    json: &kept.original,
                    full_url: kept.full_url.as_deref(),
                    reason: &kept.reason,
                    imported_utc: self.now.utc_seconds,
                },
            )?;
            let named = (kept.path, kept.resource_type);
            ImportReport::push(&mut self.report.documents, named, None, Some(&kept.reason));
        }
        Ok(Imported {
            report: self.report,
            changed: self.changed,
        })
    }

    /// One record: skipped (a tombstone, twice in the input, another kind, unchanged), an
    /// update of the stored record (history kept), or new (with its BMI for a weight).
    fn write(&mut self, r: Ready<'a>) -> Result<()> {
        let (tx, report) = (self.tx, &mut self.report);
        match find(tx, &r, self.subject, &self.used, &self.present)? {
            Found::Tombstone => ImportReport::push(
                &mut report.skipped,
                r.named,
                None,
                Some("the record was deleted on this device"),
            ),
            Found::Existing(old) if !self.used.insert(old.meta.id.clone()) => ImportReport::push(
                &mut report.skipped,
                r.named,
                Some(&old.meta.id),
                Some("the same resource came twice"),
            ),
            Found::Existing(old) if old.meta.kind != r.body.kind() => ImportReport::push(
                &mut report.skipped,
                r.named,
                None,
                Some("a record of another kind has this identity"),
            ),
            Found::Existing(old)
                if (old.body == r.body && same_time(&old.meta, &r)) || unchanged(tx, &old, &r)? =>
            {
                ImportReport::push(
                    &mut report.skipped,
                    r.named,
                    Some(&old.meta.id),
                    Some("identical to the stored record"),
                )
            }
            Found::Existing(old) if self.updatable.is_some_and(|u| !u.contains(&old.meta.id)) => {
                let id = derived_id(&[
                    b"fhir-conflict",
                    self.subject.as_bytes(),
                    r.original.as_bytes(),
                ]);
                imported::keep_document(
                    tx,
                    &KeptDocument {
                        id: &id,
                        subject: self.subject,
                        resource_type: &r.named.1,
                        resource_id: None,
                        json: &r.original,
                        // Not the fullUrl: that names the record it conflicts with, and the
                        // whole-record export would give the copy the record's own id.
                        full_url: None,
                        reason: CONFLICT,
                        imported_utc: self.now.utc_seconds,
                    },
                )?;
                ImportReport::push(
                    &mut report.conflicts,
                    r.named,
                    Some(&old.meta.id),
                    Some(CONFLICT),
                )
            }
            Found::Existing(old) => {
                // The update recomputes roll-up buckets from the rows and may change a height:
                // bring the roll-ups up to date first, read heights again after.
                self.rollups.flush(tx)?;
                self.heights.forget();
                let touched = write::update(tx, &old, &r.body, r.effective, self.now)?;
                imported::set_original(tx, &old.meta.id, Some(&r.original))?;
                imported::set_full_url(tx, &old.meta.id, r.full_url.as_deref())?;
                if let Some(g) = &r.as_given {
                    repo::set_as_given(tx, &old.meta.id, g.precision, Some(&g.text))?;
                }
                ImportReport::push(&mut report.updated, r.named, Some(&old.meta.id), None);
                self.changed.ids.extend(touched.ids);
                self.changed.follow.extend(touched.follow);
                self.changed.added.extend(touched.added);
            }
            Found::New(_)
                if matches!(r.body, RecordBody::Checkup(_))
                    && super::document::held(tx, self.subject, "", &r.body)?.is_some() =>
            {
                // The same checkup under another document id (a copy, a re-issue).
                ImportReport::push(
                    &mut report.skipped,
                    r.named,
                    None,
                    Some("identical to a checkup already held"),
                )
            }
            Found::New(id) => {
                self.used.insert(id.clone());
                // `new_meta` with the id chosen here (no UUIDv7 drawn to be replaced).
                let meta = RecordMeta {
                    id,
                    subject_id: self.subject.to_owned(),
                    kind: r.body.kind(),
                    effective: r.effective,
                    effective_precision: r
                        .as_given
                        .as_ref()
                        .map_or_else(|| natural_precision(&r.body), |g| g.precision),
                    effective_text: r.as_given.as_ref().map(|g| g.text.clone()),
                    version: 1,
                    created: self.now,
                    updated: self.now,
                    provenance: self.provenance,
                    source: self.source.clone(),
                    deleted_utc: None,
                };
                self.insert
                    .insert(&meta, &r.body, Some(&r.original), &mut self.rollups)?;
                if r.full_url.is_some() {
                    imported::set_full_url(tx, &meta.id, r.full_url.as_deref())?;
                }
                if let RecordBody::Observation(o) = &r.body {
                    if o.observation_type == ObservationType::Height {
                        self.heights.forget();
                    }
                    if let Some(bmi) = self.bmi_of(&meta, o)? {
                        self.report.derived += 1;
                        let bmi_type = Some(ObservationType::Bmi);
                        self.changed
                            .added
                            .push((bmi.clone(), RecordKind::Observation, bmi_type));
                        self.changed.ids.push(bmi);
                    }
                }
                let observed = match &r.body {
                    RecordBody::Observation(o) => Some(o.observation_type),
                    _ => None,
                };
                self.changed
                    .added
                    .push((meta.id.clone(), meta.kind, observed));
                ImportReport::push(&mut self.report.imported, r.named, Some(&meta.id), None);
                self.changed.ids.push(meta.id);
            }
        }
        self.spent.push((r.body, r.candidates, r.last_updated));
        Ok(())
    }

    /// After a new weight: its BMI by the rule of [`super::bmi`], with the height from the
    /// import's cache and the roll-ups counted into the batch. Returns the BMI record's id.
    fn bmi_of(&mut self, weight: &RecordMeta, o: &super::Observation) -> Result<Option<String>> {
        if o.observation_type != ObservationType::Weight {
            return Ok(None);
        }
        let at = o.effective.utc_seconds;
        let Some(height) = self.heights.for_weight(self.tx, &weight.subject_id, at)? else {
            return Ok(None);
        };
        let r = bmi::bmi_record(weight, o, height, self.now);
        self.insert
            .insert(&r.meta, &r.body, None, &mut self.rollups)?;
        Ok(Some(r.meta.id))
    }
}
