//! Observation roll-ups, maintained in the transaction of every observation change: UTC hours
//! (any whole-hour zone) and Japan-time days (the default zone). See
//! docs/decisions/0001-hourly-rollup-for-aggregates.md.

use super::observation::Observation;
use crate::error::Result;
use rusqlite::{Connection, params};

/// One roll-up level: a table of buckets `width` seconds wide, whose edges fall at
/// `k * width - shift` (unix seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Level {
    pub table: &'static str,
    pub column: &'static str,
    pub width: i64,
    pub shift: i64,
}

impl Level {
    pub fn bucket_of(self, utc_seconds: i64) -> i64 {
        (utc_seconds + self.shift).div_euclid(self.width)
    }

    /// The bucket an edge instant starts, if the edge lies on this level's grid.
    pub fn edge(self, utc_seconds: i64) -> Option<i64> {
        ((utc_seconds + self.shift).rem_euclid(self.width) == 0)
            .then(|| self.bucket_of(utc_seconds))
    }
}

pub(crate) const HOURLY: Level = Level {
    table: "observation_hourly",
    column: "hour",
    width: 3600,
    shift: 0,
};
pub(crate) const DAILY_JST: Level = Level {
    table: "observation_daily_jst",
    column: "day",
    width: 86_400,
    shift: 9 * 3600,
};
/// Coarsest first: aggregation uses the first level whose grid holds every bucket edge.
pub(crate) const LEVELS: [Level; 2] = [DAILY_JST, HOURLY];

/// Count a new observation into its bucket at every level.
pub(crate) fn add(conn: &Connection, subject: &str, o: &Observation) -> Result<()> {
    for l in LEVELS {
        // `table` and `column` are constants of this module, never input.
        conn.prepare_cached(&format!(
            "INSERT INTO {t} (subject_id, type, {c}, n, sum1, min1, max1, sum2, min2, max2)
             VALUES (?1, ?2, ?3, 1, ?4, ?4, ?4, ?5, ?5, ?5)
             ON CONFLICT (subject_id, type, {c}) DO UPDATE SET
               n = n + 1, sum1 = sum1 + excluded.sum1,
               min1 = min(min1, excluded.min1), max1 = max(max1, excluded.max1),
               sum2 = coalesce(sum2, 0) + excluded.sum2,
               min2 = coalesce(min(min2, excluded.min2), excluded.min2),
               max2 = coalesce(max(max2, excluded.max2), excluded.max2)",
            t = l.table,
            c = l.column
        ))?
        .execute(params![
            subject,
            o.observation_type.as_str(),
            l.bucket_of(o.effective.utc_seconds),
            o.value,
            o.value2
        ])?;
    }
    Ok(())
}

/// Recompute the buckets holding `utc_seconds` from the observation rows, after a row left
/// them (min/max cannot be undone incrementally). At most one day of rows is read.
pub(crate) fn recompute(
    conn: &Connection,
    subject: &str,
    observation_type: &str,
    utc_seconds: i64,
) -> Result<()> {
    for l in LEVELS {
        let b = l.bucket_of(utc_seconds);
        let (lo, hi) = (b * l.width - l.shift, (b + 1) * l.width - l.shift);
        conn.prepare_cached(&format!(
            "DELETE FROM {} WHERE subject_id = ?1 AND type = ?2 AND {} = ?3",
            l.table, l.column
        ))?
        .execute(params![subject, observation_type, b])?;
        conn.prepare_cached(&format!(
            "INSERT INTO {t} (subject_id, type, {c}, n, sum1, min1, max1, sum2, min2, max2)
             SELECT ?1, ?2, ?3, count(*), sum(value), min(value), max(value), sum(value2), min(value2), max(value2)
             FROM observation
             WHERE subject_id = ?1 AND type = ?2 AND effective_utc >= ?4 AND effective_utc < ?5
             HAVING count(*) > 0",
            t = l.table,
            c = l.column
        ))?
        .execute(params![subject, observation_type, b, lo, hi])?;
    }
    Ok(())
}

/// Forget a subject's roll-ups (erase all records).
pub(crate) fn erase_subject(conn: &Connection, subject: &str) -> Result<()> {
    for l in LEVELS {
        conn.execute(
            &format!("DELETE FROM {} WHERE subject_id = ?1", l.table),
            [subject],
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn japan_days_start_at_15_utc() {
        let midnight_jst = 1_767_193_200; // 2026-01-01T00:00+09:00
        assert_eq!(
            DAILY_JST.edge(midnight_jst),
            Some(DAILY_JST.bucket_of(midnight_jst))
        );
        assert_eq!(DAILY_JST.edge(midnight_jst + 3600), None);
        assert_eq!(
            HOURLY.edge(midnight_jst + 3600),
            Some((midnight_jst + 3600) / 3600)
        );
        assert_eq!(
            DAILY_JST.bucket_of(midnight_jst - 1) + 1,
            DAILY_JST.bucket_of(midnight_jst)
        );
    }
}
