//! Points: the resident's ledger, brought in line with the rules each time it is read
//! ([`crate::points`] holds the rules; the facts are read as the goal, event and checkup views
//! read them).

use super::Session;
use crate::access::{Access, Action};
use crate::audit::AuditAction;
use crate::consent::{self, OperatorProfile, is_permitted};
use crate::error::Result;
use crate::events::{self, EventProgress};
use crate::goals::{self, GoalHistory};
use crate::points::{self, EventOutcome, Facts, PointsLedger, PointsProgram};
use crate::records::{Checkup, PageRequest, RecordBody, RecordFilter, RecordKind, list};
use chrono::{Duration, NaiveDate};
use std::collections::BTreeMap;

impl Session {
    /// `subject`'s points: every entry with its reason, and the balance. Reading it first
    /// appends what the programme in force awards or takes back since the last read (one
    /// audited transaction); with no programme, or on a read-only store, the entries as they are.
    pub fn points(&self, subject: &str) -> Result<PointsLedger> {
        let access = self.authorize(subject, Action::View)?;
        let installed = self.installed_profile();
        let profile = installed.as_ref().map(|p| &p.profile);
        let program = profile.and_then(|p| p.points.clone());
        // With no programme, or on a store that cannot be written (read-only media), the
        // ledger reads as it stands: nothing is judged that could not be kept.
        let (Some(profile), Some(program)) = (profile, program.clone()) else {
            return self.points_as_held(&access, program);
        };
        if self.is_read_only() {
            return self.points_as_held(&access, Some(program));
        }
        let facts = self.points_facts(&access, profile, &program)?;
        let now = self.now().utc_seconds;
        self.write(&access, AuditAction::PointsReconciled, |w| {
            let history = consent::repo::all_for(w.tx, subject)?;
            let occasions = points::earned(&program, &facts, |c, category| {
                is_permitted(&history, subject, &c.recipient, category, &c.purpose, now)
            });
            let held = points::repo::entries(w.tx, subject)?;
            // A clock behind the newest entry was set back: judge nothing until it catches up
            // (consent decided "later" would read as never given).
            let set_back = held.last().is_some_and(|e| e.at_utc > now);
            let changes = if set_back {
                vec![]
            } else {
                points::reconcile(&program, facts.last_day, &held, &occasions)
            };
            let mut ids = vec![];
            for e in changes {
                ids.push(format!(
                    "points:{}",
                    points::repo::append(w.tx, subject, &e, now)?
                ));
            }
            let entries = points::repo::entries(w.tx, subject)?;
            Ok((
                PointsLedger::new(subject.to_owned(), entries, Some(program.clone())),
                ids,
            ))
        })
    }

    /// The ledger as stored, read audited.
    fn points_as_held(
        &self,
        access: &Access,
        program: Option<PointsProgram>,
    ) -> Result<PointsLedger> {
        let subject = access.subject();
        let entries = self.read_audited(
            access,
            AuditAction::PointsReconciled,
            |c| points::repo::entries(c, subject),
            |_| vec![],
        )?;
        Ok(PointsLedger::new(subject.to_owned(), entries, program))
    }

    /// What the rules look at, for the days of `program` that are over.
    fn points_facts(
        &self,
        access: &Access,
        profile: &OperatorProfile,
        program: &PointsProgram,
    ) -> Result<Facts> {
        let subject = access.subject();
        let today = self.today();
        let last = (today - Duration::days(1)).min(program.to);
        if last < program.from {
            return Ok(Facts::default());
        }
        let mut facts = Facts {
            last_day: Some(last),
            ..Facts::default()
        };
        let needs = |f: fn(&points::Earn) -> bool| program.rules.iter().any(|r| f(&r.earn));
        if needs(|e| matches!(e, points::Earn::GoalDay)) {
            let person = self.person_details(subject)?;
            let history = GoalHistory {
                birth_date: person.details.birth_date,
                changes: self.store().read(|c| goals::repo::changes(c, subject))?,
            };
            let mut steps = BTreeMap::new();
            self.daily_steps(subject, program.from, last, &mut steps)?;
            facts.goal_days = program
                .from
                .iter_days()
                .take_while(|d| *d <= last)
                .map(|d| {
                    let n = steps.get(&d).copied().unwrap_or(0);
                    (d, n > 0 && n >= history.on(d).daily_steps)
                })
                .collect();
        }
        for rule in &program.rules {
            let points::Earn::EventCompleted { event } = &rule.earn else {
                continue;
            };
            let Some(e) = profile.event(event) else {
                continue;
            };
            let member = self
                .store()
                .read(|c| events::repo::get(c, subject, &e.id))?;
            let Some(m) = member else { continue };
            let mut steps = BTreeMap::new();
            if today >= e.from {
                self.daily_steps(subject, e.from, today.min(e.to), &mut steps)?;
            }
            let p = EventProgress::build(e, today, m.current, m.team, &steps);
            facts.events.push(EventOutcome {
                event: e.id.clone(),
                completed_on: p.completed_on(),
            });
        }
        if needs(|e| matches!(e, points::Earn::CheckupTaken)) {
            facts.checkups = self.checkup_dates(access)?;
        }
        Ok(facts)
    }

    /// The dates of every live checkup of the subject (read audited, naming them).
    fn checkup_dates(&self, access: &Access) -> Result<Vec<NaiveDate>> {
        Ok(self.live_checkups(access)?.iter().map(|c| c.date).collect())
    }

    /// Every live checkup of the subject (read audited, naming them).
    pub(super) fn live_checkups(&self, access: &Access) -> Result<Vec<Checkup>> {
        let filter = RecordFilter {
            kind: Some(RecordKind::Checkup),
            ..RecordFilter::default()
        };
        let records = self.read_audited(
            access,
            AuditAction::RecordsListed,
            |c| {
                let mut all = vec![];
                let mut page = PageRequest::first(1000);
                loop {
                    let p = list(c, access.subject(), &filter, &page)?;
                    all.extend(p.records);
                    match p.next {
                        Some(next) => page.after = Some(next),
                        None => break Ok(all),
                    }
                }
            },
            |rs| rs.iter().map(|r| r.meta.id.clone()).collect(),
        )?;
        Ok(records
            .into_iter()
            .filter_map(|r| match r.body {
                RecordBody::Checkup(c) => Some(c),
                _ => None,
            })
            .collect())
    }
}
