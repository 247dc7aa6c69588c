//! What a front end (or an importer) hands in as a new record, and the one validation every
//! write goes through: units normalised, ranges checked, "not in the future" against the
//! session's clock, clinical dates placed in the session's zone.

use super::{
    Allergy, Checkup, Condition, Immunization, Medication, Note, ObservationInput, RecordBody,
    Stamp, normalise,
};
use crate::error::{Error, Result};
use chrono::{NaiveDate, Offset, TimeZone};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// A new record (or the new content of an edited one), as a front end supplies it.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ClinicalInput {
    Observation(ObservationInput),
    Checkup(Checkup),
    Immunization(Immunization),
    Medication(Medication),
    Condition(Condition),
    Allergy(Allergy),
    Note { text: String, at: Option<Stamp> },
}

/// How far ahead of the clock a note's time may be (a phone's clock drifts).
const NOTE_SLACK_SECONDS: i64 = 600;

/// The instant and zone an input is judged against: "now", "today" and where local dates fall.
/// Cheap to copy to the threads that validate an import.
#[derive(Debug, Clone, Copy)]
pub struct Validation {
    pub now: Stamp,
    pub zone: Tz,
}

impl Validation {
    /// Today's local date in the zone.
    pub fn today(&self) -> NaiveDate {
        self.now.to_utc().with_timezone(&self.zone).date_naive()
    }

    /// Validate `input` into a stored body and its clinical time.
    pub fn prepare(&self, input: ClinicalInput) -> Result<(RecordBody, Stamp)> {
        let (today, now) = (self.today(), self.now);
        let date = |d| date_stamp(&self.zone, d);
        Ok(match input {
            ClinicalInput::Observation(o) => {
                let o = normalise(&o, now.utc_seconds)?;
                let at = o.effective;
                (RecordBody::Observation(o), at)
            }
            ClinicalInput::Checkup(c) => {
                let c = c.validate(today)?;
                let at = date(c.date)?;
                (RecordBody::Checkup(c), at)
            }
            ClinicalInput::Immunization(i) => {
                let i = i.validate(today)?;
                let at = date(i.date)?;
                (RecordBody::Immunization(i), at)
            }
            ClinicalInput::Medication(m) => {
                let m = m.validate(today)?;
                let at = date(m.start_date)?;
                (RecordBody::Medication(m), at)
            }
            ClinicalInput::Condition(c) => {
                let c = c.validate(today)?;
                let at = match c.onset_date {
                    Some(d) => date(d)?,
                    None => now,
                };
                (RecordBody::Condition(c), at)
            }
            ClinicalInput::Allergy(a) => (RecordBody::Allergy(a.validate()?), now),
            ClinicalInput::Note { text, at } => {
                let at = at.unwrap_or(now);
                if at.utc_seconds > now.utc_seconds + NOTE_SLACK_SECONDS {
                    return Err(Error::invalid("at", "must not be in the future"));
                }
                (RecordBody::Note(Note { text, about: None }.validate()?), at)
            }
        })
    }
}

/// A local date at 00:00 in `zone`, as a stamp (clinical dates such as a checkup day); the
/// first instant of the day where midnight falls in a daylight-saving gap.
pub fn date_stamp(zone: &Tz, d: NaiveDate) -> Result<Stamp> {
    let t = d
        .and_hms_opt(0, 0, 0)
        .ok_or_else(|| Error::invalid("date", "bad date"))?;
    let local = zone
        .from_local_datetime(&t)
        .earliest()
        .or_else(|| {
            zone.from_local_datetime(&(t + chrono::Duration::hours(1)))
                .earliest()
        })
        .ok_or_else(|| Error::invalid("date", "no such local time"))?;
    Ok(Stamp {
        utc_seconds: local.timestamp(),
        offset_seconds: local.offset().fix().local_minus_utc(),
    })
}
