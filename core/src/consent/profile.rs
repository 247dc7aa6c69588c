//! The operator profile: who runs the service (a municipality or a business), its inquiry
//! window, privacy-notice versions, the recipients data may go to, and the specific purposes
//! it may ask consent for. Loaded from JSON and validated before any use (see `validate.rs`).

use super::category::DataCategory;
use super::kpi_definition::KpiDefinition;
use super::operator_about::{Abroad, OperatorAbout};
use super::points_program::PointsProgram;
use super::retention::RetentionRule;
use super::walking_event::WalkingEvent;
use crate::error::{Error, Result};
use crate::records::PersonDetail;
use serde::{Deserialize, Serialize};

/// Which rulebook applies (DOMAIN.md, "Who is involved").
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OperatorKind {
    /// 地方公共団体: APPI chapter 5 (行政機関等の義務) applies.
    Municipality,
    /// 事業者: APPI chapter 4 (private sector).
    Business,
    /// 医療機関.
    MedicalInstitution,
    /// 保険者.
    HealthInsurer,
}

impl OperatorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OperatorKind::Municipality => "municipality",
            OperatorKind::Business => "business",
            OperatorKind::MedicalInstitution => "medical_institution",
            OperatorKind::HealthInsurer => "health_insurer",
        }
    }
}

/// 問い合わせ窓口: where a resident asks questions or withdraws consent.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InquiryWindow {
    pub phone: String,
    /// Opening hours as shown to residents (平日 8:30〜17:15).
    pub hours: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// One version of the privacy notice shown to residents.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoticeVersion {
    pub id: String,
    /// Date the version took effect (YYYY-MM-DD).
    pub date: chrono::NaiveDate,
    /// SHA-256 of the notice text, lowercase hex.
    pub digest: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl NoticeVersion {
    /// Whether `text` is exactly the notice this version names.
    pub fn matches(&self, text: &str) -> bool {
        sha256_hex(text.as_bytes()) == self.digest
    }
}

/// SHA-256 as lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(ring::digest::digest(&ring::digest::SHA256, bytes).as_ref())
}

/// What kind of body a recipient is.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecipientKind {
    MunicipalDepartment,
    MedicalInstitution,
    HealthInsurer,
    Research,
    HealthProgram,
    Business,
}

/// 提供先: who may receive data.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recipient {
    pub id: String,
    pub name: String,
    pub kind: RecipientKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fhir_endpoint: Option<String>,
    /// What this recipient allows when consent is withdrawn: its copies deleted (the default),
    /// or kept and marked withdrawn (a recipient bound to retain what it received).
    #[serde(default, skip_serializing_if = "OnWithdrawal::is_default")]
    pub on_withdrawal: OnWithdrawal,
    /// A recipient outside Japan: its country, that country's protection regime and the
    /// recipient's measures, shown before consent (APPI art. 28). `None`: in Japan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abroad: Option<Abroad>,
}

/// How a withdrawal reaches a recipient's copies.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnWithdrawal {
    /// `DELETE` every copy.
    #[default]
    Delete,
    /// Replace every copy with the same resource labelled withdrawn in `meta.security`
    /// (`urn:phr-core:consent-status|withdrawn`): the recipient keeps it but may not use it.
    Mark,
}

impl OnWithdrawal {
    fn is_default(&self) -> bool {
        *self == OnWithdrawal::Delete
    }
}

/// What a purpose is, declared by the operator so the rules can check it.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PurposeNature {
    StatutoryDuty,
    HealthGuidance,
    Research,
    ServiceImprovement,
    Marketing,
    ThirdPartyBusiness,
    CareCoordination,
    OtherSpecific,
}

impl PurposeNature {
    pub fn as_str(self) -> &'static str {
        match self {
            PurposeNature::StatutoryDuty => "statutory_duty",
            PurposeNature::HealthGuidance => "health_guidance",
            PurposeNature::Research => "research",
            PurposeNature::ServiceImprovement => "service_improvement",
            PurposeNature::Marketing => "marketing",
            PurposeNature::ThirdPartyBusiness => "third_party_business",
            PurposeNature::CareCoordination => "care_coordination",
            PurposeNature::OtherSpecific => "other_specific",
        }
    }
}

/// A specific purpose of use, offered to named recipients for named categories.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Purpose {
    pub code: String,
    pub label_ja: String,
    pub label_en: String,
    pub nature: PurposeNature,
    /// The law and article that make this a statutory duty (required for municipalities).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statutory_basis: Option<String>,
    /// Recipient ids this purpose may send data to.
    pub recipients: Vec<String>,
    /// The categories this purpose needs (data minimisation): consent cannot go wider.
    pub categories: Vec<DataCategory>,
    /// With the `demographics` category: the details of the subject its recipient needs to
    /// know who the data is about (e.g. insurer number and birth date for 特定保健指導), and
    /// nothing more is released.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub demographics: Vec<PersonDetail>,
    /// With the `lifelog` category: whether its records leave as they are, or only as daily step
    /// totals the device computes (a walking event needs no minute or hourly data).
    #[serde(default, skip_serializing_if = "LifelogRelease::is_default")]
    pub lifelog: LifelogRelease,
    /// An evaluation purpose: no record and no detail of the subject ever leaves for it, only
    /// the de-identified KPI contributions the device computes ([`crate::kpi`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub contributions_only: bool,
}

/// How a purpose receives the `lifelog` category.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LifelogRelease {
    /// Each lifelog record as logged.
    #[default]
    Records,
    /// No lifelog record at all; only one total of steps per local day, computed on the device.
    DailyStepTotals,
}

impl LifelogRelease {
    fn is_default(&self) -> bool {
        *self == LifelogRelease::Records
    }
}

impl Purpose {
    /// Whether records of `category` themselves may go for this purpose (a daily-totals
    /// purpose offers `lifelog` to consent, yet no lifelog record leaves for it).
    pub fn releases_records_of(&self, category: DataCategory) -> bool {
        !self.contributions_only
            && self.categories.contains(&category)
            && !(category == DataCategory::Lifelog
                && self.lifelog == LifelogRelease::DailyStepTotals)
    }
}

/// The whole profile. Build it with [`OperatorProfile::from_json`] (parse + validate).
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperatorProfile {
    pub kind: OperatorKind,
    pub name: String,
    pub inquiry: InquiryWindow,
    /// Address, representative, request procedure and safety measures (APPI art. 32): shown
    /// by `about`; a profile without it fails the compliance self-check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub about: Option<OperatorAbout>,
    pub notices: Vec<NoticeVersion>,
    pub recipients: Vec<Recipient>,
    pub purposes: Vec<Purpose>,
    /// Walking events the operator runs ([`crate::events`] follows them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<WalkingEvent>,
    /// The points programme, if the operator runs one ([`crate::points`] keeps the ledger).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points: Option<PointsProgram>,
    /// KPIs the operator evaluates from de-identified contributions ([`crate::kpi`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kpis: Vec<KpiDefinition>,
    /// How long records of each category are kept on the device (APPI art. 22); none: kept
    /// until the resident erases them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub retention: Vec<RetentionRule>,
}

impl OperatorProfile {
    /// Parse and validate. Parse errors name the JSON position, never the content.
    pub fn from_json(json: &str) -> Result<OperatorProfile> {
        let p: OperatorProfile = serde_json::from_str(json).map_err(|e| {
            Error::invalid(
                "operator_profile",
                format!(
                    "not a valid profile (line {}, column {}: {:?})",
                    e.line(),
                    e.column(),
                    e.classify()
                ),
            )
        })?;
        p.validate()?;
        Ok(p)
    }

    pub fn recipient(&self, id: &str) -> Option<&Recipient> {
        self.recipients.iter().find(|r| r.id == id)
    }

    pub fn purpose(&self, code: &str) -> Option<&Purpose> {
        self.purposes.iter().find(|p| p.code == code)
    }

    pub fn event(&self, id: &str) -> Option<&WalkingEvent> {
        self.events.iter().find(|e| e.id == id)
    }

    pub fn kpi(&self, id: &str) -> Option<&KpiDefinition> {
        self.kpis.iter().find(|k| k.id == id)
    }

    pub fn notice(&self, id: &str) -> Option<&NoticeVersion> {
        self.notices.iter().find(|n| n.id == id)
    }

    /// The notice in force: the one with the latest date (validation guarantees one exists).
    pub fn current_notice(&self) -> Result<&NoticeVersion> {
        self.notices
            .iter()
            .max_by_key(|n| n.date)
            .ok_or_else(|| Error::invalid("notices", "at least one notice version is required"))
    }
}
