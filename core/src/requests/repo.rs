//! `resident_request` (schema v22): a request as received, then its outcome.

use super::entry::{RequestKind, RequestStatus, ResidentRequest, damaged};
use crate::error::Result;
use crate::records::Stamp;
use rusqlite::{Connection, OptionalExtension, params};

/// Record a request as received; returns it.
pub(crate) fn receive(
    conn: &Connection,
    (kind, subject, actor): (RequestKind, &str, &str),
    target: Option<&str>,
    at: Stamp,
) -> Result<ResidentRequest> {
    let id = uuid::Uuid::new_v4().to_string();
    conn.execute(
        "INSERT INTO resident_request (id, kind, subject_id, actor, target, received_utc,
             offset_seconds, status)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'received')",
        params![
            id,
            kind.as_str(),
            subject,
            actor,
            target,
            at.utc_seconds,
            at.offset_seconds
        ],
    )?;
    get(conn, &id)?.ok_or_else(damaged)
}

/// Record the outcome of request `id`.
pub(crate) fn complete(
    conn: &Connection,
    id: &str,
    status: RequestStatus,
    outcome: &str,
    at: Stamp,
) -> Result<ResidentRequest> {
    conn.execute(
        "UPDATE resident_request SET status = ?2, outcome = ?3, completed_utc = ?4 WHERE id = ?1",
        params![id, status.as_str(), outcome, at.utc_seconds],
    )?;
    get(conn, id)?.ok_or_else(damaged)
}

const COLUMNS: &str = "id, kind, subject_id, actor, target, received_utc, offset_seconds, status,
    outcome, completed_utc";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(ResidentRequest, String, String)> {
    let offset: i32 = r.get(6)?;
    let stamp = |utc: i64| Stamp {
        utc_seconds: utc,
        offset_seconds: offset,
    };
    Ok((
        ResidentRequest {
            id: r.get(0)?,
            kind: RequestKind::Disclosure,
            subject_id: r.get(2)?,
            actor: r.get(3)?,
            target: r.get(4)?,
            received_at: stamp(r.get(5)?),
            status: RequestStatus::Received,
            outcome: r.get(8)?,
            completed_at: r.get::<_, Option<i64>>(9)?.map(stamp),
        },
        r.get(1)?,
        r.get(7)?,
    ))
}

fn parsed((mut q, kind, status): (ResidentRequest, String, String)) -> Result<ResidentRequest> {
    q.kind = RequestKind::parse(&kind)?;
    q.status = RequestStatus::parse(&status)?;
    Ok(q)
}

fn get(conn: &Connection, id: &str) -> Result<Option<ResidentRequest>> {
    let sql = format!("SELECT {COLUMNS} FROM resident_request WHERE id = ?1");
    conn.query_row(&sql, [id], row)
        .optional()?
        .map(parsed)
        .transpose()
}

/// The subject's requests, oldest first.
pub(crate) fn list(conn: &Connection, subject: &str) -> Result<Vec<ResidentRequest>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM resident_request WHERE subject_id = ?1 ORDER BY received_utc, rowid"
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map([subject], row)?;
    rows.map(|r| parsed(r?)).collect()
}
