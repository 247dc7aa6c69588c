//! A resident's contribution to one KPI over one period, computed on the device from the
//! record (pure: the session gathers the facts). What it holds is coarse by construction: a
//! value band, whether the target was met, and the breakdowns the KPI is published by (a
//! ten-year age band, sex). No date, no exact value, no record id, no text.

use crate::consent::{KpiDefinition, KpiGroup, KpiMeasure, KpiPeriod};
use crate::records::Sex;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeMap;

/// What the KPIs look at, for one resident.
#[derive(Debug, Clone, Default)]
pub struct KpiFacts {
    pub birth_date: Option<NaiveDate>,
    pub sex: Option<Sex>,
    /// Steps per local day (days with none absent).
    pub daily_steps: BTreeMap<NaiveDate, u32>,
    /// Mean body weight per local day, kg.
    pub daily_weight: BTreeMap<NaiveDate, f64>,
    /// Each checkup's date with its HbA1c (%) and systolic pressure (mmHg) if measured.
    pub checkups: Vec<CheckupFacts>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CheckupFacts {
    pub date: NaiveDate,
    pub hba1c: Option<f64>,
    pub systolic: Option<f64>,
}

/// One contribution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Contribution {
    pub kpi: String,
    pub period: String,
    /// The value band (`8000..9000`, `-2.0..-1.0`, `..0` and `20000..` at the open ends);
    /// `None` for attendance.
    pub band: Option<String>,
    pub meets: bool,
    pub groups: Vec<(KpiGroup, String)>,
}

/// The days with steps needed for an average: a quarter of the period, one at the least.
fn enough_days(p: &KpiPeriod) -> usize {
    let days = (p.to - p.from).num_days() + 1;
    usize::try_from(days / 4).unwrap_or(0).max(1)
}

/// The measured value in tenths of the unit, or `None` when the record does not say.
fn value_tenths(k: &KpiDefinition, p: &KpiPeriod, f: &KpiFacts) -> Option<i64> {
    let within = |d: &NaiveDate| *d >= p.from && *d <= p.to;
    let change = |first: f64, last: f64| ((last - first) * 10.0).round() as i64;
    match k.measure {
        KpiMeasure::StepsAverage => {
            let days: Vec<u32> = f
                .daily_steps
                .range(p.from..=p.to)
                .map(|(_, n)| *n)
                .filter(|n| *n > 0)
                .collect();
            if days.len() < enough_days(p) {
                return None;
            }
            let sum: u64 = days.iter().map(|n| u64::from(*n)).sum();
            Some(((sum * 10) / days.len() as u64) as i64)
        }
        KpiMeasure::WeightChange => {
            let mut w = f.daily_weight.range(p.from..=p.to);
            let (d0, first) = w.next()?;
            let (d1, last) = w.next_back()?;
            ((*d1 - *d0).num_days() >= 28).then(|| change(*first, *last))
        }
        KpiMeasure::CheckupAttendance => Some(if f.checkups.iter().any(|c| within(&c.date)) {
            10
        } else {
            0
        }),
        KpiMeasure::Hba1cChange | KpiMeasure::SystolicBpChange => {
            let pick = |c: &CheckupFacts| match k.measure {
                KpiMeasure::Hba1cChange => c.hba1c,
                _ => c.systolic,
            };
            let mut v: Vec<(NaiveDate, f64)> = f
                .checkups
                .iter()
                .filter(|c| within(&c.date))
                .filter_map(|c| Some((c.date, pick(c)?)))
                .collect();
            v.sort_by_key(|(d, _)| *d);
            let (first, last) = (v.first()?, v.last()?);
            (first.0 != last.0).then(|| change(first.1, last.1))
        }
    }
}

/// A band as text, in the measure's unit.
fn show(measure: KpiMeasure, tenths: i64) -> String {
    match measure {
        KpiMeasure::StepsAverage | KpiMeasure::SystolicBpChange => format!("{}", tenths / 10),
        _ => format!("{:.1}", tenths as f64 / 10.0),
    }
}

/// The band `value` (tenths) falls in, open at both ends beyond the measure's clamp.
pub fn band_of(measure: KpiMeasure, width: i64, value: i64) -> String {
    let (lo, hi) = measure.clamp();
    if value < lo {
        return format!("..{}", show(measure, lo));
    }
    if value >= hi {
        return format!("{}..", show(measure, hi));
    }
    let start = value.div_euclid(width) * width;
    format!("{}..{}", show(measure, start), show(measure, start + width))
}

/// The ten-year age band at `on`.
pub fn age_band(birth: NaiveDate, on: NaiveDate) -> String {
    let age = on.years_since(birth).unwrap_or(0);
    match age {
        0..=19 => "0-19".into(),
        80.. => "80+".into(),
        a => format!("{}-{}", a / 10 * 10, a / 10 * 10 + 9),
    }
}

/// The resident's contribution to `k` over `period`, once the period is over (`today` after
/// its end: a figure still changing would tell when the resident logged), or `None` when the
/// record does not hold what the measure needs.
pub fn contribution(
    k: &KpiDefinition,
    period: &KpiPeriod,
    facts: &KpiFacts,
    today: NaiveDate,
) -> Option<Contribution> {
    if today <= period.to {
        return None;
    }
    let v = value_tenths(k, period, facts)?;
    let meets = match (k.measure, k.target_level()) {
        (KpiMeasure::CheckupAttendance, _) => v > 0,
        (KpiMeasure::StepsAverage, Some(t)) => v >= i64::from(t.0),
        (_, Some(t)) => v <= -i64::from(t.0),
        (_, None) => false,
    };
    let band = k
        .band_width()
        .map(|w| band_of(k.measure, i64::from(w.0), v));
    let groups = k
        .groups
        .iter()
        .map(|g| {
            let value = match g {
                KpiGroup::AgeBand => facts
                    .birth_date
                    .map_or_else(|| "unknown".into(), |b| age_band(b, period.to)),
                KpiGroup::Sex => facts.sex.unwrap_or(Sex::Unknown).as_str().to_owned(),
            };
            (*g, value)
        })
        .collect();
    Some(Contribution {
        kpi: k.id.clone(),
        period: period.id.clone(),
        band,
        meets,
        groups,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_are_half_open_and_open_at_the_ends() {
        assert_eq!(
            band_of(KpiMeasure::StepsAverage, 10_000, 85_000),
            "8000..9000"
        );
        assert_eq!(
            band_of(KpiMeasure::StepsAverage, 10_000, 80_000),
            "8000..9000"
        );
        assert_eq!(
            band_of(KpiMeasure::StepsAverage, 10_000, 250_000),
            "20000.."
        );
        assert_eq!(band_of(KpiMeasure::WeightChange, 10, -15), "-2.0..-1.0");
        assert_eq!(band_of(KpiMeasure::WeightChange, 10, -10), "-1.0..0.0");
        assert_eq!(band_of(KpiMeasure::WeightChange, 10, -101), "..-10.0");
    }

    #[test]
    fn age_bands_are_ten_years_wide() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(age_band(d(1960, 10, 1), d(2027, 3, 31)), "60-69");
        assert_eq!(age_band(d(1957, 4, 1), d(2027, 3, 31)), "60-69");
        assert_eq!(age_band(d(1947, 3, 31), d(2027, 3, 31)), "80+");
        assert_eq!(age_band(d(2010, 1, 1), d(2027, 3, 31)), "0-19");
    }
}
