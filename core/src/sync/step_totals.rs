//! A walking event's daily step totals reaching its organiser (issue #19 item 2): only what the
//! gate released at send time ([`ReleasedStepTotals`]), as one `Observation` per day with a
//! stable id. No outbox item: each sync reconciles what the organiser holds with the totals as
//! they are now. A day whose total grew (or that ended) is sent again, a day whose steps are
//! gone (deleted or erased here) is deleted there; an unchanged day costs nothing. Leaving the
//! event is a withdrawal like any other: its notice deletes (or labels) the rows kept here, which
//! carry the lifelog category and the event's purpose.

use super::Run;
use super::derived::{Scope, Wanted};
use super::resources::patient_address;
use crate::consent::{DataCategory, DayTotal, ReleasedStepTotals};
use crate::error::Result;
use crate::fhir::daily_steps::{daily_steps_id, daily_steps_observation};

/// What a copy was sent at: the count and whether the day was over, so a day that ends with
/// the count it had is sent once more, as final.
fn sent_version(day: &DayTotal) -> i64 {
    (i64::from(day.steps) << 1) | i64::from(day.complete)
}

impl Run<'_, '_> {
    /// The totals of every event this recipient organises that the subject is in and consent
    /// permits now, through the gate (what the Patient step must know is coming, too).
    pub(super) fn release_totals(&mut self) -> Result<()> {
        let recipient = self.recipient().to_owned();
        self.totals = self
            .job
            .host
            .step_totals(&recipient)?
            .into_iter()
            .filter(ReleasedStepTotals::permitted)
            .collect();
        Ok(())
    }

    /// Whether a released total has steps to send (its Observation points at the Patient).
    pub(super) fn totals_to_send(&self) -> bool {
        self.totals.iter().any(|t| !t.days().is_empty())
    }

    /// Send the released totals that changed, and delete the days that have no steps any more.
    pub(super) fn push_totals(&mut self) -> Result<()> {
        let totals = std::mem::take(&mut self.totals);
        for t in &totals {
            self.push_event_totals(t)?;
        }
        Ok(())
    }

    fn push_event_totals(&mut self, totals: &ReleasedStepTotals) -> Result<()> {
        let patient = patient_address(self.job.person);
        let wanted = totals
            .days()
            .iter()
            .map(|day| Wanted {
                key: totals.key_of(day),
                address: format!("Observation/{}", daily_steps_id(totals, day)),
                version: sent_version(day),
                body: daily_steps_observation(totals, day, &patient),
            })
            .collect();
        let prefix = totals.key_prefix();
        let scope = Scope {
            purpose: totals.purpose(),
            key_prefix: &prefix,
            category: DataCategory::Lifelog,
            form: crate::provision::Form::DailyStepTotals,
        };
        let done = self.reconcile_derived(&scope, wanted)?;
        self.report.totals_sent += done.sent;
        Ok(())
    }
}
