//! Storing delegations.

use super::delegation::{
    Delegation, Grantee, GrantorKind, RepresentativeBasis, parse_scopes, scopes_text,
};
use crate::error::{Error, Result};
use rusqlite::{Connection, OptionalExtension, Row, params};

const COLUMNS: &str = "id, subject_id, grantee_person_id, grantee_account, granted_by, grantor_kind, basis, basis_note,
    scopes, valid_from, valid_until, created_utc, revoked_utc, revoked_by, parent_id";

type RawRow = (
    Delegation,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
    String,
);

fn from_row(r: &Row<'_>) -> rusqlite::Result<RawRow> {
    Ok((
        Delegation {
            id: r.get(0)?,
            subject_id: r.get(1)?,
            grantee: Grantee::Person(String::new()),
            granted_by: r.get(4)?,
            grantor_kind: GrantorKind::Subject,
            basis: None,
            basis_note: r.get(7)?,
            scopes: vec![],
            valid_from: r.get(9)?,
            valid_until: r.get(10)?,
            created_utc: r.get(11)?,
            revoked_utc: r.get(12)?,
            revoked_by: r.get(13)?,
            parent: r.get(14)?,
        },
        r.get(2)?,
        r.get(3)?,
        r.get(5)?,
        r.get(6)?,
        r.get(8)?,
    ))
}

fn finish((mut d, person, account, kind, basis, scopes): RawRow) -> Result<Delegation> {
    let bad = || Error::CorruptStore {
        reason: "a delegation row is unreadable",
    };
    d.grantee = match (person, account) {
        (Some(p), None) => Grantee::Person(p),
        (None, Some(a)) => Grantee::Account(a),
        _ => return Err(bad()),
    };
    d.grantor_kind = match kind.as_str() {
        "subject" => GrantorKind::Subject,
        "legal_representative" => GrantorKind::LegalRepresentative,
        _ => return Err(bad()),
    };
    d.basis = basis
        .map(|b| RepresentativeBasis::parse(&b))
        .transpose()
        .map_err(|_| bad())?;
    d.scopes = parse_scopes(&scopes).map_err(|_| bad())?;
    Ok(d)
}

pub(crate) fn insert(conn: &Connection, d: &Delegation) -> Result<()> {
    let (person, account) = match &d.grantee {
        Grantee::Person(p) => (Some(p.as_str()), None),
        Grantee::Account(a) => (None, Some(a.as_str())),
    };
    conn.execute(
        "INSERT INTO delegation (id, subject_id, grantee_person_id, grantee_account, granted_by, grantor_kind, basis,
            basis_note, scopes, valid_from, valid_until, created_utc, parent_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            d.id,
            d.subject_id,
            person,
            account,
            d.granted_by,
            match d.grantor_kind {
                GrantorKind::Subject => "subject",
                GrantorKind::LegalRepresentative => "legal_representative",
            },
            d.basis.map(|b| b.as_str()),
            d.basis_note,
            scopes_text(&d.scopes),
            d.valid_from,
            d.valid_until,
            d.created_utc,
            d.parent,
        ],
    )?;
    Ok(())
}

/// Unrevoked delegations a person holds on a subject's record.
pub(crate) fn held(conn: &Connection, grantee: &str, subject: &str) -> Result<Vec<Delegation>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM delegation WHERE grantee_person_id = ?1 AND subject_id = ?2 AND revoked_utc IS NULL
         ORDER BY created_utc, id"
    ))?;
    let rows = stmt.query_map(params![grantee, subject], from_row)?;
    rows.map(|r| finish(r?)).collect()
}

/// Every delegation on a subject's record, revoked ones included, newest first.
pub(crate) fn on_subject(conn: &Connection, subject: &str) -> Result<Vec<Delegation>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM delegation WHERE subject_id = ?1 ORDER BY created_utc DESC, id DESC"
    ))?;
    let rows = stmt.query_map([subject], from_row)?;
    rows.map(|r| finish(r?)).collect()
}

/// Unrevoked delegations held by a person, on anyone's record.
pub(crate) fn held_by(conn: &Connection, grantee: &str) -> Result<Vec<Delegation>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM delegation WHERE grantee_person_id = ?1 AND revoked_utc IS NULL ORDER BY created_utc, id"
    ))?;
    let rows = stmt.query_map([grantee], from_row)?;
    rows.map(|r| finish(r?)).collect()
}

pub(crate) fn get(conn: &Connection, id: &str) -> Result<Option<Delegation>> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM delegation WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()?
        .map(finish)
        .transpose()
}

/// The ids of `id` and every grant made from it, however deep.
pub(crate) fn descendants(conn: &Connection, id: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "WITH RECURSIVE tree(id) AS (
             SELECT ?1
             UNION SELECT d.id FROM delegation d JOIN tree ON d.parent_id = tree.id
         )
         SELECT id FROM tree",
    )?;
    let ids = stmt.query_map([id], |r| r.get(0))?;
    Ok(ids.collect::<rusqlite::Result<_>>()?)
}

/// Revoke `id` and every grant made from it. Returns the ids revoked now.
pub(crate) fn revoke(conn: &Connection, id: &str, by: &str, at: i64) -> Result<Vec<String>> {
    let mut revoked = vec![];
    for d in descendants(conn, id)? {
        let n = conn.execute(
            "UPDATE delegation SET revoked_utc = ?2, revoked_by = ?3 WHERE id = ?1 AND revoked_utc IS NULL",
            params![d, at, by],
        )?;
        if n > 0 {
            revoked.push(d);
        }
    }
    Ok(revoked)
}

/// The grants `id` was made from, nearest first.
pub(crate) fn ancestors(conn: &Connection, id: &str) -> Result<Vec<Delegation>> {
    let mut out = vec![];
    let mut next = get(conn, id)?.and_then(|d| d.parent);
    while let Some(pid) = next {
        let Some(p) = get(conn, &pid)? else { break };
        if out.iter().any(|a: &Delegation| a.id == p.id) {
            break;
        }
        next = p.parent.clone();
        out.push(p);
    }
    Ok(out)
}

/// End every representative grant on `subject` (the subject takes control). Returns their ids.
pub(crate) fn end_representation(conn: &Connection, subject: &str, at: i64) -> Result<Vec<String>> {
    let ids: Vec<String> = {
        let mut stmt = conn.prepare(
            "SELECT id FROM delegation WHERE subject_id = ?1 AND grantor_kind = 'legal_representative' AND revoked_utc IS NULL",
        )?;
        stmt.query_map([subject], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?
    };
    conn.execute(
        "UPDATE delegation SET revoked_utc = ?2, revoked_by = ?1
         WHERE subject_id = ?1 AND grantor_kind = 'legal_representative' AND revoked_utc IS NULL",
        params![subject, at],
    )?;
    Ok(ids)
}
