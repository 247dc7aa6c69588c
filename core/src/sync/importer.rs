//! The pull importer, deliberately minimal: a server Observation with a LOINC code the record
//! model knows, a single `valueQuantity` and an `effectiveDateTime` becomes an
//! [`ObservationInput`]; it is then validated and stored by the ordinary add-record path (unit
//! conversion, ranges, BMI). Everything else is skipped and counted (docs/SYNC.md).

use crate::records::{ObservationInput, ObservationType, Stamp};
use serde_json::Value;

/// The resource types the pull reads, with the search parameter naming the patient.
pub(crate) const PULLED: &[(&str, &str)] = &[("Observation", "subject")];

/// An input for `resource`, or `None` if this importer does not take it.
pub(crate) fn observation_input(resource: &Value) -> Option<ObservationInput> {
    if resource["resourceType"] != "Observation" {
        return None;
    }
    let coding = resource["code"]["coding"].as_array()?;
    let kind = ObservationType::ALL.into_iter().find(|t| {
        *t != ObservationType::BloodPressure
            && *t != ObservationType::BloodGlucose
            && *t != ObservationType::Bmi
            && coding
                .iter()
                .any(|c| c["system"] == "http://loinc.org" && c["code"] == t.loinc())
    })?;
    let q = &resource["valueQuantity"];
    let value = q["value"].as_f64()?;
    let unit = q["code"].as_str().or_else(|| q["unit"].as_str());
    let at = chrono::DateTime::parse_from_rfc3339(resource["effectiveDateTime"].as_str()?).ok()?;
    let mut input = ObservationInput::simple(kind, value, Stamp::from_fixed(at));
    input.unit = unit.map(str::to_owned);
    Some(input)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_weight_with_loinc_and_quantity_is_taken() {
        let r = json!({"resourceType": "Observation", "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]},
            "valueQuantity": {"value": 61.5, "unit": "kg", "system": "http://unitsofmeasure.org", "code": "kg"},
            "effectiveDateTime": "2026-05-01T08:00:00+09:00"});
        let i = observation_input(&r).unwrap();
        assert_eq!(i.observation_type, ObservationType::Weight);
        assert_eq!(i.value, 61.5);
        assert_eq!(i.effective.offset_seconds, 9 * 3600);
    }

    #[test]
    fn unknown_codes_and_other_types_are_skipped() {
        let r = json!({"resourceType": "Observation",
            "code": {"coding": [{"system": "http://loinc.org", "code": "0000-0"}]},
            "valueQuantity": {"value": 1}, "effectiveDateTime": "2026-05-01T08:00:00Z"});
        assert!(observation_input(&r).is_none());
        assert!(observation_input(&json!({"resourceType": "Condition"})).is_none());
    }
}
