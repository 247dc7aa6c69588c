//! Storing directives: append-only (the schema refuses UPDATE and DELETE with triggers).

use super::category::DataCategory;
use super::directive::{ConsentDirective, Effect};
use crate::error::{Error, Result};
use crate::records::Stamp;
use rusqlite::{Connection, params};

fn corrupt() -> Error {
    Error::CorruptStore {
        reason: "a consent directive is unreadable",
    }
}

/// Append a directive (its `seq` is assigned here) and return it as stored.
pub(crate) fn insert(conn: &Connection, d: &ConsentDirective) -> Result<ConsentDirective> {
    conn.execute(
        "INSERT INTO consent_directive (id, subject_id, recipient, effect, valid_from_utc,
             valid_from_offset, valid_until_utc, valid_until_offset, decided_utc, decided_offset,
             actor_id, delegation_id, notice_version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            d.id,
            d.subject_id,
            d.recipient,
            d.effect.as_str(),
            d.valid_from.utc_seconds,
            d.valid_from.offset_seconds,
            d.valid_until.map(|u| u.utc_seconds),
            d.valid_until.map(|u| u.offset_seconds),
            d.decided_at.utc_seconds,
            d.decided_at.offset_seconds,
            d.decided_by,
            d.delegation,
            d.notice_version,
        ],
    )?;
    let seq = conn.last_insert_rowid();
    for c in &d.categories {
        conn.execute(
            "INSERT INTO consent_directive_category (directive_seq, category) VALUES (?1, ?2)",
            params![seq, c.as_str()],
        )?;
    }
    for p in &d.purposes {
        conn.execute(
            "INSERT INTO consent_directive_purpose (directive_seq, purpose) VALUES (?1, ?2)",
            params![seq, p],
        )?;
    }
    Ok(ConsentDirective { seq, ..d.clone() })
}

/// The latest decision time recorded in the store (decisions never go back in time).
pub(crate) fn last_decided(conn: &Connection) -> Result<Option<i64>> {
    Ok(
        conn.query_row("SELECT max(decided_utc) FROM consent_directive", [], |r| {
            r.get(0)
        })?,
    )
}

/// Every directive of `subject`, oldest first.
pub(crate) fn all_for(conn: &Connection, subject: &str) -> Result<Vec<ConsentDirective>> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, id, subject_id, recipient, effect, valid_from_utc, valid_from_offset,
                valid_until_utc, valid_until_offset, decided_utc, decided_offset, actor_id,
                delegation_id, notice_version,
                EXISTS (SELECT 1 FROM consent_reconsent r WHERE r.directive_id = d.id)
         FROM consent_directive d WHERE subject_id = ?1 ORDER BY seq",
    )?;
    let rows = stmt.query_map([subject], |r| {
        let until: Option<i64> = r.get(7)?;
        let until_offset: Option<i32> = r.get(8)?;
        Ok((
            r.get::<_, String>(4)?,
            ConsentDirective {
                seq: r.get(0)?,
                id: r.get(1)?,
                subject_id: r.get(2)?,
                recipient: r.get(3)?,
                categories: vec![],
                purposes: vec![],
                effect: Effect::Deny,
                valid_from: Stamp {
                    utc_seconds: r.get(5)?,
                    offset_seconds: r.get(6)?,
                },
                valid_until: until.map(|u| Stamp {
                    utc_seconds: u,
                    offset_seconds: until_offset.unwrap_or(0),
                }),
                decided_at: Stamp {
                    utc_seconds: r.get(9)?,
                    offset_seconds: r.get(10)?,
                },
                decided_by: r.get(11)?,
                delegation: r.get(12)?,
                notice_version: r.get(13)?,
                needs_reconsent: r.get(14)?,
            },
        ))
    })?;
    let mut out = vec![];
    for row in rows {
        let (effect, mut d) = row?;
        d.effect = Effect::parse(&effect).ok_or_else(corrupt)?;
        out.push(d);
    }
    let positions: std::collections::HashMap<i64, usize> =
        out.iter().enumerate().map(|(i, d)| (d.seq, i)).collect();
    let index = |seq: i64| positions.get(&seq).copied();
    let mut cats = vec![];
    {
        let mut stmt = conn.prepare_cached(
            "SELECT c.directive_seq, c.category FROM consent_directive_category c
             JOIN consent_directive d ON d.seq = c.directive_seq
             WHERE d.subject_id = ?1 ORDER BY c.directive_seq, c.category",
        )?;
        for row in stmt.query_map([subject], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })? {
            let (seq, c) = row?;
            let c = DataCategory::parse(&c).map_err(|_| corrupt())?;
            cats.push((index(seq).ok_or_else(corrupt)?, c));
        }
    }
    for (i, c) in cats {
        out[i].categories.push(c);
    }
    let mut purposes = vec![];
    {
        let mut stmt = conn.prepare_cached(
            "SELECT p.directive_seq, p.purpose FROM consent_directive_purpose p
             JOIN consent_directive d ON d.seq = p.directive_seq
             WHERE d.subject_id = ?1 ORDER BY p.directive_seq, p.purpose",
        )?;
        for row in stmt.query_map([subject], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })? {
            let (seq, p) = row?;
            purposes.push((index(seq).ok_or_else(corrupt)?, p));
        }
    }
    for (i, p) in purposes {
        out[i].purposes.push(p);
    }
    Ok(out)
}
