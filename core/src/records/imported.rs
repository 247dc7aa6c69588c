//! What an import keeps beside the typed rows: the original FHIR JSON of a record
//! (`record.original_json`) and resources the record model does not type (`fhir_document`).

use crate::error::Result;
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::HashMap;

/// Set (or clear) the original JSON of a record.
pub(crate) fn set_original(conn: &Connection, id: &str, json: Option<&str>) -> Result<()> {
    conn.prepare_cached("UPDATE record SET original_json = ?2 WHERE id = ?1")?
        .execute(params![id, json])?;
    Ok(())
}

/// Set the `fullUrl` an imported record came under.
pub(crate) fn set_full_url(conn: &Connection, id: &str, full_url: Option<&str>) -> Result<()> {
    conn.prepare_cached("UPDATE record SET original_full_url = ?2 WHERE id = ?1")?
        .execute(params![id, full_url])?;
    Ok(())
}

/// The `fullUrl` each live record of `subject` with an original came under, by record id.
pub(crate) fn full_urls(conn: &Connection, subject: &str) -> Result<HashMap<String, String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, original_full_url FROM record
         WHERE subject_id = ?1 AND deleted_utc IS NULL AND original_full_url IS NOT NULL",
    )?;
    let rows = stmt.query_map([subject], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A kept document as the export reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDocument {
    pub id: String,
    pub resource_type: String,
    /// The resource's own `id` as the import read it (none when it had none, or for a kept
    /// conflict): with `resource_type`, its `Type/id` without parsing `json` again.
    pub resource_id: Option<String>,
    pub full_url: Option<String>,
    pub json: String,
}

/// Every document kept for `subject`, in the order they were kept (then by id).
pub(crate) fn documents(conn: &Connection, subject: &str) -> Result<Vec<StoredDocument>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, resource_type, full_url, json, resource_id FROM fhir_document
         WHERE subject_id = ?1 ORDER BY imported_utc, id",
    )?;
    let rows = stmt.query_map([subject], |r| {
        Ok(StoredDocument {
            id: r.get(0)?,
            resource_type: r.get(1)?,
            resource_id: r.get(4)?,
            full_url: r.get(2)?,
            json: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn original(conn: &Connection, id: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT original_json FROM record WHERE id = ?1")?
        .query_row([id], |r| r.get::<_, Option<String>>(0))
        .optional()?
        .flatten())
}

/// Original JSON of every live record of `subject` that has one, by record id.
pub(crate) fn originals(conn: &Connection, subject: &str) -> Result<HashMap<String, String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, original_json FROM record
         WHERE subject_id = ?1 AND deleted_utc IS NULL AND original_json IS NOT NULL",
    )?;
    let rows = stmt.query_map([subject], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A resource kept as it came. Returns false when the same document was kept before.
pub(crate) struct KeptDocument<'a> {
    pub id: &'a str,
    pub subject: &'a str,
    pub resource_type: &'a str,
    pub resource_id: Option<&'a str>,
    pub json: &'a str,
    pub full_url: Option<&'a str>,
    pub reason: &'a str,
    pub imported_utc: i64,
}

pub(crate) fn keep_document(conn: &Connection, d: &KeptDocument<'_>) -> Result<bool> {
    let n = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO fhir_document
                (id, subject_id, resource_type, resource_id, json, reason, imported_utc, full_url)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![
            d.id,
            d.subject,
            d.resource_type,
            d.resource_id,
            d.json,
            d.reason,
            d.imported_utc,
            d.full_url
        ])?;
    Ok(n == 1)
}

/// How many documents `subject` has, by resource type.
pub(crate) fn document_counts(conn: &Connection, subject: &str) -> Result<Vec<(String, i64)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT resource_type, count(*) FROM fhir_document WHERE subject_id = ?1
         GROUP BY resource_type ORDER BY resource_type",
    )?;
    let rows = stmt.query_map([subject], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The original JSON of each of `ids` that has one, by record id (read in the caller's
/// snapshot, so it is the original of exactly the version read there).
pub(crate) fn originals_of(conn: &Connection, ids: &[String]) -> Result<HashMap<String, String>> {
    let mut out = HashMap::new();
    for id in ids {
        if let Some(json) = original(conn, id)? {
            out.insert(id.clone(), json);
        }
    }
    Ok(out)
}
