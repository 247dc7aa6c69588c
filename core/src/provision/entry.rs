//! One entry of the provision log, as the resident sees it.

use crate::consent::DataCategory;
use crate::error::{Error, Result};
use crate::records::{PersonDetail, Stamp};
use serde::Serialize;

/// How the data left.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Sent to the recipient's FHIR server by sync and confirmed by it.
    Sync,
    /// A consent-gated export handed to the caller (a file for the recipient).
    File,
    /// A patient summary (IPS) for a recipient, under a one-off permit that ends by itself.
    Summary,
}

/// What kind of items left.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Form {
    /// Records (FHIR resources) as stored.
    Records,
    /// The subject's details only (a FHIR Patient).
    SubjectDetails,
    /// Daily step totals computed on the device for a walking event.
    DailyStepTotals,
    /// De-identified KPI contributions (MeasureReport individual).
    KpiContributions,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Sync => "sync",
            Channel::File => "file",
            Channel::Summary => "summary",
        }
    }
    pub(super) fn parse(s: &str) -> Result<Self> {
        match s {
            "sync" => Ok(Channel::Sync),
            "file" => Ok(Channel::File),
            "summary" => Ok(Channel::Summary),
            _ => Err(damaged()),
        }
    }
}

impl Form {
    pub fn as_str(self) -> &'static str {
        match self {
            Form::Records => "records",
            Form::SubjectDetails => "subject_details",
            Form::DailyStepTotals => "daily_step_totals",
            Form::KpiContributions => "kpi_contributions",
        }
    }
    pub(super) fn parse(s: &str) -> Result<Self> {
        match s {
            "records" => Ok(Form::Records),
            "subject_details" => Ok(Form::SubjectDetails),
            "daily_step_totals" => Ok(Form::DailyStepTotals),
            "kpi_contributions" => Ok(Form::KpiContributions),
            _ => Err(damaged()),
        }
    }
}

pub(super) fn damaged() -> Error {
    Error::CorruptStore {
        reason: "a provision log entry is damaged",
    }
}

/// One provision: no health value, only what was provided to whom under which consent.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Provision {
    pub id: String,
    /// When it left (the confirmation, for sync), at the offset of the device then.
    pub at: Stamp,
    pub subject_id: String,
    /// Who acted (the resident, or a proxy under a delegation).
    pub actor: String,
    pub recipient: String,
    /// The recipient's name in the operator profile at the time.
    pub recipient_name: String,
    pub purpose: String,
    pub channel: Channel,
    pub form: Form,
    pub categories: Vec<DataCategory>,
    /// The subject's details that left (name, birth date, insurer number, …), by kind only.
    pub details: Vec<PersonDetail>,
    /// How many items (records, totals, contributions; 1 for the subject's details).
    pub item_count: u32,
    /// The consent directives in force that allowed it.
    pub directive_ids: Vec<String>,
    /// Kept at least until then.
    pub keep_until: Stamp,
}
