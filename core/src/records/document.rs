//! A document imported as one record (a health-checkup file, an eCheckup report): the record's
//! id is derived from the subject and the document's own id (else from its content), so the
//! same document imported twice adds nothing, and a copy of a checkup already held (same
//! content under another document id) adds nothing either.

use super::record::natural_precision;
use super::write::new_meta;
use super::{Provenance, Record, RecordBody, RecordKind, Stamp, derived_id, repo};
use crate::error::Result;
use rusqlite::Connection;

/// What importing a document did.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckupImport {
    /// The record the document is: new, updated, or the one already held.
    pub record: Record,
    pub outcome: DocumentOutcome,
}

/// Whether a document added a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentOutcome {
    /// A new record.
    Added,
    /// The document (same id) came with other content: the record it made is updated, its
    /// previous version kept in the history.
    Updated,
    /// The same document, or a checkup with the same content, is held already (or was deleted
    /// on this device, which an import does not undo): nothing was added.
    AlreadyHeld,
}

impl CheckupImport {
    /// Whether a record was added.
    pub fn added(&self) -> bool {
        self.outcome == DocumentOutcome::Added
    }
}

/// The record id of the document `key` (its document id, else its bytes) for `subject`.
pub(crate) fn document_record_id(subject: &str, key: &[u8]) -> String {
    derived_id(&[b"document-record", subject.as_bytes(), key])
}

/// The record already holding this document (by id, whatever its content) or its content, if
/// any (a tombstone counts: an import does not undo a deletion).
pub(crate) fn held(
    conn: &Connection,
    subject: &str,
    id: &str,
    body: &RecordBody,
) -> Result<Option<Record>> {
    if let Some(r) = repo::load(conn, id)?
        && r.meta.subject_id == subject
    {
        return Ok(Some(r));
    }
    if let RecordBody::Checkup(c) = body {
        let same_day: Vec<String> = conn
            .prepare_cached(
                "SELECT r.id FROM record r JOIN checkup c ON c.record_id = r.id
                 WHERE r.subject_id = ?1 AND r.kind = ?2 AND r.deleted_utc IS NULL
                   AND c.checkup_date = ?3",
            )?
            .query_map(
                rusqlite::params![
                    subject,
                    RecordKind::Checkup.as_str(),
                    c.date.format("%Y-%m-%d").to_string()
                ],
                |r| r.get(0),
            )?
            .collect::<rusqlite::Result<_>>()?;
        for other in same_day {
            if let Some(r) = repo::load(conn, &other)?
                && &r.body == body
            {
                return Ok(Some(r));
            }
        }
    }
    Ok(None)
}

/// Add the document's record as `id`, unless it is held already.
#[allow(clippy::too_many_arguments)]
pub(crate) fn add_document_record(
    conn: &Connection,
    subject: &str,
    id: String,
    body: RecordBody,
    effective: Stamp,
    provenance: Provenance,
    source: Option<String>,
    now: Stamp,
) -> Result<CheckupImport> {
    super::write::refuse_derived_provenance(provenance)?;
    if let Some(old) = held(conn, subject, &id, &body)? {
        if old.body == body || old.meta.deleted_utc.is_some() || old.meta.kind != body.kind() {
            return Ok(CheckupImport {
                record: old,
                outcome: DocumentOutcome::AlreadyHeld,
            });
        }
        super::write::update(conn, &old, &body, effective, now)?;
        return Ok(CheckupImport {
            record: super::write::load_live(conn, subject, &old.meta.id)?,
            outcome: DocumentOutcome::Updated,
        });
    }
    let mut meta = new_meta(
        subject,
        body.kind(),
        effective,
        natural_precision(&body),
        now,
        provenance,
        source,
    );
    meta.id = id;
    repo::insert(conn, &meta, &body)?;
    Ok(CheckupImport {
        record: Record { meta, body },
        outcome: DocumentOutcome::Added,
    })
}
