//! Importing FHIR R4 JSON into a subject's record: the plan from [`crate::fhir::import::plan`],
//! validated by the same rules as every other write, deduplicated by identity, and written in
//! ONE transaction with one audit entry (all or nothing), with a report of what happened to
//! every resource.

use super::Session;
use super::writes::{load_any, new_meta, update_in};
use crate::access::Action;
use crate::audit::AuditAction;
use crate::error::{Error, Result};
use crate::fhir::import::{Identity, Outcome, PlannedItem, PlannedRecord, plan_chunks};
use crate::records::imported::{self, KeptDocument};
use crate::records::{
    Observation, ObservationType, Person, Provenance, Record, RecordBody, RecordKind, RecordMeta,
    RollupBatch, Stamp, persons, repo,
};
use rusqlite::{Connection, OptionalExtension};
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
/// `imported`, `updated`, `skipped`, `documents`, or is a result line of an imported checkup
/// (`checkup_lines`); a value the record model refuses is both skipped (naming the field) and
/// kept as a document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub imported: Vec<ImportedResource>,
    pub updated: Vec<ImportedResource>,
    pub skipped: Vec<ImportedResource>,
    pub documents: Vec<ImportedResource>,
    /// Observations imported as lines of a checkup.
    pub checkup_lines: usize,
    /// Records the core derived (BMI from an imported weight).
    pub derived: usize,
}

impl ImportReport {
    fn push(
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
struct Ready<'a> {
    /// Where it sits in the input and its resource type, for the report.
    named: (String, String),
    /// The resource as it came, borrowed from the input.
    original: Cow<'a, str>,
    /// `meta.lastUpdated` as it came ([`unchanged`]).
    last_updated: Option<String>,
    body: RecordBody,
    effective: Stamp,
    /// The record ids its identities name, best first ([`candidate`]).
    candidates: Vec<String>,
}

/// Where a refused field sits in the JSON: the exact field, else the longest prefix
/// (`results[3].code` → the line's path).
fn field_path(fields: &[(String, String)], path: &str, field: &str) -> String {
    if let Some((_, p)) = fields.iter().find(|(f, _)| f == field) {
        return p.clone();
    }
    fields
        .iter()
        .filter(|(f, _)| field.starts_with(f.as_str()))
        .max_by_key(|(f, _)| f.len())
        .map(|(f, p)| format!("{p} ({})", field[f.len()..].trim_start_matches('.')))
        .unwrap_or_else(|| format!("{path} ({field})"))
}

/// The record id an identity names for `subject`: a UUID as is, anything else derived.
fn candidate(subject: &str, i: &Identity) -> String {
    match i {
        Identity::Uuid(u) => u.clone(),
        Identity::Foreign(k) => {
            crate::fhir::derived_id(&[b"fhir-import", subject.as_bytes(), k.as_bytes()])
        }
    }
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
    let id = free.unwrap_or_else(|| {
        crate::fhir::derived_id(&[
            b"fhir-import-content",
            subject.as_bytes(),
            ready.original.as_bytes(),
        ])
    });
    Ok(Found::New(id))
}

/// The subject's heights, read once per import for the BMI of every imported weight instead of
/// one query per weight. Dropped whenever the import writes a height or updates a record.
#[derive(Default)]
struct Heights {
    /// `(effective_utc, value)`, oldest first; `None` until first needed.
    loaded: Option<Vec<(i64, f64)>>,
}

/// The query `derive_bmi` (session/writes.rs) runs for each weight.
const HEIGHT_FOR_WEIGHT: &str =
    "SELECT value FROM observation WHERE subject_id = ?1 AND type = 'height'
     ORDER BY (effective_utc <= ?2) DESC, effective_utc DESC LIMIT 1";

impl Heights {
    fn forget(&mut self) {
        self.loaded = None;
    }

    /// The height `derive_bmi` would use for a weight at `at`: the latest at or before it,
    /// failing that the latest of all. Two heights at the same second are left to the query
    /// itself, so the choice between them stays SQLite's.
    fn for_weight(&mut self, conn: &Connection, subject: &str, at: i64) -> Result<Option<f64>> {
        if self.loaded.is_none() {
            let mut stmt = conn.prepare_cached(
                "SELECT effective_utc, value FROM observation WHERE subject_id = ?1 AND type = 'height'
                 ORDER BY effective_utc",
            )?;
            let rows = stmt.query_map([subject], |r| Ok((r.get(0)?, r.get(1)?)))?;
            self.loaded = Some(rows.collect::<rusqlite::Result<_>>()?);
        }
        let Some(list) = self.loaded.as_deref() else {
            return Ok(None);
        };
        if list.is_empty() {
            return Ok(None);
        }
        let before = list.partition_point(|&(t, _)| t <= at);
        let pick = if before > 0 {
            before - 1
        } else {
            list.len() - 1
        };
        let t = list[pick].0;
        let tied =
            (pick > 0 && list[pick - 1].0 == t) || list.get(pick + 1).is_some_and(|h| h.0 == t);
        if tied {
            return Ok(conn
                .prepare_cached(HEIGHT_FOR_WEIGHT)?
                .query_row(rusqlite::params![subject, at], |r| r.get(0))
                .optional()?);
        }
        Ok(Some(list[pick].1))
    }
}

/// After a new weight is imported: its BMI from the subject's height, as `derive_bmi`
/// (session/writes.rs) makes it for every other write, with the height from `heights` and the
/// roll-ups counted into `rollups`. Returns the BMI record's id.
fn derive_bmi(
    conn: &Connection,
    weight: &RecordMeta,
    o: &Observation,
    now: Stamp,
    heights: &mut Heights,
    insert: &mut repo::BulkInsert<'_>,
    rollups: &mut RollupBatch,
) -> Result<Option<String>> {
    if o.observation_type != ObservationType::Weight {
        return Ok(None);
    }
    let Some(height) = heights.for_weight(conn, &weight.subject_id, o.effective.utc_seconds)?
    else {
        return Ok(None);
    };
    let body = RecordBody::Observation(Observation {
        observation_type: ObservationType::Bmi,
        code: ObservationType::Bmi.loinc().into(),
        unit: ObservationType::Bmi.unit().into(),
        value: crate::records::bmi(o.value, height),
        value2: None,
        value3: None,
        glucose_timing: None,
        effective: o.effective,
        derived_from: Some(weight.id.clone()),
    });
    let meta = new_meta(
        &weight.subject_id,
        RecordKind::Observation,
        o.effective,
        now,
        Provenance::Derived,
        None,
    );
    insert.insert(&meta, &body, None, rollups)?;
    Ok(Some(meta.id))
}

/// The resource is the one stored: the same original JSON, or our own export of the stored
/// version (same `meta.lastUpdated`), whose body may map back with small differences (a
/// medication's dose and frequency come back as one text).
fn unchanged(conn: &Connection, old: &Record, r: &Ready<'_>) -> Result<bool> {
    if r.last_updated.as_deref() == Some(crate::fhir::date_time(old.meta.updated).as_str()) {
        return Ok(true);
    }
    Ok(imported::original(conn, &old.meta.id)?.as_deref() == Some(r.original.as_ref()))
}

/// The import's writing side, inside its one transaction: fed a chunk of resources at a time
/// in input order.
struct Writer<'a> {
    tx: &'a Connection,
    subject: &'a str,
    provenance: Provenance,
    source: &'a Option<String>,
    now: Stamp,
    report: ImportReport,
    /// Records written or changed, for the audit entry.
    ids: Vec<String>,
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
enum Prepared<'a> {
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

/// The largest resource kept as a document: a record refused for its size must not come back
/// as a document of that size (issue #13). The whole import is refused, naming the entry.
pub const MAX_KEPT_DOCUMENT_BYTES: usize = 4 * 1024 * 1024;

fn capped<'a>(kept: Kept<'a>, refused: Option<String>) -> Prepared<'a> {
    if kept.original.len() > MAX_KEPT_DOCUMENT_BYTES {
        return Prepared::Failed(Error::invalid(
            kept.path,
            "is larger than 4 MiB, the most one resource may be; remove it from the file and import again",
        ));
    }
    Prepared::Document(kept, refused)
}

/// A resource kept as a document, with the reason.
struct Kept<'a> {
    path: String,
    resource_type: String,
    resource_id: Option<String>,
    original: Cow<'a, str>,
    reason: String,
}

fn is_weight(r: &Ready<'_>) -> bool {
    matches!(&r.body, RecordBody::Observation(o) if o.observation_type == ObservationType::Weight)
}

impl<'a> Writer<'a> {
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
    fn finish(mut self) -> Result<(ImportReport, Vec<String>)> {
        for r in std::mem::take(&mut self.weights) {
            self.write(r)?;
        }
        self.rollups.flush(self.tx)?;
        for kept in std::mem::take(&mut self.documents) {
            let id = crate::fhir::derived_id(&[
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
                    reason: &kept.reason,
                    imported_utc: self.now.utc_seconds,
                },
            )?;
            let named = (kept.path, kept.resource_type);
            ImportReport::push(&mut self.report.documents, named, None, Some(&kept.reason));
        }
        Ok((self.report, self.ids))
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
            Found::Existing(old) if old.body == r.body || unchanged(tx, &old, &r)? => {
                ImportReport::push(
                    &mut report.skipped,
                    r.named,
                    Some(&old.meta.id),
                    Some("identical to the stored record"),
                )
            }
            Found::Existing(old) => {
                // The update recomputes roll-up buckets from the rows and may change a height:
                // bring the roll-ups up to date first, read heights again after.
                self.rollups.flush(tx)?;
                self.heights.forget();
                let touched = update_in(tx, &old, &r.body, r.effective, self.now)?;
                imported::set_original(tx, &old.meta.id, Some(&r.original))?;
                ImportReport::push(&mut report.updated, r.named, Some(&old.meta.id), None);
                self.ids.extend(touched);
            }
            Found::New(id) => {
                self.used.insert(id.clone());
                // `new_meta` with the id chosen here (no UUIDv7 drawn to be replaced).
                let meta = RecordMeta {
                    id,
                    subject_id: self.subject.to_owned(),
                    kind: r.body.kind(),
                    effective: r.effective,
                    version: 1,
                    created: self.now,
                    updated: self.now,
                    provenance: self.provenance,
                    source: self.source.clone(),
                    deleted_utc: None,
                };
                self.insert
                    .insert(&meta, &r.body, Some(&r.original), &mut self.rollups)?;
                if let RecordBody::Observation(o) = &r.body {
                    if o.observation_type == ObservationType::Height {
                        self.heights.forget();
                    }
                    if let Some(bmi) = derive_bmi(
                        tx,
                        &meta,
                        o,
                        self.now,
                        &mut self.heights,
                        &mut self.insert,
                        &mut self.rollups,
                    )? {
                        report.derived += 1;
                        self.ids.push(bmi);
                    }
                }
                ImportReport::push(&mut report.imported, r.named, Some(&meta.id), None);
                self.ids.push(meta.id);
            }
        }
        self.spent.push((r.body, r.candidates, r.last_updated));
        Ok(())
    }
}

impl Session {
    /// Import FHIR R4 JSON (a Bundle or one resource) into `subject`'s record. See
    /// [`Session::import_fhir_with_progress`].
    pub fn import_fhir(
        &self,
        actor: &str,
        subject: &str,
        json: &[u8],
        provenance: Provenance,
        source: Option<&str>,
    ) -> Result<ImportReport> {
        self.import_fhir_with_progress(actor, subject, json, provenance, source, &|_, _| {})
    }

    /// Import FHIR R4 JSON into `subject`'s record, calling `progress(done, total)` as resources
    /// are written. Malformed JSON names its path and imports nothing; a Patient that is clearly
    /// someone else (another birth date) is refused; persons are never created. A resource whose
    /// id or identifier matches a record of the subject updates it (history kept) or is skipped
    /// when identical. One transaction, one audit entry (`records_imported`).
    pub fn import_fhir_with_progress(
        &self,
        actor: &str,
        subject: &str,
        json: &[u8],
        provenance: Provenance,
        source: Option<&str>,
        progress: &dyn Fn(usize, usize),
    ) -> Result<ImportReport> {
        if provenance == Provenance::Derived {
            return Err(Error::invalid(
                "provenance",
                "derived records are made by the core",
            ));
        }
        let access = self.authorize(actor, subject, Action::Record)?;
        let source = crate::records::optional_text("source", source, 200)?;
        let person = self
            .store()
            .read(|c| persons::get(c, access.subject()))?
            .ok_or_else(|| Error::not_found("person"))?;
        let now = self.now();
        self.write(&access, AuditAction::RecordsImported, |w| {
            let mut writer = Writer {
                tx: w.tx,
                subject,
                provenance,
                source: &source,
                now,
                report: ImportReport::default(),
                ids: vec![],
                used: HashSet::new(),
                present: HashSet::new(),
                heights: Heights::default(),
                insert: repo::BulkInsert::new(w.tx)?,
                rollups: RollupBatch::default(),
                weights: vec![],
                documents: vec![],
                spent: vec![],
            };
            let (mut done, mut of) = (0, 0);
            // Each resource is validated on the thread that mapped it; chunks arrive here in
            // input order while later ones are still being mapped.
            plan_chunks(
                json,
                &|item| self.prepared(item, subject, &person),
                &mut |items, total| {
                    of = total;
                    done += items.len();
                    let mut ready = Vec::with_capacity(items.len());
                    for item in items {
                        if let Some(r) = writer.classify(item)? {
                            ready.push(r);
                        }
                    }
                    done -= writer.chunk(ready)?;
                    progress(done, of);
                    Ok(())
                },
            )?;
            let report = writer.finish()?;
            progress(of, of);
            Ok(report)
        })
    }

    /// What the writer is to do with a planned resource, decided on the thread that mapped it:
    /// a record validated by the same rules as every other write, the Patient checked against
    /// `person`. What the writer does not need (the model input, the field paths) is dropped here.
    fn prepared<'a>(&self, item: PlannedItem<'a>, subject: &str, person: &Person) -> Prepared<'a> {
        let PlannedItem {
            path,
            resource_type,
            resource_id,
            original,
            outcome,
        } = item;
        let r = match outcome {
            Outcome::Record(r) => r,
            Outcome::Patient { birth_date } => {
                return match birth_date {
                    Some(d) if d != person.details.birth_date => Prepared::Failed(Error::invalid(
                        format!("{path}.birthDate"),
                        "this Patient is not the person the import is for",
                    )),
                    _ => Prepared::Skipped(
                        (path, resource_type),
                        "the Patient is this person".into(),
                    ),
                };
            }
            Outcome::Document { reason } => {
                let kept = Kept {
                    path,
                    resource_type,
                    resource_id,
                    original,
                    reason,
                };
                return capped(kept, None);
            }
            Outcome::Skipped { reason } => return Prepared::Skipped((path, resource_type), reason),
            Outcome::LineOf { .. } => return Prepared::Line,
        };
        let PlannedRecord {
            input,
            identity,
            fields,
            last_updated,
        } = *r;
        match self.prepare(input) {
            Ok((body, effective)) => Prepared::Record(Ready {
                candidates: identity.iter().map(|i| candidate(subject, i)).collect(),
                named: (path, resource_type),
                original,
                last_updated,
                body,
                effective,
            }),
            Err(Error::InvalidInput { field, reason }) => {
                let why = format!("{}: {reason}", field_path(&fields, &path, &field));
                let reason = format!("refused by the record model: {why}");
                let kept = Kept {
                    path,
                    resource_type,
                    resource_id,
                    original,
                    reason,
                };
                capped(kept, Some(why))
            }
            Err(e) => Prepared::Failed(e),
        }
    }

    /// How many FHIR resources are kept as documents for `subject`, by resource type.
    pub fn fhir_documents(&self, actor: &str, subject: &str) -> Result<Vec<(String, i64)>> {
        let access = self.authorize(actor, subject, Action::View)?;
        self.store()
            .read(|c| imported::document_counts(c, access.subject()))
    }

    /// The original FHIR JSON an imported record was made from, if any. Audited like a read of
    /// the record.
    pub fn original_json(&self, actor: &str, subject: &str, id: &str) -> Result<Option<String>> {
        let access = self.authorize(actor, subject, Action::View)?;
        self.read_audited(
            &access,
            AuditAction::RecordsListed,
            |c| {
                load_any(c, access.subject(), id)?;
                imported::original(c, id)
            },
            |_| vec![id.to_owned()],
        )
    }
}

#[cfg(test)]
mod tests {
    use crate::records::*;
    use crate::{ClinicalInput, KdfParams, Session};

    fn session() -> (tempfile::TempDir, Session, String) {
        let dir = tempfile::tempdir().unwrap();
        let s = Session::create(
            dir.path(),
            "test passphrase",
            KdfParams::with_iterations(10_000).unwrap(),
        )
        .unwrap();
        let me = s
            .add_person(
                None,
                NewPerson {
                    nickname: "hanako".into(),
                    family_name: "山田".into(),
                    given_name: "花子".into(),
                    family_name_kana: None,
                    given_name_kana: None,
                    birth_date: chrono::NaiveDate::from_ymd_opt(1975, 5, 3).unwrap(),
                    sex: Sex::Female,
                    insurer_number: None,
                    insured_symbol: None,
                    insured_number: None,
                    municipality_code: None,
                },
            )
            .unwrap()
            .id;
        (dir, s, me)
    }

    fn at(days_ago: i64, seconds: i64) -> Stamp {
        Stamp {
            utc_seconds: crate::clock::Clock::from_environment().now_seconds() - days_ago * 86_400
                + seconds,
            offset_seconds: 9 * 3600,
        }
    }

    /// `(effective, value, derived from a weight at)` of every BMI, and the roll-up rows with
    /// their floats as bits.
    fn bmis_and_rollups(s: &Session, me: &str) -> (Vec<(i64, u64)>, Vec<String>) {
        s.store()
            .read(|c| {
                let records = all_live(c, me)?;
                let mut bmis: Vec<(i64, u64)> = records
                    .iter()
                    .filter_map(|r| match &r.body {
                        RecordBody::Observation(o)
                            if o.observation_type == ObservationType::Bmi =>
                        {
                            Some((o.effective.utc_seconds, o.value.to_bits()))
                        }
                        _ => None,
                    })
                    .collect();
                bmis.sort();
                let mut rows = vec![];
                for t in ["observation_hourly", "observation_daily_jst"] {
                    let mut stmt = c.prepare(&format!("SELECT * FROM {t} ORDER BY 1, 2, 3"))?;
                    let r = stmt.query_map([], |r| {
                        let mut s = String::new();
                        for i in 1..10 {
                            match r.get::<_, rusqlite::types::Value>(i)? {
                                rusqlite::types::Value::Real(f) => {
                                    s += &format!("{:x} ", f.to_bits())
                                }
                                other => s += &format!("{other:?} "),
                            }
                        }
                        Ok(s)
                    })?;
                    for row in r {
                        rows.push(row?);
                    }
                }
                Ok((bmis, rows))
            })
            .unwrap()
    }

    #[test]
    fn an_import_derives_the_same_bmis_and_rollups_as_adding_the_records() {
        // Heights: one long ago, two at the same second (different values), one recent; weights
        // before every height, between them, at a height's second, and after all.
        let heights = [
            (400, 0, 158.0),
            (200, 0, 159.5),
            (200, 0, 160.5),
            (10, 0, 160.0),
        ];
        let weights = [
            (500, 0, 50.0),
            (300, 60, 51.2),
            (200, 0, 52.4),
            (200, 1, 52.5),
            (100, 0, 53.1),
            (10, 0, 54.0),
            (1, 7, 54.3),
        ];
        let input = |ty, (d, s, v): (i64, i64, f64)| {
            ClinicalInput::Observation(ObservationInput::simple(ty, v, at(d, s)))
        };
        let (_a_dir, a, me_a) = session();
        for h in heights {
            a.add_records(
                &me_a,
                &me_a,
                vec![input(ObservationType::Height, h)],
                Provenance::Device,
                None,
            )
            .unwrap();
        }
        for w in weights {
            a.add_records(
                &me_a,
                &me_a,
                vec![input(ObservationType::Weight, w)],
                Provenance::Device,
                None,
            )
            .unwrap();
        }
        // The same readings as a FHIR Bundle, without A's BMIs (B derives its own).
        let mut bundle = a.export_fhir(&me_a, &me_a, at(0, 0)).unwrap();
        bundle["entry"]
            .as_array_mut()
            .unwrap()
            .retain(|e| e["resource"]["code"]["coding"][0]["code"] != ObservationType::Bmi.loinc());
        let (_b_dir, b, me_b) = session();
        let report = b
            .import_fhir(
                &me_b,
                &me_b,
                &serde_json::to_vec(&bundle).unwrap(),
                Provenance::ImportedFile,
                None,
            )
            .unwrap();
        assert_eq!(report.imported.len(), heights.len() + weights.len());
        assert_eq!(report.derived, weights.len());
        let (bmis_a, rollups_a) = bmis_and_rollups(&a, &me_a);
        let (bmis_b, rollups_b) = bmis_and_rollups(&b, &me_b);
        assert_eq!(bmis_a.len(), weights.len());
        assert_eq!(bmis_a, bmis_b);
        assert_eq!(rollups_a, rollups_b);
    }
}
