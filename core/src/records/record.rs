//! A record: identity, version, times and provenance around one typed body.

use super::clinical::{Allergy, Checkup, Condition, Immunization, Medication, Note};
use super::observation::Observation;
use super::provenance::Provenance;
use super::time::{DatePrecision, Stamp};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// The kinds of record the store models.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    Observation,
    Checkup,
    Immunization,
    Medication,
    Condition,
    Allergy,
    Note,
}

impl RecordKind {
    pub const ALL: [RecordKind; 7] = [
        RecordKind::Observation,
        RecordKind::Checkup,
        RecordKind::Immunization,
        RecordKind::Medication,
        RecordKind::Condition,
        RecordKind::Allergy,
        RecordKind::Note,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Observation => "observation",
            RecordKind::Checkup => "checkup",
            RecordKind::Immunization => "immunization",
            RecordKind::Medication => "medication",
            RecordKind::Condition => "condition",
            RecordKind::Allergy => "allergy",
            RecordKind::Note => "note",
        }
    }

    pub fn parse(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| Error::invalid("kind", "unknown record kind"))
    }
}

/// The typed content of a record.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RecordBody {
    Observation(Observation),
    Checkup(Checkup),
    Immunization(Immunization),
    Medication(Medication),
    Condition(Condition),
    Allergy(Allergy),
    Note(Note),
}

impl RecordBody {
    pub fn kind(&self) -> RecordKind {
        match self {
            RecordBody::Observation(_) => RecordKind::Observation,
            RecordBody::Checkup(_) => RecordKind::Checkup,
            RecordBody::Immunization(_) => RecordKind::Immunization,
            RecordBody::Medication(_) => RecordKind::Medication,
            RecordBody::Condition(_) => RecordKind::Condition,
            RecordBody::Allergy(_) => RecordKind::Allergy,
            RecordBody::Note(_) => RecordKind::Note,
        }
    }
}

/// Identity and lifecycle of a record.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordMeta {
    pub id: String,
    pub subject_id: String,
    pub kind: RecordKind,
    /// The clinical time: when measured, examined, vaccinated, started. When it is known only
    /// to the year, month or day, the earliest instant of that span.
    pub effective: Stamp,
    /// How precisely `effective` is known.
    #[serde(default)]
    pub effective_precision: DatePrecision,
    /// The clinical time as it was given when that was not a full instant (`2015`,
    /// `2022-05`, `2021-10-19`): shown and exported as given.
    #[serde(default)]
    pub effective_text: Option<String>,
    /// 1 on creation, +1 on every edit or tombstone.
    pub version: i64,
    pub created: Stamp,
    pub updated: Stamp,
    pub provenance: Provenance,
    /// Device, clinic or file name the record came from.
    pub source: Option<String>,
    /// Set when soft-deleted (kept as a tombstone for sync).
    pub deleted_utc: Option<i64>,
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub meta: RecordMeta,
    pub body: RecordBody,
}

impl RecordMeta {
    /// The clinical time as people read it: as given (`2015`), else at its own offset to the
    /// minute, or the day for the kinds whose time is a date.
    pub fn effective_label(&self) -> String {
        if let Some(t) = &self.effective_text {
            return t.clone();
        }
        let t = self.effective.to_fixed();
        match self.effective_precision {
            DatePrecision::Second => t.format("%Y-%m-%d %H:%M").to_string(),
            DatePrecision::Day => t.format("%Y-%m-%d").to_string(),
            DatePrecision::Month => t.format("%Y-%m").to_string(),
            DatePrecision::Year => t.format("%Y").to_string(),
        }
    }
}

impl RecordMeta {
    /// [`RecordMeta::effective_label`] as read in `zone`: a full time in that zone, with the
    /// zone's abbreviation (`2026-12-03 07:30 JST`); dates and partial times as given.
    pub fn effective_label_in(&self, zone: &chrono_tz::Tz) -> String {
        if self.effective_text.is_some() || self.effective_precision != DatePrecision::Second {
            return self.effective_label();
        }
        chrono::DateTime::from_timestamp(self.effective.utc_seconds, 0)
            .map(|t| {
                t.with_timezone(zone)
                    .format("%Y-%m-%d %H:%M %Z")
                    .to_string()
            })
            .unwrap_or_else(|| self.effective_label())
    }
}

/// The precision of a body's clinical time when nothing else is known: a day for the kinds
/// whose time is a date (a checkup, a vaccination, a medication's start, a condition's onset),
/// else the full instant.
pub(crate) fn natural_precision(body: &RecordBody) -> DatePrecision {
    match body {
        RecordBody::Checkup(_) | RecordBody::Immunization(_) | RecordBody::Medication(_) => {
            DatePrecision::Day
        }
        RecordBody::Condition(c) if c.onset_date.is_some() => DatePrecision::Day,
        _ => DatePrecision::Second,
    }
}

/// An earlier version of a record, as it was before an edit.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordVersion {
    pub version: i64,
    pub replaced_utc: i64,
    pub body: RecordBody,
}

/// The metadata of a new record: version 1, a fresh time-ordered id.
pub(crate) fn new_meta(
    subject: &str,
    kind: RecordKind,
    effective: Stamp,
    effective_precision: DatePrecision,
    now: Stamp,
    provenance: Provenance,
    source: Option<String>,
) -> RecordMeta {
    RecordMeta {
        // UUIDv7: time-ordered, so record ids insert at the right edge of their index (a random
        // v4 id touches a random page for every insert once the table outgrows the cache).
        id: uuid::Uuid::now_v7().to_string(),
        subject_id: subject.to_owned(),
        kind,
        effective,
        effective_precision,
        effective_text: None,
        version: 1,
        created: now,
        updated: now,
        provenance,
        source,
        deleted_utc: None,
    }
}
