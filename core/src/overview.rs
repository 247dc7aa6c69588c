//! The summary a resident opens every morning (issue #17 item 3): the latest value of each
//! type with its level, this week's steps against the goal, the last checkup and when the next one is due, what
//! is shared with whom (consent and family in one view) and what waits to sync. One rule, so
//! the CLI and both apps show the same thing; [`crate::Session::overview`] gathers the parts.

use crate::consent::{ConsentState, DataCategory, OutboxItem};
use crate::family::AccessGrant;
use crate::goals::StepProgress;
use crate::records::{Record, RecordBody, Stamp};
use crate::today::DashboardItem;
use chrono::{Datelike, Duration, Months, NaiveDate};
use serde::Serialize;
use std::collections::BTreeMap;

/// One recipient × purpose that may receive something now, with the categories it may.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SharedWith {
    pub recipient: String,
    pub recipient_name: String,
    pub purpose: String,
    pub purpose_label_ja: String,
    pub purpose_label_en: String,
    pub categories: Vec<DataCategory>,
}

/// What the next sync with one recipient sends or deletes there: outbox items (records,
/// deletions, withdrawal notices) and the copies it holds of records erased here.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WaitingToSync {
    pub recipient: String,
    pub items: u32,
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Overview {
    pub subject_id: String,
    pub at: Stamp,
    /// The newest value of each observation type, with its level.
    pub latest: Vec<DashboardItem>,
    /// Steps from Monday of this week to today (local dates), and that Monday.
    pub steps_this_week: f64,
    pub week_from: NaiveDate,
    /// Today's steps against the goal, this week day by day, and the streak.
    pub steps: StepProgress,
    /// The newest checkup, if any.
    pub last_checkup: Option<Record>,
    /// 特定健診 is yearly: due a year after the last one (none without a last one).
    pub next_checkup_due: Option<NaiveDate>,
    /// Who may receive what now, by consent.
    pub shared: Vec<SharedWith>,
    /// Permits waiting for the resident to decide again (a new profile version changed them):
    /// nothing they cover is shared meanwhile.
    pub awaiting_reconsent: u32,
    /// Who else may act on this record now (family grants in force; the subject left out).
    pub family: Vec<AccessGrant>,
    pub waiting_to_sync: Vec<WaitingToSync>,
}

/// Monday of the ISO week holding `today`.
pub fn week_start(today: NaiveDate) -> NaiveDate {
    today - Duration::days(i64::from(today.weekday().num_days_from_monday()))
}

/// What [`crate::Session::overview`] read, each part by the read a front end would use.
pub struct Parts {
    pub subject_id: String,
    pub at: Stamp,
    pub latest: Vec<DashboardItem>,
    pub steps: StepProgress,
    pub last_checkup: Option<Record>,
    pub consent: Option<ConsentState>,
    pub grants: Vec<AccessGrant>,
    pub outbox: Vec<OutboxItem>,
    /// Per recipient, copies of erased records it may still hold.
    pub erased_held: Vec<(String, u32)>,
}

impl Overview {
    pub fn build(p: Parts) -> Overview {
        let next_checkup_due = p.last_checkup.as_ref().and_then(|r| match &r.body {
            RecordBody::Checkup(c) => c.date.checked_add_months(Months::new(12)),
            _ => None,
        });
        let (shared, awaiting_reconsent) = p.consent.as_ref().map_or((vec![], 0), shared);
        let mut waiting: BTreeMap<&str, u32> = BTreeMap::new();
        for item in &p.outbox {
            *waiting.entry(item.recipient.as_str()).or_default() += 1;
        }
        for (recipient, copies) in &p.erased_held {
            *waiting.entry(recipient.as_str()).or_default() += copies;
        }
        Overview {
            family: p
                .grants
                .into_iter()
                .filter(|g| g.delegation_id.is_some())
                .collect(),
            waiting_to_sync: waiting
                .into_iter()
                .map(|(recipient, items)| WaitingToSync {
                    recipient: recipient.to_owned(),
                    items,
                })
                .collect(),
            subject_id: p.subject_id,
            at: p.at,
            latest: p.latest,
            steps_this_week: f64::from(p.steps.week_steps),
            week_from: p.steps.week_from,
            steps: p.steps,
            last_checkup: p.last_checkup,
            next_checkup_due,
            shared,
            awaiting_reconsent,
        }
    }
}

/// The permitted toggles, grouped by recipient × purpose; and how many wait for re-consent.
fn shared(state: &ConsentState) -> (Vec<SharedWith>, u32) {
    let mut out: Vec<SharedWith> = vec![];
    let mut awaiting = 0;
    for p in &state.purposes {
        for t in &p.toggles {
            awaiting += u32::from(t.awaiting_reconsent);
            if !t.permitted {
                continue;
            }
            match out
                .iter_mut()
                .find(|s| s.recipient == t.recipient && s.purpose == p.code)
            {
                Some(s) => s.categories.push(t.category),
                None => out.push(SharedWith {
                    recipient: t.recipient.clone(),
                    recipient_name: t.recipient_name.clone(),
                    purpose: p.code.clone(),
                    purpose_label_ja: p.label_ja.clone(),
                    purpose_label_en: p.label_en.clone(),
                    categories: vec![t.category],
                }),
            }
        }
    }
    (out, awaiting)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_week_starts_on_monday() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        assert_eq!(week_start(d(12, 3)), d(11, 30), "a Thursday");
        assert_eq!(week_start(d(11, 30)), d(11, 30), "a Monday");
        assert_eq!(week_start(d(12, 6)), d(11, 30), "a Sunday");
    }
}
