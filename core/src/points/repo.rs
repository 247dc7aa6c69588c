//! The ledger table (migration 0020): appended to, never updated (a trigger refuses it); its
//! rows go only when the person is removed.

use super::ledger::{EntryReason, LedgerEntry, NewEntry};
use crate::error::{Error, Result};
use chrono::NaiveDate;
use rusqlite::{Connection, params};

pub(crate) fn entries(conn: &Connection, subject: &str) -> Result<Vec<LedgerEntry>> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, rule_id, occasion, occasion_date, points, reason, reason_ja, reason_en, at_utc
         FROM points_ledger WHERE subject_id = ?1 ORDER BY seq",
    )?;
    let rows = stmt.query_map([subject], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, i64>(4)?,
            r.get::<_, String>(5)?,
            r.get::<_, String>(6)?,
            r.get::<_, String>(7)?,
            r.get::<_, i64>(8)?,
        ))
    })?;
    let mut out = vec![];
    for row in rows {
        let (seq, rule, occasion, date, points, reason, reason_ja, reason_en, at_utc) = row?;
        let damaged = || Error::CorruptStore {
            reason: "a points ledger entry is unreadable",
        };
        out.push(LedgerEntry {
            seq: u64::try_from(seq).map_err(|_| damaged())?,
            rule,
            occasion,
            occasion_date: NaiveDate::parse_from_str(&date, "%Y-%m-%d").map_err(|_| damaged())?,
            points,
            reason: EntryReason::parse(&reason).ok_or_else(damaged)?,
            reason_ja,
            reason_en,
            at_utc,
        });
    }
    Ok(out)
}

/// Append `e`; returns its sequence number.
pub(crate) fn append(conn: &Connection, subject: &str, e: &NewEntry, at: i64) -> Result<u64> {
    conn.prepare_cached(
        "INSERT INTO points_ledger
             (subject_id, rule_id, occasion, occasion_date, points, reason, reason_ja, reason_en, at_utc)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        subject,
        e.rule,
        e.occasion,
        e.occasion_date.to_string(),
        e.points,
        e.reason.as_str(),
        e.reason_ja,
        e.reason_en,
        at
    ])?;
    Ok(u64::try_from(conn.last_insert_rowid()).unwrap_or(0))
}

/// The person is removed: their ledger goes with them.
pub(crate) fn erase(conn: &Connection, subject: &str) -> Result<()> {
    conn.execute("DELETE FROM points_ledger WHERE subject_id = ?1", [subject])?;
    Ok(())
}
