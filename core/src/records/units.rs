//! Converting input units to the stored UCUM unit of each observation type.

use super::observation_type::ObservationType;
use crate::error::{Error, Result};

/// Pounds (avoirdupois) to kilograms: exact by definition.
const KG_PER_LB: f64 = 0.453_592_37;
/// Glucose molar mass 180.156 g/mol: 1 mmol/L = 18.0156 mg/dL.
const MG_DL_PER_MMOL_L: f64 = 18.0156;

/// Convert `value` given in `unit` (UCUM code or a common spelling) to the stored unit of `ty`.
/// `None` means the value is already in the stored unit.
pub fn to_stored_unit(ty: ObservationType, value: f64, unit: Option<&str>) -> Result<f64> {
    let Some(unit) = unit.map(str::trim).filter(|u| !u.is_empty()) else {
        return Ok(value);
    };
    if unit == ty.unit() {
        return Ok(value);
    }
    let u = unit.to_ascii_lowercase();
    let converted = match (ty, u.as_str()) {
        (ObservationType::Weight, "lb" | "lbs" | "[lb_av]") => value * KG_PER_LB,
        (ObservationType::Weight, "g") => value / 1000.0,
        (ObservationType::Height | ObservationType::Waist, "m") => value * 100.0,
        (ObservationType::Height | ObservationType::Waist, "mm") => value / 10.0,
        (ObservationType::Height | ObservationType::Waist, "in" | "[in_i]") => value * 2.54,
        (ObservationType::BodyTemperature, "c" | "°c" | "cel") => value,
        (ObservationType::BodyTemperature, "f" | "°f" | "[degf]") => (value - 32.0) * 5.0 / 9.0,
        (ObservationType::BloodGlucose, "mg/dl") => value,
        (ObservationType::BloodGlucose, "mmol/l") => value * MG_DL_PER_MMOL_L,
        (ObservationType::BloodPressure, "mmhg") => value,
        (ObservationType::Pulse, "bpm" | "{beats}/min") => value,
        (ObservationType::Sleep, "min") => value / 60.0,
        (ObservationType::Sleep, "hours" | "hr") => value,
        (ObservationType::Steps, "steps" | "1") => value,
        _ => {
            return Err(Error::invalid(
                "unit",
                format!("not a unit for {}", ty.as_str()),
            ));
        }
    };
    Ok(converted)
}

/// The UCUM code of a unit [`to_stored_unit`] accepts for `ty` (`lb` → `[lb_av]`), the stored
/// unit for its own spellings (`mmHg` → `mm[Hg]`); `None` for a unit it does not accept.
pub fn ucum_of(ty: ObservationType, unit: &str) -> Option<&'static str> {
    let unit = unit.trim();
    if unit == ty.unit() {
        return Some(ty.unit());
    }
    Some(match (ty, unit.to_ascii_lowercase().as_str()) {
        (ObservationType::Weight, "lb" | "lbs" | "[lb_av]") => "[lb_av]",
        (ObservationType::Weight, "g") => "g",
        (ObservationType::Height | ObservationType::Waist, "m") => "m",
        (ObservationType::Height | ObservationType::Waist, "mm") => "mm",
        (ObservationType::Height | ObservationType::Waist, "in" | "[in_i]") => "[in_i]",
        (ObservationType::BodyTemperature, "f" | "°f" | "[degf]") => "[degF]",
        (ObservationType::BloodGlucose, "mmol/l") => "mmol/L",
        (ObservationType::Sleep, "min") => "min",
        (ObservationType::BodyTemperature, "c" | "°c" | "cel")
        | (ObservationType::BloodGlucose, "mg/dl")
        | (ObservationType::BloodPressure, "mmhg")
        | (ObservationType::Pulse, "bpm" | "{beats}/min")
        | (ObservationType::Sleep, "hours" | "hr")
        | (ObservationType::Steps, "steps" | "1") => ty.unit(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn conversions() {
        assert!(close(
            to_stored_unit(ObservationType::Weight, 150.0, Some("[lb_av]")).unwrap(),
            68.0388555
        ));
        assert!(close(
            to_stored_unit(ObservationType::BodyTemperature, 98.6, Some("[degF]")).unwrap(),
            37.0
        ));
        assert!(close(
            to_stored_unit(ObservationType::BloodGlucose, 5.5, Some("mmol/L")).unwrap(),
            99.0858
        ));
        assert!(close(
            to_stored_unit(ObservationType::Sleep, 450.0, Some("min")).unwrap(),
            7.5
        ));
        assert!(close(
            to_stored_unit(ObservationType::Height, 1.7, Some("m")).unwrap(),
            170.0
        ));
        assert!(close(
            to_stored_unit(ObservationType::Weight, 60.0, None).unwrap(),
            60.0
        ));
    }

    #[test]
    fn a_unit_of_another_quantity_names_the_unit_field() {
        let e = to_stored_unit(ObservationType::Weight, 60.0, Some("mmol/L")).unwrap_err();
        assert!(
            matches!(e, Error::InvalidInput { ref field, .. } if field == "unit"),
            "{e:?}"
        );
    }
}
