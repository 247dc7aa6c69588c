//! Reading a subject's record: one record, lists and the timeline, latest values, aggregates,
//! search. Every read that returns records is audited with their ids.

use super::Session;
use crate::access::Action;
use crate::audit::AuditAction;
use crate::checkups::{CheckupComparison, CheckupReading};
use crate::error::{Error, Result};
use crate::overview::{Overview, Parts, WaitingToSync};
use crate::records::RecordKind;
use crate::records::{
    AggregateQuery, Bucket, ObservationType, Page, PageRequest, Record, RecordFilter,
    RecordVersion, aggregate, latest, list, repo, search,
};
use crate::today::{self, DashboardItem};

fn ids(records: &[Record]) -> Vec<String> {
    records.iter().map(|r| r.meta.id.clone()).collect()
}

impl Session {
    /// One live record of `subject`.
    pub fn get_record(&self, subject: &str, id: &str) -> Result<Record> {
        let access = self.authorize(subject, Action::View)?;
        self.read_audited(
            &access,
            AuditAction::RecordsListed,
            |c| match repo::load(c, id)? {
                Some(r) if r.meta.subject_id == subject && r.meta.deleted_utc.is_none() => Ok(r),
                _ => Err(Error::not_found("record")),
            },
            |r| vec![r.meta.id.clone()],
        )
    }

    /// Earlier versions of a record, oldest first.
    pub fn record_history(&self, subject: &str, id: &str) -> Result<Vec<RecordVersion>> {
        let access = self.authorize(subject, Action::View)?;
        self.read_audited(
            &access,
            AuditAction::RecordsListed,
            |c| match repo::load(c, id)? {
                Some(r) if r.meta.subject_id == subject => repo::history(c, id),
                _ => Err(Error::not_found("record")),
            },
            |_| vec![id.to_owned()],
        )
    }

    /// Records matching `filter`, newest first, one page at a time.
    pub fn list_records(
        &self,
        subject: &str,
        filter: &RecordFilter,
        page: &PageRequest,
    ) -> Result<Page> {
        let access = self.authorize(subject, Action::View)?;
        self.read_audited(
            &access,
            AuditAction::RecordsListed,
            |c| list(c, subject, filter, page),
            |p| ids(&p.records),
        )
    }

    /// Every live record across types, newest first.
    pub fn timeline(&self, subject: &str, page: &PageRequest) -> Result<Page> {
        self.list_records(subject, &RecordFilter::default(), page)
    }

    /// The newest observation of each type.
    pub fn latest_observations(&self, subject: &str) -> Result<Vec<Record>> {
        let access = self.authorize(subject, Action::View)?;
        self.read_audited(
            &access,
            AuditAction::RecordsListed,
            |c| latest(c, subject),
            |r| ids(r),
        )
    }

    /// Daily, weekly or monthly aggregates of one observation type.
    pub fn aggregate(&self, subject: &str, query: &AggregateQuery) -> Result<Vec<Bucket>> {
        let access = self.authorize(subject, Action::View)?;
        let mut q = query.clone();
        if q.time_zone.is_none() {
            q.time_zone = Some(self.time_zone().to_owned());
        }
        self.read_audited(
            &access,
            AuditAction::AggregatesRead,
            |c| aggregate(c, subject, &q),
            |_| vec![],
        )
    }

    /// Notes and medications containing `text`.
    pub fn search(&self, subject: &str, text: &str, limit: u32) -> Result<Vec<Record>> {
        let access = self.authorize(subject, Action::View)?;
        self.read_audited(
            &access,
            AuditAction::RecordsListed,
            |c| search(c, subject, text, limit),
            |r| ids(r),
        )
    }

    /// The today view: the newest value of each type with its summary and level (the
    /// subject's sex picks the thresholds).
    pub fn dashboard(&self, subject: &str) -> Result<Vec<DashboardItem>> {
        let sex = self.person_details(subject)?.details.sex;
        Ok(today::tiles(self.latest_observations(subject)?, Some(sex)))
    }

    /// The morning summary of `subject` ([`Overview`]): each part read as its own query
    /// would, so a proxy sees exactly what those let it see; the outbox only as counts.
    pub fn overview(&self, subject: &str) -> Result<Overview> {
        let access = self.authorize(subject, Action::View)?;
        let checkups = RecordFilter {
            kind: Some(RecordKind::Checkup),
            ..RecordFilter::default()
        };
        // No operator profile installed yet: nothing is offered, so nothing is shared.
        let consent = match self.installed_profile() {
            Some(_) => Some(self.consent_state(subject)?),
            None => None,
        };
        let newest_checkup = self.list_records(subject, &checkups, &PageRequest::first(1))?;
        Ok(Overview::build(Parts {
            subject_id: access.subject().to_owned(),
            at: self.now(),
            latest: self.dashboard(subject)?,
            steps: self.step_progress(subject)?,
            last_checkup: newest_checkup.records.into_iter().next(),
            consent,
            grants: self.who_can_access(subject)?,
            outbox: self
                .store()
                .read(|c| crate::consent::pending(c, access.subject()))?,
            erased_held: self
                .store()
                .read(|c| crate::sync::state::erased_held(c, access.subject()))?,
        }))
    }

    /// Per recipient, the copies it may hold of `subject`'s records erased here: deleted there
    /// by the next sync with it (the erasure's receipt names them).
    pub fn erased_copies_held(&self, subject: &str) -> Result<Vec<WaitingToSync>> {
        let access = self.authorize(subject, Action::View)?;
        let held = self
            .store()
            .read(|c| crate::sync::state::erased_held(c, access.subject()))?;
        Ok(held
            .into_iter()
            .map(|(recipient, items)| WaitingToSync { recipient, items })
            .collect())
    }

    /// The newest `last` checkups of `subject` (newest first), each as a resident reads it
    /// ([`crate::checkups::read`]: every result with its level; the subject's sex picks the
    /// waist thresholds).
    pub fn checkups(&self, subject: &str, last: u32) -> Result<Vec<CheckupReading>> {
        let sex = self.person_details(subject)?.details.sex;
        let access = self.authorize(subject, Action::View)?;
        let filter = RecordFilter {
            kind: Some(RecordKind::Checkup),
            ..RecordFilter::default()
        };
        let page = PageRequest::first(last.clamp(1, 100));
        // The checkups and their correction notes in one snapshot, audited together.
        let (checkups, notes) = self.read_audited(
            &access,
            AuditAction::RecordsListed,
            |c| {
                let checkups = list(c, subject, &filter, &page)?.records;
                let ids: Vec<&str> = checkups.iter().map(|r| r.meta.id.as_str()).collect();
                let notes = repo::notes_about(c, subject, &ids)?;
                Ok((checkups, notes))
            },
            |(c, n)| ids(c).into_iter().chain(ids(n)).collect(),
        )?;
        Ok(checkups
            .iter()
            .filter_map(|r| crate::checkups::read(r, Some(sex), &notes))
            .collect())
    }

    /// The newest `last` checkups side by side, item by item (year over year).
    pub fn checkup_comparison(&self, subject: &str, last: u32) -> Result<CheckupComparison> {
        Ok(crate::checkups::compare(&self.checkups(subject, last)?))
    }

    /// The daily buckets of the last `days` days up to today in the session zone (a tile's
    /// trend line; [`today::TREND_DAYS`] by default in the apps).
    pub fn trend(
        &self,
        subject: &str,
        observation_type: ObservationType,
        days: u32,
    ) -> Result<Vec<Bucket>> {
        let q = today::trend_query(observation_type, self.today(), days);
        self.aggregate(subject, &q)
    }
}
