//! Step goals: the progress a resident sees, and setting their goal ([`crate::goals`] holds
//! the rules; the steps are the daily roll-ups, read as [`Session::aggregate`] reads them).

use super::Session;
use crate::access::Action;
use crate::audit::AuditAction;
use crate::error::Result;
use crate::goals::{self, GoalHistory, StepProgress, streak_ending, validate_daily_steps};
use crate::overview::week_start;
use crate::records::{AggregateQuery, Granularity, ObservationType};
use chrono::{Duration, NaiveDate};
use std::collections::BTreeMap;

/// A streak is read a year at a time: one read for almost everyone.
const STREAK_WINDOW_DAYS: i64 = 366;

impl Session {
    /// Today's steps against the goal, this week day by day, and the current streak.
    pub fn step_progress(&self, subject: &str) -> Result<StepProgress> {
        let person = self.person_details(subject)?;
        let changes = self.store().read(|c| goals::repo::changes(c, subject))?;
        let history = GoalHistory {
            birth_date: person.details.birth_date,
            changes,
        };
        let today = self.today();
        let week_from = week_start(today);
        let mut steps = BTreeMap::new();
        let mut to = today;
        let streak = loop {
            let from = (to - Duration::days(STREAK_WINDOW_DAYS - 1)).min(week_from);
            self.daily_steps(subject, from, to, &mut steps)?;
            let (n, reached_start) = streak_ending(&history, &steps, today, from);
            // No steps before birth: a streak cannot run further back than that.
            if !reached_start || from <= history.birth_date {
                break n;
            }
            to = from - Duration::days(1);
        };
        Ok(StepProgress::build(
            person.id, &history, &steps, today, week_from, streak,
        ))
    }

    /// Set `subject`'s daily goal from today on (`None`: back to the guideline's for the age).
    /// Earlier days keep the goal they had. Returns the progress against the new goal.
    pub fn set_step_goal(&self, subject: &str, daily_steps: Option<u32>) -> Result<StepProgress> {
        let daily_steps = daily_steps.map(validate_daily_steps).transpose()?;
        let access = self.authorize(subject, Action::Record)?;
        let today = self.today();
        let at = self.now().utc_seconds;
        self.write(&access, AuditAction::StepGoalSet, |w| {
            goals::repo::set(w.tx, access.subject(), today, daily_steps, at)?;
            Ok(((), vec![]))
        })?;
        self.step_progress(subject)
    }

    /// Adds the daily step totals of `from..=to` (local dates in the session zone) to `into`.
    pub(super) fn daily_steps(
        &self,
        subject: &str,
        from: NaiveDate,
        to: NaiveDate,
        into: &mut BTreeMap<NaiveDate, u32>,
    ) -> Result<()> {
        let q = AggregateQuery {
            observation_type: ObservationType::Steps,
            granularity: Granularity::Day,
            from,
            to,
            time_zone: None,
        };
        for b in self.aggregate(subject, &q)? {
            into.insert(b.start, goals::whole_steps(b.sum.unwrap_or(0.0)));
        }
        Ok(())
    }
}
