//! Records that arrive from clinics, insurers and Mynaportal or are kept like an お薬手帳:
//! health checkups (健診), immunizations, medications, conditions, allergies, and notes.

use super::text::{code, optional, past_date, required};
use crate::error::{Error, Result};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Which code system a checkup item code belongs to.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckupCodeSystem {
    /// 特定健診 item codes, OID 1.2.392.200119.6.1005 (17 characters).
    Tokutei,
    /// JLAC10 laboratory codes (17 characters).
    Jlac10,
    Loinc,
}

impl CheckupCodeSystem {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckupCodeSystem::Tokutei => "tokutei",
            CheckupCodeSystem::Jlac10 => "jlac10",
            CheckupCodeSystem::Loinc => "loinc",
        }
    }

    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "tokutei" => Ok(Self::Tokutei),
            "jlac10" => Ok(Self::Jlac10),
            "loinc" => Ok(Self::Loinc),
            _ => Err(Error::invalid(
                "code_system",
                "must be tokutei, jlac10 or loinc",
            )),
        }
    }
}

/// One result line of a checkup.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckupResult {
    pub code_system: CheckupCodeSystem,
    pub code: String,
    pub name: String,
    pub value_num: Option<f64>,
    pub value_code: Option<String>,
    /// The code system of `value_code` (`urn:oid:1.2.392.200119.6.1008` メタボ判定, a
    /// municipal result-code OID), when known; for a 特定健診 item it is the item's
    /// result-code system when not given.
    #[serde(default)]
    pub value_system: Option<String>,
    pub value_text: Option<String>,
    pub unit: Option<String>,
    pub ref_low: Option<f64>,
    pub ref_high: Option<f64>,
    /// H (high), L (low), N (normal), A (abnormal).
    pub flag: Option<String>,
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checkup {
    pub date: NaiveDate,
    /// `specific_health_checkup` (特定健診), `general`, `other`.
    pub program: String,
    pub institution: String,
    pub institution_code: Option<String>,
    /// The doctor's judgement (医師の判断).
    pub judgement: Option<String>,
    pub results: Vec<CheckupResult>,
}

impl Checkup {
    pub fn validate(mut self, today: NaiveDate) -> Result<Self> {
        self.date = past_date("date", self.date, today)?;
        if !matches!(
            self.program.as_str(),
            "specific_health_checkup" | "general" | "other"
        ) {
            return Err(Error::invalid(
                "program",
                "must be specific_health_checkup, general or other",
            ));
        }
        self.institution = required("institution", &self.institution, 200)?;
        self.institution_code = code("institution_code", self.institution_code.as_deref())?;
        self.judgement = optional("judgement", self.judgement.as_deref(), 4000)?;
        if self.results.len() > 2000 {
            return Err(Error::invalid("results", "too many results"));
        }
        for (i, r) in self.results.iter_mut().enumerate() {
            let f = |name: &str| format!("results[{i}].{name}");
            r.code = code(&f("code"), Some(&r.code))?
                .ok_or_else(|| Error::invalid(f("code"), "is required"))?;
            if matches!(
                r.code_system,
                CheckupCodeSystem::Tokutei | CheckupCodeSystem::Jlac10
            ) && r.code.len() != 17
            {
                return Err(Error::invalid(f("code"), "must be 17 characters"));
            }
            r.name = required(&f("name"), &r.name, 200)?;
            if r.value_num.is_none() && r.value_code.is_none() && r.value_text.is_none() {
                return Err(Error::invalid(f("value"), "a result needs a value"));
            }
            if let Some(v) = r.value_num
                && !v.is_finite()
            {
                return Err(Error::invalid(f("value_num"), "must be a number"));
            }
            if let (Some(lo), Some(hi)) = (r.ref_low, r.ref_high)
                && lo > hi
            {
                return Err(Error::invalid(f("ref_low"), "must not exceed ref_high"));
            }
            if let Some(flag) = &r.flag
                && !matches!(flag.as_str(), "H" | "L" | "N" | "A")
            {
                return Err(Error::invalid(f("flag"), "must be H, L, N or A"));
            }
            r.value_code = code(&f("value_code"), r.value_code.as_deref())?;
            r.value_system = optional(&f("value_system"), r.value_system.as_deref(), 200)?;
            if r.value_code.is_none() {
                r.value_system = None;
            }
            r.value_text = optional(&f("value_text"), r.value_text.as_deref(), 1000)?;
            r.unit = optional(&f("unit"), r.unit.as_deref(), 32)?;
        }
        Ok(self)
    }
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Immunization {
    pub vaccine: String,
    /// e.g. `hot` (HOT9 vaccine code) when known.
    pub code_system: Option<String>,
    pub code: Option<String>,
    pub date: NaiveDate,
    pub dose_number: Option<u32>,
    pub lot: Option<String>,
    pub place: Option<String>,
}

impl Immunization {
    pub fn validate(mut self, today: NaiveDate) -> Result<Self> {
        self.vaccine = required("vaccine", &self.vaccine, 200)?;
        self.code_system = code("code_system", self.code_system.as_deref())?;
        self.code = code("code", self.code.as_deref())?;
        self.date = past_date("date", self.date, today)?;
        if let Some(n) = self.dose_number
            && !(1..=20).contains(&n)
        {
            return Err(Error::invalid("dose_number", "must be between 1 and 20"));
        }
        self.lot = optional("lot", self.lot.as_deref(), 64)?;
        self.place = optional("place", self.place.as_deref(), 200)?;
        Ok(self)
    }
}

/// A medication as recorded in an お薬手帳.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Medication {
    pub drug_name: String,
    /// `yj` or `hot` when the code is known.
    pub code_system: Option<String>,
    pub code: Option<String>,
    pub dose: Option<String>,
    pub frequency: Option<String>,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub prescriber: Option<String>,
    pub pharmacy: Option<String>,
}

impl Medication {
    pub fn validate(mut self, today: NaiveDate) -> Result<Self> {
        self.drug_name = required("drug_name", &self.drug_name, 200)?;
        if let Some(cs) = &self.code_system
            && !matches!(cs.as_str(), "yj" | "hot")
        {
            return Err(Error::invalid("code_system", "must be yj or hot"));
        }
        self.code = code("code", self.code.as_deref())?;
        if self.code.is_some() != self.code_system.is_some() {
            return Err(Error::invalid(
                "code",
                "a code needs its code system and vice versa",
            ));
        }
        self.dose = optional("dose", self.dose.as_deref(), 200)?;
        self.frequency = optional("frequency", self.frequency.as_deref(), 200)?;
        self.start_date = past_date("start_date", self.start_date, today)?;
        if let Some(end) = self.end_date
            && end < self.start_date
        {
            return Err(Error::invalid("end_date", "must not be before start_date"));
        }
        self.prescriber = optional("prescriber", self.prescriber.as_deref(), 200)?;
        self.pharmacy = optional("pharmacy", self.pharmacy.as_deref(), 200)?;
        Ok(self)
    }
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Condition {
    pub name: String,
    pub code_system: Option<String>,
    pub code: Option<String>,
    pub onset_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    /// `active`, `resolved`, `inactive`.
    pub status: String,
}

impl Condition {
    pub fn validate(mut self, today: NaiveDate) -> Result<Self> {
        self.name = required("name", &self.name, 200)?;
        self.code_system = code("code_system", self.code_system.as_deref())?;
        self.code = code("code", self.code.as_deref())?;
        if let Some(d) = self.onset_date {
            past_date("onset_date", d, today)?;
        }
        if let (Some(a), Some(b)) = (self.onset_date, self.end_date)
            && b < a
        {
            return Err(Error::invalid("end_date", "must not be before onset_date"));
        }
        if !matches!(self.status.as_str(), "active" | "resolved" | "inactive") {
            return Err(Error::invalid(
                "status",
                "must be active, resolved or inactive",
            ));
        }
        Ok(self)
    }
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Allergy {
    pub substance: String,
    pub code_system: Option<String>,
    pub code: Option<String>,
    pub reaction: Option<String>,
    /// `mild`, `moderate`, `severe`.
    pub severity: Option<String>,
}

impl Allergy {
    pub fn validate(mut self) -> Result<Self> {
        self.substance = required("substance", &self.substance, 200)?;
        self.code_system = code("code_system", self.code_system.as_deref())?;
        self.code = code("code", self.code.as_deref())?;
        self.reaction = optional("reaction", self.reaction.as_deref(), 500)?;
        if let Some(s) = &self.severity
            && !matches!(s.as_str(), "mild" | "moderate" | "severe")
        {
            return Err(Error::invalid(
                "severity",
                "must be mild, moderate or severe",
            ));
        }
        Ok(self)
    }
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Note {
    pub text: String,
    /// The record this note annotates: a correction of an official result, which is never
    /// edited itself (S-21, ../shared/design/GUIDELINE.md). `None` for a note of its own.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub about: Option<String>,
}

impl Note {
    pub fn validate(mut self) -> Result<Self> {
        self.text = required("text", &self.text, 20_000)?;
        Ok(self)
    }
}
