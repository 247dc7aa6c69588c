//! Walking events: the ones the operator runs, joining (a consent permit for the organiser,
//! lifelog, the event's purpose) and leaving (a withdrawal), and progress from the daily totals.
//! [`crate::events`] holds the rules.

use super::Session;
use crate::access::{Access, Action};
use crate::audit::AuditAction;
use crate::consent::{
    self, ConsentDirective, ConsentRequest, DataCategory, DayTotal, DecidedBy, ReleasedStepTotals,
};
use crate::error::{Error, Result};
use crate::events::{self, EventPhase, EventProgress, WalkingEvent};
use crate::records::Stamp;
use chrono::{NaiveDate, TimeZone};
use std::collections::BTreeMap;

impl Session {
    /// Every event of the operator profile with `subject`'s part in it, newest first.
    pub fn walking_events(&self, subject: &str) -> Result<Vec<EventProgress>> {
        let access = self.authorize(subject, Action::View)?;
        let Some(installed) = self.installed_profile() else {
            return Ok(vec![]);
        };
        installed
            .profile
            .events
            .iter()
            .rev()
            .map(|e| self.progress_in(&access, e))
            .collect()
    }

    /// `subject`'s progress in event `id`.
    pub fn event_progress(&self, subject: &str, id: &str) -> Result<EventProgress> {
        let access = self.authorize(subject, Action::View)?;
        let e = self.event_of_profile(id)?;
        self.progress_in(&access, &e)
    }

    /// Join event `id` (alone, or in `team`, which must be one of its teams): a permit
    /// for its organiser to receive lifelog — as daily step totals, the only thing its purpose
    /// takes — for its purpose, recorded with the membership in one transaction. Refused once
    /// the event has ended, and when already joined. Returns the decision (its receipt is
    /// [`Session::consent_receipt`]).
    pub fn join_event(
        &self,
        subject: &str,
        id: &str,
        team: Option<&str>,
    ) -> Result<ConsentDirective> {
        self.authorize(subject, Action::ManageConsent)?;
        let e = self.event_of_profile(id)?;
        if events::phase(&e, self.today()) == EventPhase::Ended {
            return Err(Error::invalid("event", "has ended"));
        }
        if team.is_some_and(|t| e.team(t).is_none()) {
            return Err(Error::invalid("team", "is not a team of this event"));
        }
        let request = ConsentRequest::permit(&e.organiser, &[DataCategory::Lifelog], &[&e.purpose]);
        self.decide_membership(subject, &e, request, |w, d, at| {
            if events::repo::get(w, subject, &e.id)?.is_some_and(|m| m.current) {
                return Err(Error::AlreadyExists {
                    what: "membership of this event".into(),
                });
            }
            events::repo::join(w, subject, &e.id, team, &d.id, at)
        })
    }

    /// Leave event `id`: a withdrawal of the permit joining gave (the organiser's copies of the
    /// daily totals are deleted or marked, as the recipient's profile says, at the next sync).
    pub fn leave_event(&self, subject: &str, id: &str) -> Result<ConsentDirective> {
        self.authorize(subject, Action::ManageConsent)?;
        let e = self.event_of_profile(id)?;
        let request = ConsentRequest::deny(&e.organiser, &[DataCategory::Lifelog], &[&e.purpose]);
        self.decide_membership(subject, &e, request, |w, d, at| {
            if !events::repo::get(w, subject, &e.id)?.is_some_and(|m| m.current) {
                return Err(Error::not_found("membership of this event"));
            }
            events::repo::leave(w, subject, &e.id, &d.id, at)
        })
    }

    fn event_of_profile(&self, id: &str) -> Result<WalkingEvent> {
        self.installed_profile()
            .and_then(|p| p.profile.event(id).cloned())
            .ok_or_else(|| Error::not_found("event"))
    }

    /// The consent decision and the membership change, in one audited transaction.
    fn decide_membership(
        &self,
        subject: &str,
        e: &WalkingEvent,
        request: ConsentRequest,
        membership: impl FnOnce(&rusqlite::Connection, &ConsentDirective, i64) -> Result<()>,
    ) -> Result<ConsentDirective> {
        let access = self.authorize(subject, Action::ManageConsent)?;
        let now = self.now();
        let installed = self
            .installed_profile()
            .ok_or_else(|| Error::not_found("operator profile"))?;
        let profile = &installed.profile;
        debug_assert!(profile.event(&e.id).is_some());
        let req = consent::check_request(profile, &request, now)?;
        self.write(&access, AuditAction::ConsentDecided, |w| {
            let by = DecidedBy {
                actor: access.actor(),
                delegation: access.delegation(),
            };
            let d = consent::record_decision(w.tx, profile, subject, &req, by, now)?;
            membership(w.tx, &d, now.utc_seconds)?;
            let ids = vec![d.id.clone()];
            Ok((d, ids))
        })
    }

    /// Progress of the subject `access` was authorized to view (the daily totals are read as
    /// [`Session::aggregate`] reads them, audited).
    fn progress_in(&self, access: &Access, e: &WalkingEvent) -> Result<EventProgress> {
        let subject = access.subject();
        let membership = self
            .store()
            .read(|c| events::repo::get(c, access.subject(), &e.id))?;
        let today = self.today();
        let mut steps = BTreeMap::new();
        if today >= e.from {
            self.daily_steps(subject, e.from, today.min(e.to), &mut steps)?;
        }
        let (joined, team) = match membership {
            Some(m) => (m.current, m.team),
            None => (false, None),
        };
        Ok(EventProgress::build(e, today, joined, team, &steps))
    }

    /// The daily totals of every event `recipient` organises that `access.subject()` is a
    /// current member of, through the gate at this instant: what sync may send (and nothing
    /// for an event consent does not permit now). Each release is audited naming the days'
    /// keys, in the transaction that re-reads the membership and the consent history.
    pub(crate) fn release_event_totals(
        &self,
        access: &Access,
        recipient: &str,
    ) -> Result<Vec<ReleasedStepTotals>> {
        let Some(installed) = self.installed_profile() else {
            return Ok(vec![]);
        };
        let profile = &installed.profile;
        let subject = access.subject();
        let today = self.today();
        let mut out = vec![];
        for e in profile.events.iter().filter(|e| e.organiser == recipient) {
            let member = self
                .store()
                .read(|c| events::repo::get(c, subject, &e.id))?;
            if !member.is_some_and(|m| m.current) || today < e.from {
                continue;
            }
            let mut steps = BTreeMap::new();
            self.daily_steps(subject, e.from, today.min(e.to), &mut steps)?;
            let days: Vec<DayTotal> = steps
                .into_iter()
                .map(|(date, n)| self.day_total(date, n, today))
                .collect();
            let now = self.now();
            let released = self.write(access, AuditAction::StepTotalsReleased, |w| {
                let history = consent::repo::all_for(w.tx, subject)?;
                let team = match events::repo::get(w.tx, subject, &e.id)? {
                    Some(m) if m.current => m.team,
                    _ => return Ok((None, vec![])),
                };
                let r = consent::release_step_totals(
                    profile,
                    &history,
                    (subject, team.as_deref()),
                    e,
                    days,
                    now,
                );
                let keys = r.days().iter().map(|d| r.key_of(d)).collect();
                Ok((Some(r), keys))
            })?;
            out.extend(released);
        }
        Ok(out)
    }

    /// `date`'s total with the instants its local day starts and ends in the session zone.
    fn day_total(&self, date: NaiveDate, steps: u32, today: NaiveDate) -> DayTotal {
        let midnight = |d: NaiveDate| {
            let local = d.and_hms_opt(0, 0, 0).unwrap_or_default();
            let t = self
                .zone
                .from_local_datetime(&local)
                .earliest()
                .unwrap_or_else(|| self.zone.from_utc_datetime(&local));
            Stamp::from_fixed(t.fixed_offset())
        };
        DayTotal {
            date,
            steps,
            start: midnight(date),
            end: midnight(date.succ_opt().unwrap_or(date)),
            complete: date < today,
        }
    }
}
