//! Observation roll-ups, maintained in the transaction of every observation change: UTC hours
//! (any whole-hour zone) and Japan-time days (the default zone). See
//! docs/decisions/0001-hourly-rollup-for-aggregates.md.

use super::observation::Observation;
use super::observation_type::ObservationType;
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

/// The series an observation counts in, with the values it counts: its own type, and pulse
/// for a blood pressure entered with its pulse (one reading, two series: a pulse is a pulse
/// wherever it was entered; issue #17).
pub(crate) fn series(o: &Observation) -> impl Iterator<Item = (&'static str, f64, Option<f64>)> {
    let own = (o.observation_type.as_str(), o.value, o.value2);
    let pulse = match (o.observation_type, o.value3) {
        (ObservationType::BloodPressure, Some(p)) => {
            Some((ObservationType::Pulse.as_str(), p, None))
        }
        _ => None,
    };
    std::iter::once(own).chain(pulse)
}

/// The rows (`value`, `value2`) of one series of a subject (`?1`) in `[?4, ?5)`, as SQL: a
/// pulse series also reads the pulse of blood-pressure rows ([`series`]).
pub(crate) fn series_rows(observation_type: &str) -> &'static str {
    if observation_type == ObservationType::Pulse.as_str() {
        "SELECT value, value2 FROM observation
           WHERE subject_id = ?1 AND type = 'pulse' AND effective_utc >= ?4 AND effective_utc < ?5
         UNION ALL
         SELECT value3, NULL FROM observation
           WHERE subject_id = ?1 AND type = 'blood_pressure' AND value3 IS NOT NULL
             AND effective_utc >= ?4 AND effective_utc < ?5"
    } else {
        // A checkup's results count in the series too (records/checkup_points.rs).
        "SELECT value, value2 FROM observation
           WHERE subject_id = ?1 AND type = ?2 AND effective_utc >= ?4 AND effective_utc < ?5
         UNION ALL
         SELECT value, value2 FROM checkup_point
           WHERE subject_id = ?1 AND type = ?2 AND effective_utc >= ?4 AND effective_utc < ?5"
    }
}

/// Count a new observation into its buckets at every level, in every series it counts in.
pub(crate) fn add(conn: &Connection, subject: &str, o: &Observation) -> Result<()> {
    for (ty, value, value2) in series(o) {
        add_values(conn, subject, ty, o.effective.utc_seconds, value, value2)?;
    }
    Ok(())
}

pub(crate) fn add_values(
    conn: &Connection,
    subject: &str,
    ty: &str,
    utc_seconds: i64,
    value: f64,
    value2: Option<f64>,
) -> Result<()> {
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
            ty,
            l.bucket_of(utc_seconds),
            value,
            value2
        ])?;
    }
    Ok(())
}

/// One bucket's figures, as the roll-up tables hold them.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Figures {
    n: i64,
    sum1: f64,
    min1: f64,
    max1: f64,
    sum2: Option<f64>,
    min2: Option<f64>,
    max2: Option<f64>,
}

/// SQLite's two-argument `min`/`max`: NULL if either is NULL; on a tie `min` takes the second
/// argument and `max` keeps the first (sqlite3 `minmaxFunc`).
fn sql_min(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    let (a, b) = (a?, b?);
    Some(if a >= b { b } else { a })
}

fn sql_max(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    let (a, b) = (a?, b?);
    Some(if a < b { b } else { a })
}

impl Figures {
    /// The row [`add`] inserts for a bucket's first observation.
    fn first(value: f64, value2: Option<f64>) -> Self {
        Figures {
            n: 1,
            sum1: value,
            min1: value,
            max1: value,
            sum2: value2,
            min2: value2,
            max2: value2,
        }
    }

    /// Exactly what [`add`]'s `ON CONFLICT … DO UPDATE` computes, in the same order, so a batch
    /// gives the same bits as one upsert per observation.
    fn fold(self, value: f64, value2: Option<f64>) -> Self {
        Figures {
            n: self.n + 1,
            sum1: self.sum1 + value,
            min1: if self.min1 >= value { value } else { self.min1 },
            max1: if self.max1 < value { value } else { self.max1 },
            sum2: value2.map(|v| self.sum2.unwrap_or(0.0) + v),
            min2: sql_min(self.min2, value2).or(value2),
            max2: sql_max(self.max2, value2).or(value2),
        }
    }
}

/// Observations counted into the roll-ups later, once per bucket touched rather than once per
/// observation (an import of thousands of readings). The result is the same as calling [`add`]
/// for each, in the order they were added: [`Batch::flush`] reads each bucket once, folds the
/// values in with the arithmetic of [`add`], and writes it once.
///
/// Flush before anything else touches the roll-ups in the same transaction ([`recompute`] reads
/// the observation rows, which already hold the batched ones).
#[derive(Debug, Default)]
pub(crate) struct Batch {
    /// The subjects of the batch (nearly always one), named by index in the keys so that
    /// counting an observation allocates nothing.
    subjects: Vec<String>,
    /// Where each bucket sits in `order`.
    buckets: std::collections::HashMap<BucketKey, usize>,
    /// Every bucket touched, first touched first, with its values in the order added.
    order: Vec<(BucketKey, Vec<Values>)>,
}

/// An observation's `value` and `value2`, as counted into a bucket.
type Values = (f64, Option<f64>);

/// (index into [`LEVELS`], index into `Batch::subjects`, observation type, bucket).
type BucketKey = (usize, usize, &'static str, i64);

impl Batch {
    pub fn add(&mut self, subject: &str, o: &Observation) {
        for (ty, value, value2) in series(o) {
            self.add_values(subject, ty, o.effective.utc_seconds, value, value2);
        }
    }

    pub(crate) fn add_values(
        &mut self,
        subject: &str,
        ty: &'static str,
        utc_seconds: i64,
        value: f64,
        value2: Option<f64>,
    ) {
        let si = match self.subjects.iter().rposition(|s| s == subject) {
            Some(si) => si,
            None => {
                self.subjects.push(subject.to_owned());
                self.subjects.len() - 1
            }
        };
        for (li, l) in LEVELS.iter().enumerate() {
            let key = (li, si, ty, l.bucket_of(utc_seconds));
            let i = match self.buckets.get(&key) {
                Some(&i) => i,
                None => {
                    self.order.push((key, vec![]));
                    self.buckets.insert(key, self.order.len() - 1);
                    self.order.len() - 1
                }
            };
            self.order[i].1.push((value, value2));
        }
    }

    /// Write every bucket touched and empty the batch: the rows already there are read a chunk
    /// of buckets per query, and the buckets written in key order.
    pub fn flush(&mut self, conn: &Connection) -> Result<()> {
        self.buckets.clear();
        let subjects = std::mem::take(&mut self.subjects);
        let mut pending = std::mem::take(&mut self.order);
        pending.sort_by(|a, b| a.0.cmp(&b.0));
        let mut old = std::collections::HashMap::new();
        for group in pending.chunk_by(|a, b| (a.0.0, a.0.1, a.0.2) == (b.0.0, b.0.1, b.0.2)) {
            let (li, si, ty, _) = group[0].0;
            let subject = &subjects[si];
            let l = LEVELS[li];
            for chunk in group.chunks(500) {
                let marks = vec!["?"; chunk.len()].join(", ");
                // `table` and `column` are constants of this module, never input; the buckets
                // are bound.
                let mut stmt = conn.prepare_cached(&format!(
                    "SELECT {c}, n, sum1, min1, max1, sum2, min2, max2 FROM {t}
                     WHERE subject_id = ?1 AND type = ?2 AND {c} IN ({marks})",
                    t = l.table,
                    c = l.column
                ))?;
                let mut params: Vec<rusqlite::types::Value> =
                    vec![subject.clone().into(), ty.to_string().into()];
                params.extend(chunk.iter().map(|p| p.0.3.into()));
                let rows = stmt.query_map(rusqlite::params_from_iter(params), |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        Figures {
                            n: r.get(1)?,
                            sum1: r.get(2)?,
                            min1: r.get(3)?,
                            max1: r.get(4)?,
                            sum2: r.get(5)?,
                            min2: r.get(6)?,
                            max2: r.get(7)?,
                        },
                    ))
                })?;
                for row in rows {
                    let (bucket, f) = row?;
                    old.insert((li, si, ty, bucket), f);
                }
            }
        }
        // `table` and `column` are constants of this module, never input.
        let upserts = LEVELS.map(|l| {
            format!(
                "INSERT INTO {t} (subject_id, type, {c}, n, sum1, min1, max1, sum2, min2, max2)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                 ON CONFLICT (subject_id, type, {c}) DO UPDATE SET
                   n = excluded.n, sum1 = excluded.sum1, min1 = excluded.min1, max1 = excluded.max1,
                   sum2 = excluded.sum2, min2 = excluded.min2, max2 = excluded.max2",
                t = l.table,
                c = l.column
            )
        });
        // Prepared once: the statement cache would hash the SQL text for every bucket.
        let mut upserts = upserts
            .iter()
            .map(|sql| conn.prepare_cached(sql))
            .collect::<rusqlite::Result<Vec<_>>>()?;
        for (key, values) in pending {
            let mut values = values.into_iter();
            let mut f = match old.get(&key) {
                Some(f) => *f,
                None => match values.next() {
                    Some((v, v2)) => Figures::first(v, v2),
                    None => continue,
                },
            };
            for (v, v2) in values {
                f = f.fold(v, v2);
            }
            let (li, si, ty, bucket) = key;
            upserts[li].execute(params![
                subjects[si],
                ty,
                bucket,
                f.n,
                f.sum1,
                f.min1,
                f.max1,
                f.sum2,
                f.min2,
                f.max2
            ])?;
        }
        Ok(())
    }
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
             FROM ({rows})
             HAVING count(*) > 0",
            t = l.table,
            c = l.column,
            rows = series_rows(observation_type)
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
    use crate::records::{ObservationType, Stamp};

    fn rollups(c: &Connection) -> Vec<String> {
        let mut out = vec![];
        for l in LEVELS {
            let mut stmt = c
                .prepare(&format!(
                    "SELECT type, {}, n, sum1, min1, max1, sum2, min2, max2 FROM {} ORDER BY 1, 2",
                    l.column, l.table
                ))
                .unwrap();
            let rows = stmt
                .query_map([], |r| {
                    let mut s = String::new();
                    for i in 0..9 {
                        let v: rusqlite::types::Value = r.get(i)?;
                        // Floats by their bits: the batch must give exactly the same numbers.
                        match v {
                            rusqlite::types::Value::Real(f) => s += &format!("{:x} ", f.to_bits()),
                            other => s += &format!("{other:?} "),
                        }
                    }
                    Ok(s)
                })
                .unwrap();
            out.extend(rows.map(Result::unwrap));
        }
        out
    }

    fn store() -> Connection {
        let c = Connection::open_in_memory().unwrap();
        for m in crate::store::testing::MIGRATIONS {
            c.execute_batch(m).unwrap();
        }
        c
    }

    #[test]
    fn a_batch_gives_the_same_rollups_as_one_add_per_observation() {
        // Values whose sums round differently by order, blood pressure with and without a second
        // value, ties for min/max, buckets already holding rows before the batch, more than
        // one query's worth of buckets of a type.
        let mut obs = vec![];
        for i in 0..2400i64 {
            let ty = [ObservationType::Weight, ObservationType::BloodPressure][i as usize % 2];
            obs.push(Observation {
                observation_type: ty,
                code: ty.loinc().into(),
                unit: ty.unit().into(),
                value: 0.1 * (i % 7) as f64 + 1e-9 * i as f64,
                value2: (ty == ObservationType::BloodPressure && i % 5 != 0)
                    .then_some(0.3 * (i % 3) as f64),
                value3: None,
                glucose_timing: None,
                effective: Stamp {
                    utc_seconds: 1_790_000_000 + 1877 * i,
                    offset_seconds: 0,
                },
                derived_from: None,
                entered_value: None,
                entered_unit: None,
            });
        }
        let (one_by_one, batched) = (store(), store());
        for o in &obs[..100] {
            add(&one_by_one, "s", o).unwrap();
            add(&batched, "s", o).unwrap();
        }
        for o in &obs[100..] {
            add(&one_by_one, "s", o).unwrap();
        }
        let mut batch = Batch::default();
        for o in &obs[100..] {
            batch.add("s", o);
        }
        batch.flush(&batched).unwrap();
        assert!(!rollups(&one_by_one).is_empty());
        assert_eq!(rollups(&one_by_one), rollups(&batched));
        // Flushed: a second flush writes nothing more.
        batch.flush(&batched).unwrap();
        assert_eq!(rollups(&one_by_one), rollups(&batched));
    }

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
