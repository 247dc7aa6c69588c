//! The subject's Patient at a recipient (item 2 of issue #16: demographics are data). Only the
//! details the gate releases go (the `demographics` category; each purpose of the profile names
//! the details its recipient needs, e.g. insurer number and birth date for 特定保健指導), sent
//! again when they change, and deleted (or labelled, for a recipient that keeps what it
//! received) when none is released any more. With none ever released, no Patient is sent.

use super::batch::{
    Outcome, batch_bundle, delete, entry_statuses, label_withdrawn, outcome_of, put,
};
use super::resources::{patient_address, patient_resource};
use super::state;
use super::{RejectedItem, Run};
use crate::consent::{DataCategory, OnWithdrawal, sha256_hex};
use crate::error::Result;
use crate::records::PersonDetail;
use std::collections::BTreeSet;

impl Run<'_, '_> {
    /// Bring the recipient's copy of the subject's Patient in line with what the gate releases
    /// now, across the purposes that offer it demographics.
    pub(super) fn patient(&mut self) -> Result<()> {
        let recipient = self.recipient().to_owned();
        let purposes: Vec<&str> = self
            .job
            .profile
            .purposes
            .iter()
            .filter(|p| {
                p.categories.contains(&DataCategory::Demographics)
                    && p.recipients.contains(&recipient)
            })
            .map(|p| p.code.as_str())
            .collect();
        let (store, subject) = (self.job.store, self.job.person.id.as_str());
        let held = store.read(|c| state::patient_copy(c, &recipient, subject))?;
        if purposes.is_empty() && held.is_none() {
            return Ok(());
        }
        let mut details: BTreeSet<PersonDetail> = BTreeSet::new();
        let mut person = None;
        for p in purposes {
            let r = self.job.host.release(&recipient, p, &[])?;
            details.extend(r.details().iter().copied());
            person = Some(r.person().clone());
        }
        let address = patient_address(self.job.person);
        let details: Vec<PersonDetail> = details.into_iter().collect();
        let (request, digest) = match (&person, details.is_empty(), &held) {
            (Some(person), false, _) => {
                let body = patient_resource(person, &details, &self.origin()?);
                let digest = sha256_hex(body.to_string().as_bytes());
                if held
                    .as_ref()
                    .is_some_and(|h| h.digest == digest && h.settled())
                {
                    return Ok(());
                }
                (put(&address, &body), Some(digest))
            }
            (_, _, Some(h)) if !h.withdrawn => match self.job.recipient.on_withdrawal {
                OnWithdrawal::Mark => (label_withdrawn(&address), None),
                OnWithdrawal::Delete => (delete(&address), None),
            },
            _ => return Ok(()),
        };
        if let Some(d) = &digest {
            store.write_as(self.job.actor, |w| {
                state::patient_sending(w.tx, &recipient, subject, &address, d)
            })?;
        }
        let statuses = entry_statuses(&self.client.batch(&batch_bundle(vec![request]))?, 1);
        let marking = self.job.recipient.on_withdrawal == OnWithdrawal::Mark;
        match (outcome_of(&statuses, digest.is_none()), digest) {
            (Outcome::Done, Some(_)) => {
                store.write_as(self.job.actor, |w| {
                    state::patient_held(w.tx, &recipient, subject)
                })?;
                self.report.patient_sent = true;
            }
            (Outcome::Done, None) => {
                store.write_as(self.job.actor, |w| {
                    state::patient_removed(w.tx, &recipient, subject, marking)
                })?;
                if !marking {
                    self.gone.push(address);
                }
                self.report.patient_removed = true;
            }
            (Outcome::Rejected(status), _) => self.report.rejected.push(RejectedItem {
                record_id: subject.to_owned(),
                status,
            }),
            (Outcome::Deferred, _) => self.report.deferred += 1,
        }
        Ok(())
    }
}
