//! BMI, derived by the core from a weight and the subject's height: the one rule, used by a
//! single write and by an import alike. The height used for a weight at instant `t` is the
//! latest at or before `t`, failing that the latest of all; no height, no BMI.

use super::{
    Observation, ObservationType, Provenance, Record, RecordBody, RecordKind, RecordMeta, Stamp,
    bmi, repo,
};
use crate::error::Result;
use rusqlite::{Connection, OptionalExtension};

/// The height query of the rule above, for one weight.
const HEIGHT_FOR_WEIGHT: &str =
    "SELECT value FROM observation WHERE subject_id = ?1 AND type = 'height'
     ORDER BY (effective_utc <= ?2) DESC, effective_utc DESC LIMIT 1";

/// The height the BMI of `subject`'s weight at `at` (unix seconds) uses.
fn height_for(conn: &Connection, subject: &str, at: i64) -> Result<Option<f64>> {
    Ok(conn
        .prepare_cached(HEIGHT_FOR_WEIGHT)?
        .query_row(rusqlite::params![subject, at], |r| r.get(0))
        .optional()?)
}

/// The BMI record of the weight `weight` (record `of`) at `height` cm, made at `now`; its time is
/// the weight's, as precisely as the weight's is known.
pub(crate) fn bmi_record(of: &RecordMeta, weight: &Observation, height: f64, now: Stamp) -> Record {
    let body = RecordBody::Observation(Observation {
        observation_type: ObservationType::Bmi,
        code: ObservationType::Bmi.loinc().into(),
        unit: ObservationType::Bmi.unit().into(),
        value: bmi(weight.value, height),
        value2: None,
        value3: None,
        glucose_timing: None,
        effective: weight.effective,
        derived_from: Some(of.id.clone()),
        entered_value: None,
        entered_unit: None,
    });
    let mut meta = super::record::new_meta(
        &of.subject_id,
        RecordKind::Observation,
        weight.effective,
        of.effective_precision,
        now,
        Provenance::Derived,
        None,
    );
    meta.effective_text = of.effective_text.clone();
    Record { meta, body }
}

/// After a weight is stored: store its BMI (if a height exists) and return it.
pub(crate) fn derive(
    conn: &Connection,
    weight: &RecordMeta,
    o: &Observation,
    now: Stamp,
) -> Result<Option<Record>> {
    if o.observation_type != ObservationType::Weight {
        return Ok(None);
    }
    let Some(height) = height_for(conn, &weight.subject_id, o.effective.utc_seconds)? else {
        return Ok(None);
    };
    let r = bmi_record(weight, o, height, now);
    repo::insert(conn, &r.meta, &r.body)?;
    Ok(Some(r))
}

/// The id of the BMI derived from the weight `weight_id`, if any.
pub(crate) fn derived_from(conn: &Connection, weight_id: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT record_id FROM observation WHERE derived_from = ?1")?
        .query_row([weight_id], |r| r.get(0))
        .optional()?)
}

/// The subject's heights, read once for the BMI of every weight of an import instead of one
/// query per weight. [`Heights::forget`] whenever a height is written or a record updated.
#[derive(Default)]
pub(crate) struct Heights {
    /// `(effective_utc, value)`, oldest first; `None` until first needed.
    loaded: Option<Vec<(i64, f64)>>,
}

impl Heights {
    pub(crate) fn forget(&mut self) {
        self.loaded = None;
    }

    /// The height the rule picks for a weight at `at`. Two heights at the same second are left
    /// to the query itself, so the choice between them stays SQLite's, as for a single write.
    pub(crate) fn for_weight(
        &mut self,
        conn: &Connection,
        subject: &str,
        at: i64,
    ) -> Result<Option<f64>> {
        if self.loaded.is_none() {
            let mut stmt = conn.prepare_cached(
                "SELECT effective_utc, value FROM observation WHERE subject_id = ?1 AND type = 'height'
                 ORDER BY effective_utc",
            )?;
            let rows = stmt.query_map([subject], |r| Ok((r.get(0)?, r.get(1)?)))?;
            self.loaded = Some(rows.collect::<rusqlite::Result<_>>()?);
        }
        let list = self.loaded.as_deref().unwrap_or_default();
        if list.is_empty() {
            return Ok(None);
        }
        let before = list.partition_point(|&(t, _)| t <= at);
        let pick = if before > 0 {
            before - 1
        } else {
            list.len() - 1
        };
        let t = list[pick].0;
        let tied =
            (pick > 0 && list[pick - 1].0 == t) || list.get(pick + 1).is_some_and(|h| h.0 == t);
        if tied {
            return height_for(conn, subject, at);
        }
        Ok(Some(list[pick].1))
    }
}
