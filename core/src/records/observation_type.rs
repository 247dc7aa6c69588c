//! The kinds of self-measured observations, each with its LOINC code, UCUM unit, plausible range
//! and how it aggregates. Codes from ../shared/design/DOMAIN.md (LOINC 2.x); sleep duration is
//! LOINC 93832-4.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObservationType {
    Weight,
    Height,
    Bmi,
    BodyFat,
    Waist,
    BloodPressure,
    Pulse,
    BodyTemperature,
    BloodGlucose,
    Hba1c,
    Spo2,
    Steps,
    Sleep,
}

/// How values of one type combine over a day, week or month.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregation {
    /// Totals (steps, sleep).
    Sum,
    /// Minimum, maximum and mean (everything else).
    Stats,
}

/// The consent category an observation type belongs to (see DOMAIN.md).
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ObservationCategory {
    Vitals,
    Body,
    Lifelog,
}

impl ObservationType {
    pub const ALL: [ObservationType; 13] = [
        ObservationType::Weight,
        ObservationType::Height,
        ObservationType::Bmi,
        ObservationType::BodyFat,
        ObservationType::Waist,
        ObservationType::BloodPressure,
        ObservationType::Pulse,
        ObservationType::BodyTemperature,
        ObservationType::BloodGlucose,
        ObservationType::Hba1c,
        ObservationType::Spo2,
        ObservationType::Steps,
        ObservationType::Sleep,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ObservationType::Weight => "weight",
            ObservationType::Height => "height",
            ObservationType::Bmi => "bmi",
            ObservationType::BodyFat => "body_fat",
            ObservationType::Waist => "waist",
            ObservationType::BloodPressure => "blood_pressure",
            ObservationType::Pulse => "pulse",
            ObservationType::BodyTemperature => "body_temperature",
            ObservationType::BloodGlucose => "blood_glucose",
            ObservationType::Hba1c => "hba1c",
            ObservationType::Spo2 => "spo2",
            ObservationType::Steps => "steps",
            ObservationType::Sleep => "sleep",
        }
    }

    pub fn parse(s: &str) -> Result<Self> {
        let norm = s.trim().to_ascii_lowercase().replace('-', "_");
        let alias = match norm.as_str() {
            "bp" => "blood_pressure",
            "temp" | "temperature" => "body_temperature",
            "glucose" => "blood_glucose",
            "fat" | "bodyfat" => "body_fat",
            "heart_rate" => "pulse",
            other => other,
        };
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == alias)
            .ok_or_else(|| Error::invalid("type", "unknown observation type"))
    }

    /// LOINC code of the observation (for blood pressure, the panel; components are
    /// 8480-6 systolic and 8462-4 diastolic).
    pub fn loinc(self) -> &'static str {
        match self {
            ObservationType::Weight => "29463-7",
            ObservationType::Height => "8302-2",
            ObservationType::Bmi => "39156-5",
            ObservationType::BodyFat => "41982-0",
            ObservationType::Waist => "8280-0",
            ObservationType::BloodPressure => "85354-9",
            ObservationType::Pulse => "8867-4",
            ObservationType::BodyTemperature => "8310-5",
            ObservationType::BloodGlucose => "2339-0",
            ObservationType::Hba1c => "4548-4",
            ObservationType::Spo2 => "59408-5",
            ObservationType::Steps => "55423-8",
            ObservationType::Sleep => "93832-4",
        }
    }

    /// The UCUM unit values are stored in.
    pub fn unit(self) -> &'static str {
        match self {
            ObservationType::Weight => "kg",
            ObservationType::Height | ObservationType::Waist => "cm",
            ObservationType::Bmi => "kg/m2",
            ObservationType::BodyFat | ObservationType::Hba1c | ObservationType::Spo2 => "%",
            ObservationType::BloodPressure => "mm[Hg]",
            ObservationType::Pulse => "/min",
            ObservationType::BodyTemperature => "Cel",
            ObservationType::BloodGlucose => "mg/dL",
            ObservationType::Steps => "{steps}",
            ObservationType::Sleep => "h",
        }
    }

    pub fn aggregation(self) -> Aggregation {
        match self {
            ObservationType::Steps | ObservationType::Sleep => Aggregation::Sum,
            _ => Aggregation::Stats,
        }
    }

    pub fn category(self) -> ObservationCategory {
        match self {
            ObservationType::Weight
            | ObservationType::Height
            | ObservationType::Bmi
            | ObservationType::BodyFat
            | ObservationType::Waist => ObservationCategory::Body,
            ObservationType::Steps | ObservationType::Sleep => ObservationCategory::Lifelog,
            _ => ObservationCategory::Vitals,
        }
    }

    /// The physiologically possible range of the stored value (inclusive). Outside it a value
    /// is a typing or unit mistake, refused rather than stored.
    pub fn plausible(self) -> (f64, f64) {
        match self {
            ObservationType::Weight => (0.2, 500.0),
            ObservationType::Height => (20.0, 260.0),
            ObservationType::Bmi => (5.0, 150.0),
            ObservationType::BodyFat => (1.0, 75.0),
            ObservationType::Waist => (20.0, 250.0),
            ObservationType::BloodPressure => (40.0, 300.0), // systolic; diastolic 20–200
            ObservationType::Pulse => (20.0, 300.0),
            ObservationType::BodyTemperature => (25.0, 45.0),
            ObservationType::BloodGlucose => (10.0, 1500.0),
            ObservationType::Hba1c => (3.0, 20.0),
            ObservationType::Spo2 => (50.0, 100.0),
            ObservationType::Steps => (0.0, 200_000.0),
            ObservationType::Sleep => (0.0, 24.0),
        }
    }

    /// A short English label for summaries and charts.
    pub fn label(self) -> &'static str {
        match self {
            ObservationType::Weight => "Weight",
            ObservationType::Height => "Height",
            ObservationType::Bmi => "BMI",
            ObservationType::BodyFat => "Body fat",
            ObservationType::Waist => "Waist",
            ObservationType::BloodPressure => "Blood pressure",
            ObservationType::Pulse => "Pulse",
            ObservationType::BodyTemperature => "Body temperature",
            ObservationType::BloodGlucose => "Blood glucose",
            ObservationType::Hba1c => "HbA1c",
            ObservationType::Spo2 => "SpO2",
            ObservationType::Steps => "Steps",
            ObservationType::Sleep => "Sleep",
        }
    }

    /// The same in Japanese, as 特定健診 and the apps word them.
    pub fn label_ja(self) -> &'static str {
        match self {
            ObservationType::Weight => "体重",
            ObservationType::Height => "身長",
            ObservationType::Bmi => "BMI",
            ObservationType::BodyFat => "体脂肪率",
            ObservationType::Waist => "腹囲",
            ObservationType::BloodPressure => "血圧",
            ObservationType::Pulse => "脈拍",
            ObservationType::BodyTemperature => "体温",
            ObservationType::BloodGlucose => "血糖",
            ObservationType::Hba1c => "HbA1c",
            ObservationType::Spo2 => "SpO2",
            ObservationType::Steps => "歩数",
            ObservationType::Sleep => "睡眠",
        }
    }
}

/// When a glucose reading was taken relative to a meal.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GlucoseTiming {
    Fasting,
    AfterMeal,
    Random,
}

impl GlucoseTiming {
    /// Every timing, in the order a form offers them.
    pub const ALL: [GlucoseTiming; 3] = [
        GlucoseTiming::Fasting,
        GlucoseTiming::AfterMeal,
        GlucoseTiming::Random,
    ];

    /// The label a form shows (Japanese first, as the apps do).
    pub fn label_ja(self) -> &'static str {
        match self {
            GlucoseTiming::Fasting => "空腹時",
            GlucoseTiming::AfterMeal => "食後",
            GlucoseTiming::Random => "随時",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            GlucoseTiming::Fasting => "fasting",
            GlucoseTiming::AfterMeal => "after_meal",
            GlucoseTiming::Random => "random",
        }
    }

    pub fn parse(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "fasting" => Ok(GlucoseTiming::Fasting),
            "after_meal" | "postprandial" => Ok(GlucoseTiming::AfterMeal),
            "random" | "casual" => Ok(GlucoseTiming::Random),
            _ => Err(Error::invalid(
                "timing",
                "must be fasting, after_meal or random",
            )),
        }
    }

    /// Fasting glucose has its own LOINC code (1558-6).
    pub fn loinc(self) -> &'static str {
        match self {
            GlucoseTiming::Fasting => "1558-6",
            _ => "2339-0",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_aliases_parse() {
        for t in ObservationType::ALL {
            assert_eq!(ObservationType::parse(t.as_str()).unwrap(), t);
        }
        assert_eq!(
            ObservationType::parse("bp").unwrap(),
            ObservationType::BloodPressure
        );
        assert_eq!(
            ObservationType::parse("temp").unwrap(),
            ObservationType::BodyTemperature
        );
        assert!(ObservationType::parse("mood").is_err());
    }

    #[test]
    fn only_steps_and_sleep_are_summed() {
        let summed: Vec<_> = ObservationType::ALL
            .into_iter()
            .filter(|t| t.aggregation() == Aggregation::Sum)
            .collect();
        assert_eq!(summed, vec![ObservationType::Steps, ObservationType::Sleep]);
    }
}
