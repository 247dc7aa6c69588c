//! One request and its outcome, and the file handed to the operator.

use crate::ClinicalInput;
use crate::consent::OperatorProfile;
use crate::error::{Error, Result};
use crate::records::Stamp;
use serde::Serialize;

#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    /// 開示: the whole record in a standard format, with the provision log.
    Disclosure,
    /// 訂正: a correction note on an official result, an edit of a self-entered record.
    Correction,
    /// 利用停止・第三者提供の停止: a deny for a recipient, withdrawn at its next sync.
    StopOfProvision,
    /// 消去: records erased here, and at recipients at their next sync.
    Erasure,
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    /// Received; its outcome could not be recorded (the device stopped or the disk filled).
    Received,
    Done,
    /// Not done: the outcome says why (the error's kind, never a value).
    Refused,
}

impl RequestKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestKind::Disclosure => "disclosure",
            RequestKind::Correction => "correction",
            RequestKind::StopOfProvision => "stop_of_provision",
            RequestKind::Erasure => "erasure",
        }
    }
    pub(super) fn parse(s: &str) -> Result<Self> {
        Ok(match s {
            "disclosure" => RequestKind::Disclosure,
            "correction" => RequestKind::Correction,
            "stop_of_provision" => RequestKind::StopOfProvision,
            "erasure" => RequestKind::Erasure,
            _ => return Err(damaged()),
        })
    }
    /// The request's name in the law's words.
    pub fn label_ja(self) -> &'static str {
        match self {
            RequestKind::Disclosure => "開示の請求",
            RequestKind::Correction => "訂正の請求",
            RequestKind::StopOfProvision => "第三者提供の停止の請求",
            RequestKind::Erasure => "消去の請求",
        }
    }
}

impl RequestStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Received => "received",
            RequestStatus::Done => "done",
            RequestStatus::Refused => "refused",
        }
    }
    pub(super) fn parse(s: &str) -> Result<Self> {
        Ok(match s {
            "received" => RequestStatus::Received,
            "done" => RequestStatus::Done,
            "refused" => RequestStatus::Refused,
            _ => return Err(damaged()),
        })
    }
}

pub(super) fn damaged() -> Error {
    Error::CorruptStore {
        reason: "a request record is damaged",
    }
}

/// What a correction asks for.
#[derive(Debug, Clone)]
pub enum Correction {
    /// A note about the record (the way to correct an official result).
    Note(String),
    /// New content for a record the resident entered (an official result is refused).
    Replace(ClinicalInput),
}

/// One request as recorded.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResidentRequest {
    pub id: String,
    pub kind: RequestKind,
    pub subject_id: String,
    /// Who made it (the resident, or a representative under a delegation).
    pub actor: String,
    /// The record or recipient it is about, if it names one.
    pub target: Option<String>,
    pub received_at: Stamp,
    pub status: RequestStatus,
    /// What was done, in words (counts and ids only).
    pub outcome: Option<String>,
    pub completed_at: Option<Stamp>,
}

/// The request as a file for the operator: the request, its outcome, and where it goes.
pub fn to_operator_json(r: &ResidentRequest, profile: &OperatorProfile) -> String {
    let v = serde_json::json!({
        "request": r,
        "request_label_ja": r.kind.label_ja(),
        "received_at": r.received_at.to_rfc3339(),
        "completed_at": r.completed_at.map(Stamp::to_rfc3339),
        "operator": {
            "name": profile.name,
            "inquiry": profile.inquiry,
            "request_procedure": profile.about.as_ref().map(|a| &a.request_procedure),
            "request_url": profile.about.as_ref().and_then(|a| a.request_url.as_ref()),
        },
    });
    // Serialising string-keyed plain data cannot fail.
    serde_json::to_string_pretty(&v).unwrap_or_default()
}
