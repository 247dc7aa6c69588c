//! Importing FHIR R4 JSON into a subject's record: the plan from [`crate::fhir::import::plan`],
//! validated by the same rules as every other write, deduplicated by identity, and written in
//! ONE transaction with one audit entry (all or nothing), with a report of what happened to
//! every resource.

use super::Session;
use super::writes::{derive_bmi, load_any, new_meta, update_in};
use crate::access::Action;
use crate::audit::AuditAction;
use crate::error::{Error, Result};
use crate::fhir::import::{Identity, Outcome, PlannedItem, PlannedRecord, plan};
use crate::records::imported::{self, KeptDocument};
use crate::records::{ObservationType, Provenance, Record, RecordBody, Stamp, persons, repo};
use rusqlite::Connection;
use serde::Serialize;
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
        item: &PlannedItem,
        id: Option<&str>,
        why: Option<&str>,
    ) {
        list.push(ImportedResource {
            path: item.path.clone(),
            resource_type: item.resource_type.clone(),
            record_id: id.map(str::to_owned),
            reason: why.map(str::to_owned),
        });
    }
}

/// A record ready to write.
struct Ready<'p> {
    item: &'p PlannedItem,
    record: &'p PlannedRecord,
    body: RecordBody,
    effective: Stamp,
}

/// Where a refused field sits in the JSON: the exact field, else the longest prefix
/// (`results[3].code` → the line's path).
fn field_path(r: &PlannedRecord, item: &PlannedItem, field: &str) -> String {
    if let Some((_, p)) = r.fields.iter().find(|(f, _)| f == field) {
        return p.clone();
    }
    r.fields
        .iter()
        .filter(|(f, _)| field.starts_with(f.as_str()))
        .max_by_key(|(f, _)| f.len())
        .map(|(f, p)| format!("{p} ({})", field[f.len()..].trim_start_matches('.')))
        .unwrap_or_else(|| format!("{} ({field})", item.path))
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
fn find(
    conn: &Connection,
    subject: &str,
    ready: &Ready<'_>,
    used: &HashSet<String>,
) -> Result<Found> {
    let mut free = None;
    for i in &ready.record.identity {
        let id = candidate(subject, i);
        match repo::load(conn, &id)? {
            Some(r) if r.meta.subject_id == subject && r.meta.deleted_utc.is_some() => {
                return Ok(Found::Tombstone);
            }
            Some(r) if r.meta.subject_id == subject => return Ok(Found::Existing(Box::new(r))),
            Some(_) => {}
            None if free.is_none() && !used.contains(&id) => free = Some(id),
            None => {}
        }
    }
    let id = free.unwrap_or_else(|| {
        crate::fhir::derived_id(&[
            b"fhir-import-content",
            subject.as_bytes(),
            ready.item.original.as_bytes(),
        ])
    });
    Ok(Found::New(id))
}

/// The resource is the one stored: the same original JSON, or our own export of the stored
/// version (same `meta.lastUpdated`), whose body may map back with small differences (a
/// medication's dose and frequency come back as one text).
fn unchanged(conn: &Connection, old: &Record, r: &Ready<'_>) -> Result<bool> {
    if r.record.last_updated.as_deref() == Some(crate::fhir::date_time(old.meta.updated).as_str()) {
        return Ok(true);
    }
    Ok(imported::original(conn, &old.meta.id)?.as_deref() == Some(r.item.original.as_str()))
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
        let plan = plan(json)?;
        let person = self
            .store()
            .read(|c| persons::get(c, access.subject()))?
            .ok_or_else(|| Error::not_found("person"))?;
        let mut report = ImportReport::default();
        let mut ready = vec![];
        let mut documents: Vec<(&PlannedItem, String)> = vec![];
        for item in &plan.items {
            match &item.outcome {
                Outcome::Patient { birth_date } => {
                    if birth_date.is_some_and(|d| d != person.details.birth_date) {
                        return Err(Error::invalid(
                            format!("{}.birthDate", item.path),
                            "this Patient is not the person the import is for",
                        ));
                    }
                    ImportReport::push(
                        &mut report.skipped,
                        item,
                        None,
                        Some("the Patient is this person"),
                    );
                }
                Outcome::Record(r) => match self.prepare(r.input.clone()) {
                    Ok((body, effective)) => ready.push(Ready {
                        item,
                        record: r,
                        body,
                        effective,
                    }),
                    Err(Error::InvalidInput { field, reason }) => {
                        let why = format!("{}: {reason}", field_path(r, item, &field));
                        ImportReport::push(&mut report.skipped, item, None, Some(&why));
                        documents.push((item, format!("refused by the record model: {why}")));
                    }
                    Err(e) => return Err(e),
                },
                Outcome::Document { reason } => documents.push((item, reason.clone())),
                Outcome::Skipped { reason } => {
                    ImportReport::push(&mut report.skipped, item, None, Some(reason))
                }
                Outcome::LineOf { .. } => report.checkup_lines += 1,
            }
        }
        // Heights first, so a weight imported with its height gets its BMI.
        ready.sort_by_key(|r| match &r.body {
            RecordBody::Observation(o) if o.observation_type == ObservationType::Height => 0,
            _ => 1,
        });
        let now = self.now();
        let total = ready.len() + documents.len();
        self.write(&access, AuditAction::RecordsImported, |w| {
            let mut ids = vec![];
            let mut used: HashSet<String> = HashSet::with_capacity(ready.len());
            for (n, r) in ready.into_iter().enumerate() {
                if n % 256 == 0 {
                    progress(n, total);
                }
                match find(w.tx, subject, &r, &used)? {
                    Found::Tombstone => ImportReport::push(
                        &mut report.skipped,
                        r.item,
                        None,
                        Some("the record was deleted on this device"),
                    ),
                    Found::Existing(old) if !used.insert(old.meta.id.clone()) => {
                        ImportReport::push(
                            &mut report.skipped,
                            r.item,
                            Some(&old.meta.id),
                            Some("the same resource came twice"),
                        )
                    }
                    Found::Existing(old) if old.meta.kind != r.body.kind() => ImportReport::push(
                        &mut report.skipped,
                        r.item,
                        None,
                        Some("a record of another kind has this identity"),
                    ),
                    Found::Existing(old) if old.body == r.body || unchanged(w.tx, &old, &r)? => {
                        ImportReport::push(
                            &mut report.skipped,
                            r.item,
                            Some(&old.meta.id),
                            Some("identical to the stored record"),
                        )
                    }
                    Found::Existing(old) => {
                        let touched = update_in(w.tx, &old, &r.body, r.effective, now)?;
                        imported::set_original(w.tx, &old.meta.id, Some(&r.item.original))?;
                        ImportReport::push(&mut report.updated, r.item, Some(&old.meta.id), None);
                        ids.extend(touched);
                    }
                    Found::New(id) => {
                        used.insert(id.clone());
                        let mut meta = new_meta(
                            subject,
                            r.body.kind(),
                            r.effective,
                            now,
                            provenance,
                            source.clone(),
                        );
                        meta.id = id;
                        repo::insert_with_original(w.tx, &meta, &r.body, Some(&r.item.original))?;
                        if let RecordBody::Observation(o) = &r.body
                            && let Some(bmi) = derive_bmi(w.tx, subject, &meta.id, o, now)?
                        {
                            report.derived += 1;
                            ids.push(bmi.meta.id);
                        }
                        ImportReport::push(&mut report.imported, r.item, Some(&meta.id), None);
                        ids.push(meta.id);
                    }
                }
            }
            for (item, reason) in &documents {
                let id = crate::fhir::derived_id(&[
                    b"fhir-document",
                    subject.as_bytes(),
                    item.original.as_bytes(),
                ]);
                imported::keep_document(
                    w.tx,
                    &KeptDocument {
                        id: &id,
                        subject,
                        resource_type: &item.resource_type,
                        resource_id: item.resource_id.as_deref(),
                        json: &item.original,
                        reason,
                        imported_utc: now.utc_seconds,
                    },
                )?;
                ImportReport::push(&mut report.documents, item, None, Some(reason));
            }
            progress(total, total);
            Ok((report, ids))
        })
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
