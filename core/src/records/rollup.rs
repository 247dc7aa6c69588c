//! The hourly observation roll-up, maintained in the transaction of every observation change.

use super::observation::Observation;
use crate::error::Result;
use rusqlite::{Connection, params};

pub(crate) fn hour_of(utc_seconds: i64) -> i64 {
    utc_seconds.div_euclid(3600)
}

/// Count a new observation into its hour.
pub(crate) fn add(conn: &Connection, subject: &str, o: &Observation) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO observation_hourly (subject_id, type, hour, n, sum1, min1, max1, sum2, min2, max2)
         VALUES (?1, ?2, ?3, 1, ?4, ?4, ?4, ?5, ?5, ?5)
         ON CONFLICT (subject_id, type, hour) DO UPDATE SET
           n = n + 1, sum1 = sum1 + excluded.sum1,
           min1 = min(min1, excluded.min1), max1 = max(max1, excluded.max1),
           sum2 = coalesce(sum2, 0) + excluded.sum2,
           min2 = coalesce(min(min2, excluded.min2), excluded.min2),
           max2 = coalesce(max(max2, excluded.max2), excluded.max2)",
    )?
    .execute(params![
        subject,
        o.observation_type.as_str(),
        hour_of(o.effective.utc_seconds),
        o.value,
        o.value2
    ])?;
    Ok(())
}

/// Recompute one hour from the observation rows (after a row left it: min/max cannot be undone
/// incrementally). At most one hour of rows is read.
pub(crate) fn recompute(
    conn: &Connection,
    subject: &str,
    observation_type: &str,
    utc_seconds: i64,
) -> Result<()> {
    let hour = hour_of(utc_seconds);
    conn.prepare_cached(
        "DELETE FROM observation_hourly WHERE subject_id = ?1 AND type = ?2 AND hour = ?3",
    )?
    .execute(params![subject, observation_type, hour])?;
    conn.prepare_cached(
        "INSERT INTO observation_hourly (subject_id, type, hour, n, sum1, min1, max1, sum2, min2, max2)
         SELECT ?1, ?2, ?3, count(*), sum(value), min(value), max(value), sum(value2), min(value2), max(value2)
         FROM observation
         WHERE subject_id = ?1 AND type = ?2 AND effective_utc >= ?3 * 3600 AND effective_utc < (?3 + 1) * 3600
         HAVING count(*) > 0",
    )?
    .execute(params![subject, observation_type, hour])?;
    Ok(())
}
