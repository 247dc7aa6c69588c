//! The goal history of each person: one row per local date a goal was set from.

use crate::error::Result;
use chrono::NaiveDate;
use rusqlite::{Connection, params};

/// From `from` on, the goal is `daily_steps`, or the guideline's for the age when `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GoalChange {
    pub from: NaiveDate,
    pub daily_steps: Option<u32>,
}

/// Record that from `today` the goal is `daily_steps` (`None`: back to the guideline). A second
/// change on one day replaces the first (a day has one goal). Rows dated after `today` — set
/// while the clock ran ahead — are dropped, so the newest decision holds from today on.
pub(crate) fn set(
    conn: &Connection,
    subject: &str,
    today: NaiveDate,
    daily_steps: Option<u32>,
    at_utc: i64,
) -> Result<()> {
    conn.execute(
        "DELETE FROM step_goal WHERE subject_id = ?1 AND effective_from > ?2",
        params![subject, today.to_string()],
    )?;
    conn.execute(
        "INSERT INTO step_goal (subject_id, effective_from, daily_steps, set_utc)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (subject_id, effective_from)
         DO UPDATE SET daily_steps = excluded.daily_steps, set_utc = excluded.set_utc",
        params![subject, today.to_string(), daily_steps, at_utc],
    )?;
    Ok(())
}

/// Every change for `subject`, oldest first.
pub(crate) fn changes(conn: &Connection, subject: &str) -> Result<Vec<GoalChange>> {
    let mut stmt = conn.prepare_cached(
        "SELECT effective_from, daily_steps FROM step_goal WHERE subject_id = ?1
         ORDER BY effective_from",
    )?;
    let rows = stmt.query_map([subject], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, Option<u32>>(1)?))
    })?;
    let mut out = vec![];
    for row in rows {
        let (from, daily_steps) = row?;
        // Written only by `set` from a NaiveDate; a row that does not parse is skipped, not fatal.
        if let Ok(from) = NaiveDate::parse_from_str(&from, "%Y-%m-%d") {
            out.push(GoalChange { from, daily_steps });
        }
    }
    Ok(out)
}

/// "Erase my data" takes the goal history too.
pub(crate) fn erase(conn: &Connection, subject: &str) -> Result<()> {
    conn.execute("DELETE FROM step_goal WHERE subject_id = ?1", [subject])?;
    Ok(())
}
