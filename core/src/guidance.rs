//! 特定健診 judgement thresholds (保健指導判定値 / 受診勧奨判定値) from the MHLW 標準的な健診・保健指導
//! プログラム (令和6年度版), as listed in ../shared/design/DOMAIN.md. Used to flag values and to
//! draw the guidance band on charts. Self-measured home values are only indicative.

use crate::records::{GlucoseTiming, Observation, ObservationType, Sex};
use serde::Serialize;

/// Where a value stands against the checkup thresholds.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Normal,
    /// At or above the health-guidance value (保健指導判定値).
    Guidance,
    /// At or above the see-a-doctor value (受診勧奨判定値).
    SeeDoctor,
}

impl Level {
    pub fn label(self) -> &'static str {
        match self {
            Level::Normal => "normal",
            Level::Guidance => "health guidance range",
            Level::SeeDoctor => "see a doctor",
        }
    }

    /// In the words of the 特定健診 tables (DOMAIN.md).
    pub fn label_ja(self) -> &'static str {
        match self {
            Level::Normal => "基準範囲内",
            Level::Guidance => "保健指導判定値以上",
            Level::SeeDoctor => "受診勧奨判定値以上",
        }
    }
}

/// Thresholds of one value: guidance from, see-a-doctor from (`None` where none is set).
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Band {
    pub guidance_from: f64,
    pub doctor_from: Option<f64>,
}

/// The band of the primary value of `ty` (systolic for blood pressure, fasting for glucose).
pub fn band(ty: ObservationType, sex: Option<Sex>) -> Option<Band> {
    match ty {
        ObservationType::BloodPressure => Some(Band {
            guidance_from: 130.0,
            doctor_from: Some(140.0),
        }),
        ObservationType::BloodGlucose => Some(Band {
            guidance_from: 100.0,
            doctor_from: Some(126.0),
        }),
        ObservationType::Hba1c => Some(Band {
            guidance_from: 5.6,
            doctor_from: Some(6.5),
        }),
        // Obesity in Japan (JASSO): BMI 25 and over; also a 特定保健指導 criterion.
        ObservationType::Bmi => Some(Band {
            guidance_from: 25.0,
            doctor_from: None,
        }),
        ObservationType::Waist => match sex {
            Some(Sex::Female) => Some(Band {
                guidance_from: 90.0,
                doctor_from: None,
            }),
            Some(Sex::Male) => Some(Band {
                guidance_from: 85.0,
                doctor_from: None,
            }),
            _ => None,
        },
        _ => None,
    }
}

fn level_of(v: f64, b: Band) -> Level {
    match b.doctor_from {
        Some(d) if v >= d => Level::SeeDoctor,
        _ if v >= b.guidance_from => Level::Guidance,
        _ => Level::Normal,
    }
}

/// Assess an observation. Blood pressure takes the worse of systolic (130/140) and diastolic
/// (85/90). Glucose is assessed only when fasting: the thresholds are fasting values.
pub fn assess(o: &Observation, sex: Option<Sex>) -> Option<Level> {
    match o.observation_type {
        ObservationType::BloodPressure => {
            let sys = level_of(
                o.value,
                Band {
                    guidance_from: 130.0,
                    doctor_from: Some(140.0),
                },
            );
            let dia = o.value2.map(|d| {
                level_of(
                    d,
                    Band {
                        guidance_from: 85.0,
                        doctor_from: Some(90.0),
                    },
                )
            });
            Some(sys.max(dia.unwrap_or(Level::Normal)))
        }
        ObservationType::BloodGlucose if o.glucose_timing != Some(GlucoseTiming::Fasting) => None,
        ty => band(ty, sex).map(|b| level_of(o.value, b)),
    }
}

/// The level of a 特定健診 result from its item code (the first nine characters name the
/// analyte and whether it was fasting: `3D0100000…` fasting glucose, `3D0101299…` casual), by
/// the thresholds of DOMAIN.md. `None` for items without thresholds there (casual glucose and
/// triglycerides, HDL's see-a-doctor value: not verified), never a guess.
pub fn checkup_level(code: &str, value: f64, sex: Option<Sex>) -> Option<Level> {
    let above = |guidance_from, doctor_from| {
        Some(level_of(
            value,
            Band {
                guidance_from,
                doctor_from,
            },
        ))
    };
    let item = code.get(..9)?;
    match item {
        "9A7510000" | "9A7520000" | "9A7550000" => above(130.0, Some(140.0)),
        "9A7610000" | "9A7620000" | "9A7650000" => above(85.0, Some(90.0)),
        "3D0100000" => above(100.0, Some(126.0)),
        "3D0460000" => above(5.6, Some(6.5)),
        "3F0150000" => above(150.0, Some(300.0)),
        "3F0770000" => above(120.0, Some(140.0)),
        "3B0350000" | "3B0450000" => above(31.0, Some(51.0)),
        "3B0900000" => above(51.0, Some(101.0)),
        "9N0110000" => above(25.0, None),
        "9N0161601" | "9N0161602" | "9N0161603" => match sex {
            Some(Sex::Female) => above(90.0, None),
            Some(Sex::Male) => above(85.0, None),
            _ => None,
        },
        // HDL: low is the risk (below 40).
        "3F0700000" => Some(if value < 40.0 {
            Level::Guidance
        } else {
            Level::Normal
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::Stamp;

    #[test]
    fn checkup_items_are_levelled_by_their_code_whatever_the_method() {
        // HbA1c by two methods, the same thresholds.
        assert_eq!(
            checkup_level("3D046000001906202", 5.5, None),
            Some(Level::Normal)
        );
        assert_eq!(
            checkup_level("3D046000001920402", 5.7, None),
            Some(Level::Guidance)
        );
        assert_eq!(
            checkup_level("3D046000001999902", 6.5, None),
            Some(Level::SeeDoctor)
        );
        // Fasting glucose is levelled; casual glucose is not (no verified thresholds).
        assert_eq!(
            checkup_level("3D010000001926101", 126.0, None),
            Some(Level::SeeDoctor)
        );
        assert_eq!(checkup_level("3D010129901926101", 180.0, None), None);
        // Fasting triglycerides only.
        assert_eq!(
            checkup_level("3F015000002327101", 180.0, None),
            Some(Level::Guidance)
        );
        assert_eq!(checkup_level("3F015129902327101", 180.0, None), None);
        // Blood pressure: systolic and diastolic each by their own values.
        assert_eq!(
            checkup_level("9A751000000000001", 139.0, None),
            Some(Level::Guidance)
        );
        assert_eq!(
            checkup_level("9A761000000000001", 90.0, None),
            Some(Level::SeeDoctor)
        );
        // HDL is a risk when low.
        assert_eq!(
            checkup_level("3F070000002327101", 39.0, None),
            Some(Level::Guidance)
        );
        assert_eq!(
            checkup_level("3F070000002327101", 62.0, None),
            Some(Level::Normal)
        );
        // Waist needs the sex; liver enzymes; unknown items.
        assert_eq!(
            checkup_level("9N016160100000001", 87.0, Some(Sex::Male)),
            Some(Level::Guidance)
        );
        assert_eq!(
            checkup_level("9N016160100000001", 87.0, Some(Sex::Female)),
            Some(Level::Normal)
        );
        assert_eq!(checkup_level("9N016160100000001", 87.0, None), None);
        assert_eq!(
            checkup_level("3B090000002327101", 101.0, None),
            Some(Level::SeeDoctor)
        );
        assert_eq!(checkup_level("9N001000000000001", 158.0, None), None);
        assert_eq!(checkup_level("short", 1.0, None), None);
    }

    fn obs(ty: ObservationType, v: f64, v2: Option<f64>, t: Option<GlucoseTiming>) -> Observation {
        Observation {
            observation_type: ty,
            code: String::new(),
            unit: String::new(),
            value: v,
            value2: v2,
            value3: None,
            glucose_timing: t,
            effective: Stamp {
                utc_seconds: 0,
                offset_seconds: 0,
            },
            derived_from: None,
            entered_value: None,
            entered_unit: None,
        }
    }

    #[test]
    fn blood_pressure_takes_the_worse_of_both_values() {
        let bp = |s, d| assess(&obs(ObservationType::BloodPressure, s, Some(d), None), None);
        assert_eq!(bp(129.0, 84.0), Some(Level::Normal));
        assert_eq!(bp(130.0, 70.0), Some(Level::Guidance));
        assert_eq!(bp(120.0, 85.0), Some(Level::Guidance));
        assert_eq!(bp(120.0, 90.0), Some(Level::SeeDoctor));
        assert_eq!(bp(140.0, 60.0), Some(Level::SeeDoctor));
    }

    #[test]
    fn thresholds_are_inclusive_and_glucose_only_when_fasting() {
        let g = |v, t| assess(&obs(ObservationType::BloodGlucose, v, None, Some(t)), None);
        assert_eq!(g(99.0, GlucoseTiming::Fasting), Some(Level::Normal));
        assert_eq!(g(100.0, GlucoseTiming::Fasting), Some(Level::Guidance));
        assert_eq!(g(126.0, GlucoseTiming::Fasting), Some(Level::SeeDoctor));
        assert_eq!(g(180.0, GlucoseTiming::AfterMeal), None);
        assert_eq!(
            assess(&obs(ObservationType::Hba1c, 6.5, None, None), None),
            Some(Level::SeeDoctor)
        );
        assert_eq!(
            assess(
                &obs(ObservationType::Waist, 87.0, None, None),
                Some(Sex::Male)
            ),
            Some(Level::Guidance)
        );
        assert_eq!(
            assess(
                &obs(ObservationType::Waist, 87.0, None, None),
                Some(Sex::Female)
            ),
            Some(Level::Normal)
        );
        assert_eq!(
            assess(&obs(ObservationType::Steps, 1.0, None, None), None),
            None
        );
    }
}
