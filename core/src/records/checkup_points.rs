//! Checkup results in the series of measured values (issue #17): a checkup's height, weight,
//! BMI, measured waist, blood pressure, fasting glucose and HbA1c count in the stats, trends
//! and charts of those types beside what the person measured at home (the HbA1c of a checkup
//! is on the HbA1c chart). Kept as derived rows (`checkup_point`, at the checkup's date) written
//! with the checkup and gone with it; the checkup itself is unchanged.

use super::clinical::{Checkup, CheckupCodeSystem, CheckupResult};
use super::observation_type::ObservationType;
use crate::error::Result;
use rusqlite::{Connection, params};

/// One point: the series it counts in, its value and (blood pressure) its diastolic.
pub(crate) type Point = (ObservationType, f64, Option<f64>);

/// The series value of a 特定健診 item (the first nine characters of its code: the analyte,
/// whatever the method), when its unit is the series' own.
fn series_of(r: &CheckupResult) -> Option<ObservationType> {
    if !matches!(
        r.code_system,
        CheckupCodeSystem::Tokutei | CheckupCodeSystem::Jlac10
    ) {
        return None;
    }
    let ty = match r.code.get(..9)? {
        "9N0010000" => ObservationType::Height,
        "9N0060000" => ObservationType::Weight,
        "9N0110000" => ObservationType::Bmi,
        // Measured only (not the self-judged or self-reported waist).
        "9N0161601" => ObservationType::Waist,
        "3D0460000" => ObservationType::Hba1c,
        // Fasting glucose: the checkup's thresholds are fasting values.
        "3D0100000" => ObservationType::BloodGlucose,
        _ => return None,
    };
    let unit = r.unit.as_deref()?;
    unit.eq_ignore_ascii_case(ty.unit()).then_some(ty)
}

/// The first of `codes` the checkup measured (1回目 before その他).
fn first_value(c: &Checkup, codes: &[&str]) -> Option<f64> {
    codes.iter().find_map(|code| {
        c.results
            .iter()
            .find(|r| r.code == *code)
            .and_then(|r| r.value_num)
    })
}

/// The points a checkup adds to the series: one per series (the first result of an item).
pub(crate) fn points(c: &Checkup) -> Vec<Point> {
    let mut out: Vec<Point> = vec![];
    for r in &c.results {
        if let (Some(ty), Some(v)) = (series_of(r), r.value_num)
            && !out.iter().any(|(t, _, _)| *t == ty)
        {
            out.push((ty, v, None));
        }
    }
    // Blood pressure: systolic with its diastolic, 1回目 first, else その他.
    let sys = first_value(c, &["9A751000000000001", "9A755000000000001"]);
    let dia = first_value(c, &["9A761000000000001", "9A765000000000001"]);
    if let (Some(s), Some(d)) = (sys, dia) {
        out.push((ObservationType::BloodPressure, s, Some(d)));
    }
    out
}

/// Write the points of checkup record `id`; returns them.
pub(crate) fn insert(
    conn: &Connection,
    id: &str,
    subject: &str,
    effective_utc: i64,
    c: &Checkup,
) -> Result<Vec<Point>> {
    let points = points(c);
    let mut stmt = conn.prepare_cached(
        "INSERT INTO checkup_point (record_id, subject_id, type, effective_utc, value, value2)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for (ty, v, v2) in &points {
        stmt.execute(params![id, subject, ty.as_str(), effective_utc, v, v2])?;
    }
    Ok(points)
}

/// Remove the points of checkup record `id`; returns the series they were in.
pub(crate) fn delete(conn: &Connection, id: &str) -> Result<Vec<String>> {
    let types: Vec<String> = conn
        .prepare_cached("SELECT type FROM checkup_point WHERE record_id = ?1")?
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    conn.prepare_cached("DELETE FROM checkup_point WHERE record_id = ?1")?
        .execute([id])?;
    Ok(types)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn result(code: &str, v: f64, unit: &str) -> CheckupResult {
        CheckupResult {
            code_system: CheckupCodeSystem::Tokutei,
            code: code.into(),
            name: "x".into(),
            value_num: Some(v),
            value_code: None,
            value_system: None,
            value_text: None,
            unit: Some(unit.into()),
            ref_low: None,
            ref_high: None,
            flag: None,
        }
    }

    #[test]
    fn a_checkup_adds_one_point_per_series_in_the_series_unit() {
        let c = Checkup {
            date: NaiveDate::from_ymd_opt(2026, 6, 10).unwrap_or_default(),
            program: "specific_health_checkup".into(),
            institution: "x".into(),
            institution_code: None,
            judgement: None,
            results: vec![
                result("9N006000000000001", 61.4, "kg"),
                result("3D046000001906202", 5.7, "%"),
                result("3D046000001920402", 5.9, "%"), // a second method: the first counts
                result("3D010129901926101", 180.0, "mg/dL"), // casual glucose: not fasting
                result("3D010000001926101", 5.8, "mmol/L"), // another unit: left out
                result("9N016160200000001", 86.0, "cm"), // self-judged waist: left out
                result("9A752000000000001", 128.0, "mm[Hg]"),
                result("9A751000000000001", 132.0, "mm[Hg]"),
                result("9A761000000000001", 84.0, "mm[Hg]"),
            ],
        };
        assert_eq!(
            points(&c),
            [
                (ObservationType::Weight, 61.4, None),
                (ObservationType::Hba1c, 5.7, None),
                (ObservationType::BloodPressure, 132.0, Some(84.0)),
            ]
        );
    }
}
