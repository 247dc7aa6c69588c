//! A walking event's daily step total as a FHIR R4 `Observation` (JP Core
//! `JP_Observation_Common`): LOINC 41950-7 "Number of steps in 24 hour Measured" over the local
//! day as `effectivePeriod`, the count as a UCUM `{steps}` quantity. The event and team are
//! `meta.tag`s so the organiser can search its participants' totals
//! (`_tag=urn:phr-core:walking-event|<id>`). `preliminary` while the day is in progress,
//! `final` once it is over. Nothing else of the resident goes: no record id, no device, no note.

use super::codes::{profile, system};
use crate::consent::{DayTotal, ReleasedStepTotals};
use crate::records::derived_id;
use serde_json::{Value, json};

/// LOINC: Number of steps in 24 hour Measured.
pub const DAILY_STEPS_LOINC: &str = "41950-7";
/// `meta.tag` systems naming the event and the team a total counts for.
pub const EVENT_TAG_SYSTEM: &str = "urn:phr-core:walking-event";
pub const TEAM_TAG_SYSTEM: &str = "urn:phr-core:event-team";

/// The Observation's id: the same for the same subject, event and day on every device, so a
/// total sent again (the day grew) replaces the one there.
pub fn daily_steps_id(totals: &ReleasedStepTotals, day: &DayTotal) -> String {
    let date = day.date.to_string();
    derived_id(&[
        b"daily-steps",
        totals.subject().as_bytes(),
        totals.event().as_bytes(),
        date.as_bytes(),
    ])
}

/// The Observation of `day`'s total, about the Patient at `patient` (`Patient/id`).
pub fn daily_steps_observation(
    totals: &ReleasedStepTotals,
    day: &DayTotal,
    patient: &str,
) -> Value {
    let mut tags = vec![json!({ "system": EVENT_TAG_SYSTEM, "code": totals.event() })];
    if let Some(team) = totals.team() {
        tags.push(json!({ "system": TEAM_TAG_SYSTEM, "code": team }));
    }
    json!({
        "resourceType": "Observation",
        "id": daily_steps_id(totals, day),
        "meta": { "profile": [profile::OBSERVATION_COMMON], "tag": tags },
        "status": if day.complete { "final" } else { "preliminary" },
        "category": [
            { "coding": [{ "system": system::JP_OBSERVATION_CATEGORY, "code": "activity",
                           "display": "Activity" }] },
            { "coding": [{ "system": system::HL7_OBSERVATION_CATEGORY, "code": "activity" }] }
        ],
        "code": {
            "coding": [{ "system": system::LOINC, "code": DAILY_STEPS_LOINC,
                         "display": "Number of steps in 24 hour Measured" }],
            "text": "1日の歩数"
        },
        "subject": { "reference": patient },
        "effectivePeriod": { "start": day.start.to_rfc3339(), "end": day.end.to_rfc3339() },
        "issued": totals.released_at().to_rfc3339(),
        "valueQuantity": { "value": day.steps, "unit": "steps", "system": system::UCUM,
                           "code": "{steps}" }
    })
}
