//! KPI definitions as the operator profile declares them (issue #19 item 4), and the rules a
//! definition must meet (the profile's part; contributions are [`crate::kpi`]).
//!
//! A KPI is measured per period over the residents who consent to its evaluation purpose. The
//! purpose must be a `contributions_only` one: for it no record and no detail of the resident
//! ever leaves, only the de-identified contribution the device computes. A municipality must
//! cite the law that makes the evaluation part of its duties (APPI art. 61), and every KPI
//! names the smallest group its figures may be published for (5 at the least, 10 by default).

use super::category::DataCategory;
use super::profile::{OperatorKind, OperatorProfile};
use super::validate::{identifier, recipient_and_purpose, required, unique};
use crate::error::{Error, Result};
use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A number with at most one decimal (0.1 kg, 0.1 %), kept as whole tenths so profiles compare
/// exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tenths(pub i32);

impl Tenths {
    pub fn value(self) -> f64 {
        f64::from(self.0) / 10.0
    }
}

impl Serialize for Tenths {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        if self.0 % 10 == 0 {
            s.serialize_i32(self.0 / 10)
        } else {
            s.serialize_f64(self.value())
        }
    }
}

impl<'de> Deserialize<'de> for Tenths {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let v = f64::deserialize(d)?;
        let t = (v * 10.0).round();
        if !v.is_finite() || (t - v * 10.0).abs() > 1e-6 || t.abs() > 1e9 {
            return Err(serde::de::Error::custom(
                "a number with at most one decimal",
            ));
        }
        Ok(Tenths(t as i32))
    }
}

#[cfg(feature = "uniffi")]
uniffi::custom_newtype!(Tenths, i32);

/// What a KPI measures, per resident and period.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KpiMeasure {
    /// Average daily steps over the days of the period with steps; meets the target when the
    /// average is at least `target` steps (default 8,000).
    StepsAverage,
    /// Body weight at the period's last weighing minus its first (28 days apart at least);
    /// meets the target with a loss of `target` kg or more (default 2).
    WeightChange,
    /// A health checkup taken in the period (meets when one was).
    CheckupAttendance,
    /// HbA1c (NGSP, %) at the period's last checkup minus its first; meets with a fall of
    /// `target` points or more (default 0.1).
    Hba1cChange,
    /// Systolic blood pressure (mmHg) at the period's last checkup minus its first; meets with
    /// a fall of `target` mmHg or more (default 5).
    SystolicBpChange,
}

impl KpiMeasure {
    pub fn as_str(self) -> &'static str {
        match self {
            KpiMeasure::StepsAverage => "steps_average",
            KpiMeasure::WeightChange => "weight_change",
            KpiMeasure::CheckupAttendance => "checkup_attendance",
            KpiMeasure::Hba1cChange => "hba1c_change",
            KpiMeasure::SystolicBpChange => "systolic_bp_change",
        }
    }

    /// The category of the data the contribution is computed from (what consent is for).
    pub fn category(self) -> DataCategory {
        match self {
            KpiMeasure::StepsAverage => DataCategory::Lifelog,
            KpiMeasure::WeightChange => DataCategory::Body,
            KpiMeasure::CheckupAttendance
            | KpiMeasure::Hba1cChange
            | KpiMeasure::SystolicBpChange => DataCategory::Checkup,
        }
    }

    /// The width of a band, its allowed range and the default, in tenths of the unit (none
    /// for attendance, which is yes or no).
    pub fn band_rule(self) -> Option<(Tenths, Tenths, Tenths)> {
        let t = |a, b, c| Some((Tenths(a), Tenths(b), Tenths(c)));
        match self {
            KpiMeasure::StepsAverage => t(10_000, 5_000, 50_000),
            KpiMeasure::WeightChange => t(10, 5, 50),
            KpiMeasure::CheckupAttendance => None,
            KpiMeasure::Hba1cChange => t(2, 1, 10),
            KpiMeasure::SystolicBpChange => t(50, 50, 200),
        }
    }

    /// The default target and its allowed range, in tenths of the unit.
    pub fn target_rule(self) -> Option<(Tenths, Tenths, Tenths)> {
        let t = |a, b, c| Some((Tenths(a), Tenths(b), Tenths(c)));
        match self {
            KpiMeasure::StepsAverage => t(80_000, 10_000, 300_000),
            KpiMeasure::WeightChange => t(20, 1, 200),
            KpiMeasure::CheckupAttendance => None,
            KpiMeasure::Hba1cChange => t(1, 1, 30),
            KpiMeasure::SystolicBpChange => t(50, 10, 400),
        }
    }

    /// Values beyond these (tenths) fall in the open end bands, so an outlier is not singled
    /// out by its value.
    pub fn clamp(self) -> (i64, i64) {
        match self {
            KpiMeasure::StepsAverage => (0, 200_000),
            KpiMeasure::WeightChange => (-100, 100),
            KpiMeasure::CheckupAttendance => (0, 10),
            KpiMeasure::Hba1cChange => (-20, 20),
            KpiMeasure::SystolicBpChange => (-400, 400),
        }
    }

    /// The shortest period the measure makes sense over, in days.
    pub fn min_period_days(self) -> i64 {
        match self {
            KpiMeasure::StepsAverage | KpiMeasure::CheckupAttendance => 7,
            KpiMeasure::WeightChange => 28,
            KpiMeasure::Hba1cChange | KpiMeasure::SystolicBpChange => 180,
        }
    }

    /// The unit of the bands and target, as UCUM.
    pub fn unit(self) -> &'static str {
        match self {
            KpiMeasure::StepsAverage => "{steps}/d",
            KpiMeasure::WeightChange => "kg",
            KpiMeasure::CheckupAttendance => "1",
            KpiMeasure::Hba1cChange => "%",
            KpiMeasure::SystolicBpChange => "mm[Hg]",
        }
    }
}

/// A breakdown the municipality may publish a KPI by: each is coarse on purpose.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KpiGroup {
    /// Ten-year age bands at the period's end (`0-19`, `20-29`, … `80+`).
    AgeBand,
    /// Sex as recorded (`male`, `female`, `other`, `unknown`).
    Sex,
}

impl KpiGroup {
    pub fn as_str(self) -> &'static str {
        match self {
            KpiGroup::AgeBand => "age_band",
            KpiGroup::Sex => "sex",
        }
    }
}

/// One period a KPI is measured over, both dates included.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KpiPeriod {
    pub id: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// The smallest group size a KPI may be published for, and its default.
pub const MIN_GROUP_FLOOR: u32 = 5;
pub const DEFAULT_MIN_GROUP: u32 = 10;

/// One KPI.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KpiDefinition {
    pub id: String,
    pub name_ja: String,
    pub name_en: String,
    /// The evaluation programme: contributions of one resident carry the same pseudonym across
    /// the programme's KPIs and periods, and a different one in any other programme.
    pub programme: String,
    pub measure: KpiMeasure,
    pub periods: Vec<KpiPeriod>,
    /// Who receives the contributions and aggregates them.
    pub recipient: String,
    /// The evaluation purpose consent is given for (a `contributions_only` purpose).
    pub purpose: String,
    /// The law and article that make the evaluation a duty (required of a municipality).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statutory_basis: Option<String>,
    /// No figure is published for fewer residents than this (default 10, 5 at the least).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_group: Option<u32>,
    /// Width of a value band, in the measure's unit (see [`KpiMeasure::band_rule`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub band: Option<Tenths>,
    /// The level that counts a resident as meeting the KPI (see [`KpiMeasure`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Tenths>,
    /// Breakdowns the figures are published by.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<KpiGroup>,
}

impl KpiDefinition {
    pub fn min_group(&self) -> u32 {
        self.min_group.unwrap_or(DEFAULT_MIN_GROUP)
    }
    pub fn band_width(&self) -> Option<Tenths> {
        self.measure
            .band_rule()
            .map(|(d, _, _)| self.band.unwrap_or(d))
    }
    pub fn target_level(&self) -> Option<Tenths> {
        self.measure
            .target_rule()
            .map(|(d, _, _)| self.target.unwrap_or(d))
    }
    pub fn period(&self, id: &str) -> Option<&KpiPeriod> {
        self.periods.iter().find(|p| p.id == id)
    }
    /// The canonical URL its MeasureReports name as `measure`.
    pub fn measure_url(&self) -> String {
        format!("urn:phr-core:kpi:{}:{}", self.programme, self.id)
    }
}

fn in_range(field: &str, v: Tenths, (_, lo, hi): (Tenths, Tenths, Tenths)) -> Result<()> {
    if v < lo || v > hi {
        return Err(Error::invalid(
            field,
            format!("must be from {} to {}", lo.value(), hi.value()),
        ));
    }
    Ok(())
}

/// Checked with the rest of the profile: every field named in the refusal.
pub(super) fn validate(profile: &OperatorProfile, kpis: &[KpiDefinition]) -> Result<()> {
    unique("kpis", "id", kpis.iter().map(|k| k.id.as_str()))?;
    for (i, k) in kpis.iter().enumerate() {
        let at = |f: &str| format!("kpis[{i}].{f}");
        identifier(&at("id"), &k.id)?;
        identifier(&at("programme"), &k.programme)?;
        required(&at("name_ja"), &k.name_ja)?;
        required(&at("name_en"), &k.name_en)?;
        if k.periods.is_empty() {
            return Err(Error::invalid(at("periods"), "name at least one period"));
        }
        unique(
            &at("periods"),
            "id",
            k.periods.iter().map(|p| p.id.as_str()),
        )?;
        for (j, p) in k.periods.iter().enumerate() {
            let pf = |f: &str| format!("kpis[{i}].periods[{j}].{f}");
            identifier(&pf("id"), &p.id)?;
            if p.to < p.from {
                return Err(Error::invalid(pf("to"), "must not be before `from`"));
            }
            let days = (p.to - p.from).num_days() + 1;
            if days < k.measure.min_period_days() {
                return Err(Error::invalid(
                    pf("to"),
                    format!(
                        "{} needs a period of {} days at least",
                        k.measure.as_str(),
                        k.measure.min_period_days()
                    ),
                ));
            }
            if days > 3 * 366 {
                return Err(Error::invalid(
                    pf("to"),
                    "a period lasts three years at most",
                ));
            }
        }
        let p = recipient_and_purpose(
            profile,
            (&at("recipient"), &k.recipient),
            (&at("purpose"), &k.purpose),
            "the KPI's recipient",
        )?;
        if !p.contributions_only {
            return Err(Error::invalid(
                at("purpose"),
                "must be a contributions_only purpose: records never leave for an evaluation",
            ));
        }
        let category = k.measure.category();
        if !p.categories.contains(&category) {
            return Err(Error::invalid(
                at("purpose"),
                format!(
                    "does not cover {}, the data the KPI is computed from",
                    category.as_str()
                ),
            ));
        }
        match &k.statutory_basis {
            Some(b) => required(&at("statutory_basis"), b)?,
            None if profile.kind == OperatorKind::Municipality => {
                return Err(Error::invalid(
                    at("statutory_basis"),
                    "a municipality must cite the law its evaluation rests on (APPI art. 61)",
                ));
            }
            None => {}
        }
        if let Some(m) = k.min_group
            && !(MIN_GROUP_FLOOR..=1000).contains(&m)
        {
            return Err(Error::invalid(
                at("min_group"),
                format!("must be from {MIN_GROUP_FLOOR} to 1000 residents"),
            ));
        }
        match (k.band, k.measure.band_rule()) {
            (Some(b), Some(rule)) => in_range(&at("band"), b, rule)?,
            (Some(_), None) => {
                return Err(Error::invalid(at("band"), "attendance has no bands"));
            }
            _ => {}
        }
        match (k.target, k.measure.target_rule()) {
            (Some(t), Some(rule)) => in_range(&at("target"), t, rule)?,
            (Some(_), None) => {
                return Err(Error::invalid(at("target"), "attendance has no target"));
            }
            _ => {}
        }
        unique(&at("groups"), "", k.groups.iter().map(|g| g.as_str()))?;
    }
    Ok(())
}
