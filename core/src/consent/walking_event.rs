//! A walking event as the operator profile declares it, and the rules a declaration must meet
//! (the profile's part; joining, leaving and progress are [`crate::events`]).

use super::category::DataCategory;
use super::profile::{LifelogRelease, OperatorProfile};
use super::validate::{identifier, recipient_and_purpose, required, unique};
use crate::error::{Error, Result};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The only data an event may receive: one step total per local day.
pub const EVENT_DATA: &str = "daily_step_totals";

/// A team residents may walk for (a neighbourhood association, a workplace).
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventTeam {
    pub id: String,
    pub name: String,
}

/// One walking event.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WalkingEvent {
    pub id: String,
    pub name_ja: String,
    pub name_en: String,
    /// First and last local date, both included.
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Steps a day that count a day as met.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub daily_target: Option<u32>,
    /// Steps over the whole event that complete it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_target: Option<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub teams: Vec<EventTeam>,
    /// The recipient that runs it (and receives the daily totals, by consent).
    pub organiser: String,
    /// The purpose joining consents to.
    pub purpose: String,
    /// What the organiser receives: [`EVENT_DATA`], nothing else.
    pub data: String,
}

impl WalkingEvent {
    pub fn team(&self, id: &str) -> Option<&EventTeam> {
        self.teams.iter().find(|t| t.id == id)
    }
}

/// Checked with the rest of the profile: every field named in the refusal.
pub(super) fn validate(profile: &OperatorProfile, events: &[WalkingEvent]) -> Result<()> {
    unique("events", "id", events.iter().map(|e| e.id.as_str()))?;
    for (i, e) in events.iter().enumerate() {
        let at = |f: &str| format!("events[{i}].{f}");
        identifier(&at("id"), &e.id)?;
        required(&at("name_ja"), &e.name_ja)?;
        required(&at("name_en"), &e.name_en)?;
        if e.to < e.from {
            return Err(Error::invalid(at("to"), "must not be before `from`"));
        }
        if (e.to - e.from).num_days() > 365 {
            return Err(Error::invalid(at("to"), "an event lasts a year at most"));
        }
        if e.daily_target.is_none() && e.total_target.is_none() {
            return Err(Error::invalid(
                at("daily_target"),
                "name a daily_target, a total_target or both",
            ));
        }
        if e.daily_target.is_some_and(|d| !(500..=50_000).contains(&d)) {
            return Err(Error::invalid(
                at("daily_target"),
                "must be from 500 to 50,000 steps a day",
            ));
        }
        if e.total_target
            .is_some_and(|t| !(1_000..=20_000_000).contains(&t))
        {
            return Err(Error::invalid(
                at("total_target"),
                "must be from 1,000 to 20,000,000 steps",
            ));
        }
        unique(&at("teams"), "id", e.teams.iter().map(|t| t.id.as_str()))?;
        for (j, t) in e.teams.iter().enumerate() {
            identifier(&format!("events[{i}].teams[{j}].id"), &t.id)?;
            required(&format!("events[{i}].teams[{j}].name"), &t.name)?;
        }
        if e.data != EVENT_DATA {
            return Err(Error::invalid(
                at("data"),
                "an event receives daily step totals only (daily_step_totals), never minute or hourly data",
            ));
        }
        let p = recipient_and_purpose(
            profile,
            (&at("organiser"), &e.organiser),
            (&at("purpose"), &e.purpose),
            "the organiser",
        )?;
        if !p.categories.contains(&DataCategory::Lifelog)
            || p.lifelog != LifelogRelease::DailyStepTotals
        {
            return Err(Error::invalid(
                at("purpose"),
                "must take lifelog as daily_step_totals",
            ));
        }
    }
    Ok(())
}
