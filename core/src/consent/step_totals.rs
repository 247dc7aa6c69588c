//! The release gate for an event's daily step totals: the one place that decides which totals
//! may leave for a walking event's organiser. No lifelog record goes with them (the event's
//! purpose is a daily-totals purpose); a total passes only if the profile still offers lifelog
//! to the organiser for the event's purpose and the newest applicable directive permits it at
//! the instant of release. [`ReleasedStepTotals`] can only be made here, so sync cannot send a
//! total the gate did not judge.

use super::category::DataCategory;
use super::decide::is_permitted;
use super::directive::ConsentDirective;
use super::gate::offered;
use super::profile::{LifelogRelease, OperatorProfile};
use super::walking_event::WalkingEvent;
use crate::records::Stamp;
use chrono::NaiveDate;
use serde::Serialize;

/// One local day's total of steps, with the instants the day starts and ends in the zone it
/// was counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DayTotal {
    pub date: NaiveDate,
    pub steps: u32,
    pub start: Stamp,
    pub end: Stamp,
    /// The day is over (a day in progress is sent as preliminary and sent again as it grows).
    pub complete: bool,
}

/// What the gate let through for one event: the days of it with steps, judged at
/// `released_at`, or nothing (`permitted` false) when consent or the profile does not allow
/// it now. There is no public constructor: only the gate makes one.
#[derive(Debug, Clone, Serialize)]
pub struct ReleasedStepTotals {
    pub(super) subject: String,
    pub(super) event: String,
    pub(super) team: Option<String>,
    pub(super) recipient: String,
    pub(super) purpose: String,
    pub(super) released_at: Stamp,
    pub(super) permitted: bool,
    pub(super) days: Vec<DayTotal>,
}

impl ReleasedStepTotals {
    pub fn subject(&self) -> &str {
        &self.subject
    }
    pub fn event(&self) -> &str {
        &self.event
    }
    /// The team the resident walks for (the organiser ranks teams by it).
    pub fn team(&self) -> Option<&str> {
        self.team.as_deref()
    }
    pub fn recipient(&self) -> &str {
        &self.recipient
    }
    pub fn purpose(&self) -> &str {
        &self.purpose
    }
    pub fn released_at(&self) -> Stamp {
        self.released_at
    }
    /// Whether consent permits the totals now: when false nothing is released, and what the
    /// organiser holds is the withdrawal's business, not this one's.
    pub fn permitted(&self) -> bool {
        self.permitted
    }
    /// The days released, in date order (empty unless [`Self::permitted`]).
    pub fn days(&self) -> &[DayTotal] {
        &self.days
    }
    /// The key of this event's totals, before the date: `steps:<event>:`.
    pub fn key_prefix(&self) -> String {
        format!("steps:{}:", self.event)
    }
    /// The key a day's total is known by (the audit entry of the release, and the row that
    /// remembers the organiser's copy): `steps:<event>:<date>`. No record id: the total is
    /// derived from many.
    pub fn key_of(&self, day: &DayTotal) -> String {
        format!("{}{}", self.key_prefix(), day.date)
    }
}

/// The gate's decision for `subject`'s totals of event `e` (already limited by the caller to
/// the event's days up to today, the days with steps): all of them, or none.
pub(crate) fn release_step_totals(
    profile: &OperatorProfile,
    directives: &[ConsentDirective],
    (subject, team): (&str, Option<&str>),
    e: &WalkingEvent,
    days: Vec<DayTotal>,
    now: Stamp,
) -> ReleasedStepTotals {
    let c = DataCategory::Lifelog;
    let permitted = profile
        .purpose(&e.purpose)
        .is_some_and(|p| p.lifelog == LifelogRelease::DailyStepTotals)
        && profile.event(&e.id).is_some_and(|x| x == e)
        && offered(profile, &e.organiser, c, &e.purpose)
        && is_permitted(
            directives,
            subject,
            &e.organiser,
            c,
            &e.purpose,
            now.utc_seconds,
        );
    let mut days: Vec<DayTotal> = if permitted {
        days.into_iter()
            .filter(|d| d.steps > 0 && d.date >= e.from && d.date <= e.to)
            .collect()
    } else {
        vec![]
    };
    days.sort_by_key(|d| d.date);
    ReleasedStepTotals {
        subject: subject.to_owned(),
        event: e.id.clone(),
        team: team.map(str::to_owned),
        recipient: e.organiser.clone(),
        purpose: e.purpose.clone(),
        released_at: now,
        permitted,
        days,
    }
}
