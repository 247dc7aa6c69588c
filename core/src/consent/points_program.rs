//! A points programme as the operator profile declares it (issue #19 item 3), and the rules a
//! declaration must meet (the profile's part; the ledger is [`crate::points`]).
//!
//! A rule the operator must confirm (it pays out, say, a shopping voucher) names the recipient
//! and purpose whose consent lets the operator see the data the points are for: the points are
//! held only while that consent permits sharing it, so no confirmed point ever rests on data
//! the resident did not agree to share.

use super::category::DataCategory;
use super::profile::{LifelogRelease, OperatorProfile};
use super::validate::{identifier, recipient_and_purpose, required, unique};
use crate::error::{Error, Result};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// What earns a rule's points.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Earn {
    /// Each past day the person's step goal (the one that held that day) was met.
    GoalDay,
    /// Completing the named walking event (joined, and its targets reached).
    EventCompleted { event: String },
    /// Taking a health checkup: once per fiscal year (April to March).
    CheckupTaken,
}

impl Earn {
    /// The category of the data the points are for (what a confirming purpose must cover).
    pub fn category(&self) -> DataCategory {
        match self {
            Earn::GoalDay | Earn::EventCompleted { .. } => DataCategory::Lifelog,
            Earn::CheckupTaken => DataCategory::Checkup,
        }
    }
}

/// Who confirms a rule's points, by the consent that shows them the data.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Confirmation {
    pub recipient: String,
    pub purpose: String,
}

/// One rule: what earns how many points, and why (shown beside every ledger entry).
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PointRule {
    pub id: String,
    pub reason_ja: String,
    pub reason_en: String,
    pub earn: Earn,
    pub points: u32,
    /// Set when the operator confirms these points: they need its consent to the data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirm: Option<Confirmation>,
}

/// The programme: the days it counts (both included) and its rules.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PointsProgram {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub rules: Vec<PointRule>,
}

impl PointsProgram {
    pub fn rule(&self, id: &str) -> Option<&PointRule> {
        self.rules.iter().find(|r| r.id == id)
    }
}

/// Most points one occasion may earn: a rule is a nudge, not a currency printer.
pub const MAX_RULE_POINTS: u32 = 100_000;

/// Checked with the rest of the profile: every field named in the refusal.
pub(super) fn validate(profile: &OperatorProfile, program: &PointsProgram) -> Result<()> {
    if program.to < program.from {
        return Err(Error::invalid("points.to", "must not be before `from`"));
    }
    if (program.to - program.from).num_days() > 3 * 366 {
        return Err(Error::invalid(
            "points.to",
            "a programme lasts three years at most",
        ));
    }
    if program.rules.is_empty() {
        return Err(Error::invalid("points.rules", "name at least one rule"));
    }
    unique(
        "points.rules",
        "id",
        program.rules.iter().map(|r| r.id.as_str()),
    )?;
    for (i, r) in program.rules.iter().enumerate() {
        let at = |f: &str| format!("points.rules[{i}].{f}");
        identifier(&at("id"), &r.id)?;
        required(&at("reason_ja"), &r.reason_ja)?;
        required(&at("reason_en"), &r.reason_en)?;
        if !(1..=MAX_RULE_POINTS).contains(&r.points) {
            return Err(Error::invalid(
                at("points"),
                format!("must be from 1 to {MAX_RULE_POINTS}"),
            ));
        }
        let event = match &r.earn {
            Earn::EventCompleted { event } => Some(profile.event(event).ok_or_else(|| {
                Error::invalid(at("earn.event"), "is not an event of the profile")
            })?),
            _ => None,
        };
        let Some(c) = &r.confirm else { continue };
        let p = recipient_and_purpose(
            profile,
            (&at("confirm.recipient"), &c.recipient),
            (&at("confirm.purpose"), &c.purpose),
            "the confirming recipient",
        )?;
        let category = r.earn.category();
        if !p.categories.contains(&category) {
            return Err(Error::invalid(
                at("confirm.purpose"),
                format!(
                    "does not cover {}, the data these points are for",
                    category.as_str()
                ),
            ));
        }
        if let Some(e) = event {
            if c.recipient != e.organiser || c.purpose != e.purpose {
                return Err(Error::invalid(
                    at("confirm"),
                    "an event's points are confirmed by its organiser, for its purpose",
                ));
            }
        } else if category == DataCategory::Lifelog && p.lifelog != LifelogRelease::DailyStepTotals
        {
            return Err(Error::invalid(
                at("confirm.purpose"),
                "a goal day is confirmed from daily step totals: the purpose must take lifelog as daily_step_totals",
            ));
        }
    }
    Ok(())
}
