//! The fixed data categories consent is given for (DOMAIN.md, "Data the record holds"), and
//! which category each record belongs to.

use crate::error::{Error, Result};
use crate::records::{ObservationCategory, ObservationType, Record, RecordBody, RecordKind};
use serde::{Deserialize, Serialize};

/// A data category a resident can share or withhold, item by item.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataCategory {
    /// 健診: specific health checkup results and judgement.
    Checkup,
    /// Blood pressure, pulse, temperature, SpO2, glucose, HbA1c.
    Vitals,
    /// Height, weight, BMI, waist, body fat.
    Body,
    /// Steps, sleep, exercise.
    Lifelog,
    /// 予防接種歴.
    Immunization,
    /// お薬手帳.
    Medication,
    /// Diagnoses and allergies.
    ConditionAllergy,
    /// Free text notes.
    Notes,
    /// Who the subject is: name, kana, birth date, sex, insurer numbers. Not a record: each
    /// purpose of the profile names the details its recipient needs ([`crate::records::PersonDetail`]).
    Demographics,
}

/// Code system of [`DataCategory`] codes in FHIR resources and receipts.
pub const CATEGORY_SYSTEM: &str = "urn:phr-core:consent:data-category";

impl DataCategory {
    pub const ALL: [DataCategory; 9] = [
        DataCategory::Checkup,
        DataCategory::Vitals,
        DataCategory::Body,
        DataCategory::Lifelog,
        DataCategory::Immunization,
        DataCategory::Medication,
        DataCategory::ConditionAllergy,
        DataCategory::Notes,
        DataCategory::Demographics,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DataCategory::Checkup => "checkup",
            DataCategory::Vitals => "vitals",
            DataCategory::Body => "body",
            DataCategory::Lifelog => "lifelog",
            DataCategory::Immunization => "immunization",
            DataCategory::Medication => "medication",
            DataCategory::ConditionAllergy => "condition_allergy",
            DataCategory::Notes => "notes",
            DataCategory::Demographics => "demographics",
        }
    }

    pub fn parse(s: &str) -> Result<Self> {
        let norm = s.trim().to_ascii_lowercase().replace('-', "_");
        Self::ALL
            .into_iter()
            .find(|c| c.as_str() == norm)
            .ok_or_else(|| Error::invalid("category", "unknown data category"))
    }

    /// Parse a comma-separated list (`checkup,vitals`), refusing an empty one.
    pub fn parse_list(s: &str) -> Result<Vec<Self>> {
        let mut out: Vec<Self> = vec![];
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let c = Self::parse(part)?;
            if !out.contains(&c) {
                out.push(c);
            }
        }
        if out.is_empty() {
            return Err(Error::invalid("categories", "name at least one category"));
        }
        Ok(out)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            DataCategory::Checkup => "健診結果",
            DataCategory::Vitals => "バイタル（血圧・脈拍・体温・血糖など）",
            DataCategory::Body => "身体計測（身長・体重・BMI・腹囲）",
            DataCategory::Lifelog => "ライフログ（歩数・睡眠）",
            DataCategory::Immunization => "予防接種歴",
            DataCategory::Medication => "お薬の情報",
            DataCategory::ConditionAllergy => "病名・アレルギー",
            DataCategory::Notes => "メモ",
            DataCategory::Demographics => {
                "本人を確認する情報（氏名・生年月日・性別・保険者番号など）"
            }
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            DataCategory::Checkup => "health checkup results",
            DataCategory::Vitals => "vital signs (blood pressure, pulse, temperature, glucose)",
            DataCategory::Body => "body measurements (height, weight, BMI, waist)",
            DataCategory::Lifelog => "lifelog (steps, sleep)",
            DataCategory::Immunization => "immunization history",
            DataCategory::Medication => "medications",
            DataCategory::ConditionAllergy => "conditions and allergies",
            DataCategory::Notes => "notes",
            DataCategory::Demographics => "who you are (name, birth date, sex, insurance numbers)",
        }
    }

    /// The category of a record: what consent must cover before the record may leave.
    pub fn of(record: &Record) -> DataCategory {
        Self::of_body(&record.body)
    }

    pub fn of_body(body: &RecordBody) -> DataCategory {
        let observed = match body {
            RecordBody::Observation(o) => Some(o.observation_type),
            _ => None,
        };
        Self::of_kind(body.kind(), observed)
    }

    /// The category of a record of `kind` (and, for an observation, its type).
    pub fn of_kind(kind: RecordKind, observed: Option<ObservationType>) -> DataCategory {
        match (kind, observed) {
            (RecordKind::Observation, Some(t)) => match t.category() {
                ObservationCategory::Vitals => DataCategory::Vitals,
                ObservationCategory::Body => DataCategory::Body,
                ObservationCategory::Lifelog => DataCategory::Lifelog,
            },
            // An observation row without its type cannot be read: the strictest guess.
            (RecordKind::Observation, None) => DataCategory::Vitals,
            (RecordKind::Checkup, _) => DataCategory::Checkup,
            (RecordKind::Immunization, _) => DataCategory::Immunization,
            (RecordKind::Medication, _) => DataCategory::Medication,
            (RecordKind::Condition | RecordKind::Allergy, _) => DataCategory::ConditionAllergy,
            (RecordKind::Note, _) => DataCategory::Notes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::{Note, Observation, ObservationType, Stamp};

    fn obs(t: ObservationType) -> RecordBody {
        RecordBody::Observation(Observation {
            observation_type: t,
            code: t.loinc().into(),
            unit: t.unit().into(),
            value: 1.0,
            value2: None,
            value3: None,
            glucose_timing: None,
            effective: Stamp {
                utc_seconds: 0,
                offset_seconds: 0,
            },
            derived_from: None,
            entered_value: None,
            entered_unit: None,
        })
    }

    #[test]
    fn observations_fall_in_their_type_category() {
        assert_eq!(
            DataCategory::of_body(&obs(ObservationType::Steps)),
            DataCategory::Lifelog
        );
        assert_eq!(
            DataCategory::of_body(&obs(ObservationType::Bmi)),
            DataCategory::Body
        );
        assert_eq!(
            DataCategory::of_body(&obs(ObservationType::BloodPressure)),
            DataCategory::Vitals
        );
        assert_eq!(
            DataCategory::of_body(&RecordBody::Note(Note {
                text: "x".into(),
                about: None
            })),
            DataCategory::Notes
        );
    }

    #[test]
    fn category_lists_parse_and_refuse_unknown_or_empty() {
        assert_eq!(
            DataCategory::parse_list("checkup, lifelog,checkup").unwrap(),
            vec![DataCategory::Checkup, DataCategory::Lifelog]
        );
        assert!(DataCategory::parse_list(" , ").is_err());
        assert!(DataCategory::parse_list("checkup,everything").is_err());
        for c in DataCategory::ALL {
            assert_eq!(DataCategory::parse(c.as_str()).unwrap(), c);
        }
    }
}
