//! Observations: what a resident logs (vitals, body, lifelog), validated and normalised.

use super::observation_type::{GlucoseTiming, ObservationType};
use super::time::Stamp;
use super::units::{to_stored_unit, ucum_of};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// What a front end passes to log one observation. For blood pressure `value` is systolic,
/// `value2` diastolic and `value3` the pulse (optional).
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObservationInput {
    pub observation_type: ObservationType,
    pub value: f64,
    pub value2: Option<f64>,
    pub value3: Option<f64>,
    /// Unit of `value` (UCUM code or common spelling); `None` = the stored unit.
    pub unit: Option<String>,
    /// Required for blood glucose.
    pub glucose_timing: Option<GlucoseTiming>,
    /// When it was measured, with the offset the person was at.
    pub effective: Stamp,
}

impl ObservationInput {
    /// A single-valued observation in the stored unit.
    pub fn simple(observation_type: ObservationType, value: f64, effective: Stamp) -> Self {
        ObservationInput {
            observation_type,
            value,
            value2: None,
            value3: None,
            unit: None,
            glucose_timing: None,
            effective,
        }
    }

    pub fn blood_pressure(
        systolic: f64,
        diastolic: f64,
        pulse: Option<f64>,
        effective: Stamp,
    ) -> Self {
        ObservationInput {
            value2: Some(diastolic),
            value3: pulse,
            ..Self::simple(ObservationType::BloodPressure, systolic, effective)
        }
    }
}

/// A reading as a form collects it, without its time: logged "now" by the session's clock, or
/// at the time the person gives ([`crate::Session::log_reading`]). One call from an app.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reading {
    pub observation_type: ObservationType,
    pub value: f64,
    /// Diastolic for blood pressure.
    pub value2: Option<f64>,
    /// Pulse for blood pressure.
    pub value3: Option<f64>,
    /// Unit of `value` (UCUM code or common spelling); `None` = the stored unit.
    pub unit: Option<String>,
    /// Required for blood glucose.
    pub glucose_timing: Option<GlucoseTiming>,
}

impl Reading {
    /// The reading as taken at `effective`.
    pub fn at(self, effective: Stamp) -> ObservationInput {
        ObservationInput {
            observation_type: self.observation_type,
            value: self.value,
            value2: self.value2,
            value3: self.value3,
            unit: self.unit,
            glucose_timing: self.glucose_timing,
            effective,
        }
    }
}

/// A stored observation's values, in the stored UCUM unit.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    pub observation_type: ObservationType,
    pub code: String,
    pub unit: String,
    pub value: f64,
    pub value2: Option<f64>,
    pub value3: Option<f64>,
    pub glucose_timing: Option<GlucoseTiming>,
    pub effective: Stamp,
    /// For BMI: the weight record it was computed from.
    pub derived_from: Option<String>,
    /// The value as entered, when it was entered in another unit than the stored one
    /// (`132` in `entered_unit` `[lb_av]`): `value` is its conversion, used for aggregates;
    /// [`Observation::display_value`] shows it with the precision it was entered with.
    #[serde(default)]
    pub entered_value: Option<f64>,
    /// The UCUM unit `entered_value` was entered in.
    #[serde(default)]
    pub entered_unit: Option<String>,
}

impl Observation {
    /// `value` in the stored unit with no more precision than it was entered with: as many
    /// significant digits as the entered value had (132 lb → 59.9 kg, 5.5 mmol/L → 99 mg/dL),
    /// never fewer integer digits. A value entered in the stored unit is shown as it is.
    pub fn display_value(&self) -> f64 {
        match self.entered_value {
            Some(entered) => round_like(self.value, entered),
            None => self.value,
        }
    }
}

/// Significant digits of `v` as written in its shortest form (`132` → 3, `5.5` → 2,
/// `0.05` → 1).
fn significant_digits(v: f64) -> i32 {
    let s = format!("{}", v.abs());
    let digits: String = s.chars().filter(char::is_ascii_digit).collect();
    let n = digits.trim_start_matches('0').len();
    i32::try_from(n.max(1)).unwrap_or(15)
}

/// `v` rounded to the significant digits of `like`, keeping every integer digit.
pub(crate) fn round_like(v: f64, like: f64) -> f64 {
    if !v.is_finite() || v == 0.0 {
        return v;
    }
    let magnitude = v.abs().log10().floor() as i32;
    let decimals = (significant_digits(like) - 1 - magnitude).clamp(0, 12);
    let f = 10f64.powi(decimals);
    (v * f).round() / f
}

/// How far in the future a measurement time may be (clock skew between devices).
const FUTURE_TOLERANCE_SECONDS: i64 = 10 * 60;

fn check_range(field: &str, v: f64, (lo, hi): (f64, f64)) -> Result<()> {
    if !v.is_finite() {
        return Err(Error::invalid(field, "must be a number"));
    }
    if v < lo || v > hi {
        return Err(Error::invalid(
            field,
            format!("must be between {lo} and {hi}"),
        ));
    }
    Ok(())
}

/// Validate and convert an input into what is stored. BMI is refused: it is derived.
pub fn normalise(input: &ObservationInput, now_utc_seconds: i64) -> Result<Observation> {
    let ty = input.observation_type;
    if ty == ObservationType::Bmi {
        return Err(Error::invalid(
            "observation_type",
            "BMI is derived from weight and height, not entered",
        ));
    }
    if input.effective.utc_seconds > now_utc_seconds + FUTURE_TOLERANCE_SECONDS {
        return Err(Error::invalid("effective", "must not be in the future"));
    }
    if input.effective.offset_seconds.abs() > 14 * 3600 {
        return Err(Error::invalid("effective", "UTC offset out of range"));
    }
    if !input.value.is_finite() {
        return Err(Error::invalid("value", "must be a number"));
    }
    let value = to_stored_unit(ty, input.value, input.unit.as_deref())?;
    let (mut value2, mut value3, mut timing) = (None, None, None);
    match ty {
        ObservationType::BloodPressure => {
            check_range("systolic", value, ty.plausible())?;
            let dia = input
                .value2
                .ok_or_else(|| Error::invalid("diastolic", "is required"))?;
            check_range("diastolic", dia, (20.0, 200.0))?;
            if dia >= value {
                return Err(Error::invalid("diastolic", "must be lower than systolic"));
            }
            if let Some(p) = input.value3 {
                check_range("pulse", p, ObservationType::Pulse.plausible())?;
            }
            value2 = Some(dia);
            value3 = input.value3;
        }
        ObservationType::BloodGlucose => {
            check_range("value", value, ty.plausible())?;
            timing = Some(
                input
                    .glucose_timing
                    .ok_or_else(|| Error::invalid("timing", "is required for blood glucose"))?,
            );
        }
        ObservationType::Steps => {
            check_range("value", value, ty.plausible())?;
            if value.fract() != 0.0 {
                return Err(Error::invalid("value", "steps must be a whole number"));
            }
        }
        _ => check_range("value", value, ty.plausible())?,
    }
    if ty != ObservationType::BloodPressure && (input.value2.is_some() || input.value3.is_some()) {
        return Err(Error::invalid(
            "value2",
            "only blood pressure has a second value",
        ));
    }
    if ty != ObservationType::BloodGlucose && input.glucose_timing.is_some() {
        return Err(Error::invalid("timing", "only blood glucose has a timing"));
    }
    let code = match timing {
        Some(t) => t.loinc(),
        None => ty.loinc(),
    };
    // Kept as entered when it was converted: the conversion has more digits than the reading.
    let entered_unit = input
        .unit
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty() && *u != ty.unit())
        .and_then(|u| ucum_of(ty, u))
        .filter(|u| *u != ty.unit());
    let entered_value = entered_unit.map(|_| input.value);
    Ok(Observation {
        observation_type: ty,
        code: code.into(),
        unit: ty.unit().into(),
        value,
        value2,
        value3,
        glucose_timing: timing,
        effective: input.effective,
        derived_from: None,
        entered_value,
        entered_unit: entered_unit.map(str::to_owned),
    })
}

/// BMI from weight (kg) and height (cm), rounded to one decimal as on a checkup sheet.
pub fn bmi(weight_kg: f64, height_cm: f64) -> f64 {
    let m = height_cm / 100.0;
    (weight_kg / (m * m) * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    fn at() -> Stamp {
        Stamp {
            utc_seconds: NOW - 60,
            offset_seconds: 9 * 3600,
        }
    }

    fn field_of(e: Error) -> String {
        match e {
            Error::InvalidInput { field, .. } => field,
            other => panic!("expected InvalidInput, got {other:?}"),
        }
    }

    #[test]
    fn every_rule_names_its_field() {
        let bp = |s, d| ObservationInput::blood_pressure(s, d, None, at());
        assert_eq!(
            field_of(normalise(&bp(400.0, 80.0), NOW).unwrap_err()),
            "systolic"
        );
        assert_eq!(
            field_of(normalise(&bp(120.0, 10.0), NOW).unwrap_err()),
            "diastolic"
        );
        assert_eq!(
            field_of(normalise(&bp(80.0, 120.0), NOW).unwrap_err()),
            "diastolic"
        );
        assert_eq!(
            field_of(
                normalise(
                    &ObservationInput::blood_pressure(120.0, 80.0, Some(500.0), at()),
                    NOW
                )
                .unwrap_err()
            ),
            "pulse"
        );
        let mut no_dia = bp(120.0, 80.0);
        no_dia.value2 = None;
        assert_eq!(field_of(normalise(&no_dia, NOW).unwrap_err()), "diastolic");
        let simple = |t, v| ObservationInput::simple(t, v, at());
        assert_eq!(
            field_of(normalise(&simple(ObservationType::Weight, 0.0), NOW).unwrap_err()),
            "value"
        );
        assert_eq!(
            field_of(normalise(&simple(ObservationType::Weight, f64::NAN), NOW).unwrap_err()),
            "value"
        );
        assert_eq!(
            field_of(normalise(&simple(ObservationType::BodyTemperature, 50.0), NOW).unwrap_err()),
            "value"
        );
        assert_eq!(
            field_of(normalise(&simple(ObservationType::Spo2, 101.0), NOW).unwrap_err()),
            "value"
        );
        assert_eq!(
            field_of(normalise(&simple(ObservationType::Steps, -1.0), NOW).unwrap_err()),
            "value"
        );
        assert_eq!(
            field_of(normalise(&simple(ObservationType::Steps, 10.5), NOW).unwrap_err()),
            "value"
        );
        assert_eq!(
            field_of(normalise(&simple(ObservationType::Sleep, 25.0), NOW).unwrap_err()),
            "value"
        );
        assert_eq!(
            field_of(normalise(&simple(ObservationType::Hba1c, 30.0), NOW).unwrap_err()),
            "value"
        );
        assert_eq!(
            field_of(normalise(&simple(ObservationType::Height, 300.0), NOW).unwrap_err()),
            "value"
        );
        assert_eq!(
            field_of(normalise(&simple(ObservationType::Waist, 10.0), NOW).unwrap_err()),
            "value"
        );
        assert_eq!(
            field_of(normalise(&simple(ObservationType::BodyFat, 90.0), NOW).unwrap_err()),
            "value"
        );
        assert_eq!(
            field_of(normalise(&simple(ObservationType::Pulse, 10.0), NOW).unwrap_err()),
            "value"
        );
        assert_eq!(
            field_of(normalise(&simple(ObservationType::Bmi, 22.0), NOW).unwrap_err()),
            "observation_type"
        );
        assert_eq!(
            field_of(normalise(&simple(ObservationType::BloodGlucose, 100.0), NOW).unwrap_err()),
            "timing"
        );
        let mut g = simple(ObservationType::Weight, 60.0);
        g.glucose_timing = Some(GlucoseTiming::Fasting);
        assert_eq!(field_of(normalise(&g, NOW).unwrap_err()), "timing");
        let mut two = simple(ObservationType::Weight, 60.0);
        two.value2 = Some(1.0);
        assert_eq!(field_of(normalise(&two, NOW).unwrap_err()), "value2");
        let future = ObservationInput::simple(
            ObservationType::Weight,
            60.0,
            Stamp {
                utc_seconds: NOW + 3600,
                offset_seconds: 0,
            },
        );
        assert_eq!(field_of(normalise(&future, NOW).unwrap_err()), "effective");
        let mut lb = simple(ObservationType::Weight, 2000.0);
        lb.unit = Some("lb".into());
        assert_eq!(field_of(normalise(&lb, NOW).unwrap_err()), "value");
    }

    #[test]
    fn converted_units_are_checked_after_conversion() {
        let mut f = ObservationInput::simple(ObservationType::BodyTemperature, 98.6, at());
        f.unit = Some("[degF]".into());
        let o = normalise(&f, NOW).unwrap();
        assert!((o.value - 37.0).abs() < 1e-9);
        assert_eq!(o.unit, "Cel");
        let mut g = ObservationInput::simple(ObservationType::BloodGlucose, 7.0, at());
        g.unit = Some("mmol/L".into());
        g.glucose_timing = Some(GlucoseTiming::Fasting);
        let o = normalise(&g, NOW).unwrap();
        assert_eq!(o.code, "1558-6");
        assert!((o.value - 126.1092).abs() < 1e-6);
    }

    #[test]
    fn a_converted_value_keeps_its_entered_value_and_shows_its_precision() {
        let mut lb = ObservationInput::simple(ObservationType::Weight, 132.0, at());
        lb.unit = Some("lb".into());
        let o = normalise(&lb, NOW).unwrap();
        assert_eq!(o.entered_value, Some(132.0));
        assert_eq!(o.entered_unit.as_deref(), Some("[lb_av]"));
        assert!(
            (o.value - 59.874_192_84).abs() < 1e-9,
            "aggregates use the full value"
        );
        assert_eq!(o.display_value(), 59.9);
        let mut g = ObservationInput::simple(ObservationType::BloodGlucose, 5.5, at());
        g.unit = Some("mmol/L".into());
        g.glucose_timing = Some(GlucoseTiming::Fasting);
        assert_eq!(normalise(&g, NOW).unwrap().display_value(), 99.0);
        let mut f = ObservationInput::simple(ObservationType::BodyTemperature, 98.6, at());
        f.unit = Some("[degF]".into());
        assert_eq!(normalise(&f, NOW).unwrap().display_value(), 37.0);
        // In the stored unit (or a spelling of it): nothing extra is kept.
        let mut kg = ObservationInput::simple(ObservationType::Weight, 60.25, at());
        kg.unit = Some("kg".into());
        let o = normalise(&kg, NOW).unwrap();
        assert_eq!((o.entered_value, o.display_value()), (None, 60.25));
        let mut mmhg = ObservationInput::blood_pressure(120.0, 80.0, None, at());
        mmhg.unit = Some("mmHg".into());
        assert_eq!(normalise(&mmhg, NOW).unwrap().entered_unit, None);
    }

    #[test]
    fn bmi_is_rounded_to_one_decimal() {
        assert_eq!(bmi(70.0, 170.0), 24.2);
        assert_eq!(bmi(50.0, 160.0), 19.5);
    }
}
