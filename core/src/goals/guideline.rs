//! The default daily step goal by age, from the MHLW's physical activity guide.
//!
//! 健康づくりのための身体活動・運動ガイド2023 (厚生労働省, 2024-01) recommends adults walk, or
//! do activity as intense, 60 minutes or more a day — "about 8,000 steps or more" — and older
//! adults 40 minutes or more — "about 6,000 steps or more". 健康日本21（第三次） sets the same
//! figures as its 2032 (令和14年度) targets for the average daily steps: 8,000 for ages 20–64,
//! 6,000 for 65 and over. The children's version of the guide gives minutes (60 a day), not
//! steps, so a child's record starts from the adult figure until the family sets one.

use crate::error::{Error, Result};
use serde::Serialize;

/// About 8,000 steps a day: adults (and 健康日本21（第三次）'s target for 20–64).
pub const ADULT_DAILY_STEPS: u32 = 8_000;
/// About 6,000 steps a day: older adults (and the target for 65 and over).
pub const OLDER_ADULT_DAILY_STEPS: u32 = 6_000;
/// The guide's older-adult version, and the target's age band, start at 65.
pub const OLDER_ADULT_FROM_AGE: u32 = 65;
/// The citation shown beside a guideline goal.
pub const GUIDELINE_SOURCE: &str =
    "健康づくりのための身体活動・運動ガイド2023（厚生労働省）・健康日本21（第三次）";

/// A personal goal outside this range is refused as a slip of the keyboard (80,000 for 8,000),
/// not a plan; the low end still admits a slow return after illness.
pub const MIN_DAILY_STEPS: u32 = 500;
pub const MAX_DAILY_STEPS: u32 = 50_000;

/// Where a day's goal comes from.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GoalSource {
    /// Set by the resident, or by the family member who manages the record.
    Personal,
    /// The guide's adult figure (also used under 20: see the module comment).
    AdultGuideline,
    /// The guide's older-adult figure (65 and over).
    OlderAdultGuideline,
}

impl GoalSource {
    pub fn label_ja(self) -> &'static str {
        match self {
            GoalSource::Personal => "自分で設定",
            GoalSource::AdultGuideline => "身体活動・運動ガイド2023（成人）",
            GoalSource::OlderAdultGuideline => "身体活動・運動ガイド2023（高齢者）",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            GoalSource::Personal => "set by you",
            GoalSource::AdultGuideline => "MHLW activity guide 2023, adults",
            GoalSource::OlderAdultGuideline => "MHLW activity guide 2023, 65 and over",
        }
    }
}

/// A daily step goal and where it comes from.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct StepGoal {
    pub daily_steps: u32,
    pub source: GoalSource,
}

/// The guideline's goal for someone `age` years old.
pub fn guideline_goal(age: u32) -> StepGoal {
    if age >= OLDER_ADULT_FROM_AGE {
        StepGoal {
            daily_steps: OLDER_ADULT_DAILY_STEPS,
            source: GoalSource::OlderAdultGuideline,
        }
    } else {
        StepGoal {
            daily_steps: ADULT_DAILY_STEPS,
            source: GoalSource::AdultGuideline,
        }
    }
}

/// A personal goal, refused outside [`MIN_DAILY_STEPS`]..=[`MAX_DAILY_STEPS`].
pub fn validate_daily_steps(steps: u32) -> Result<u32> {
    if (MIN_DAILY_STEPS..=MAX_DAILY_STEPS).contains(&steps) {
        Ok(steps)
    } else {
        Err(Error::invalid(
            "daily_steps",
            "must be from 500 to 50,000 steps a day",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sixty_five_is_the_first_older_adult_year() {
        assert_eq!(guideline_goal(20).daily_steps, 8_000);
        assert_eq!(guideline_goal(64).daily_steps, 8_000);
        assert_eq!(guideline_goal(65).daily_steps, 6_000);
        assert_eq!(guideline_goal(65).source, GoalSource::OlderAdultGuideline);
        assert_eq!(guideline_goal(9).source, GoalSource::AdultGuideline);
    }

    #[test]
    fn a_personal_goal_outside_the_range_is_refused_naming_the_field() {
        for bad in [0, 499, 50_001, 80_000] {
            let e = validate_daily_steps(bad).unwrap_err().to_string();
            assert!(e.contains("daily_steps"), "{bad}: {e}");
        }
        assert_eq!(validate_daily_steps(500).ok(), Some(500));
        assert_eq!(validate_daily_steps(50_000).ok(), Some(50_000));
    }
}
