//! The subject's Patient at a recipient (item 2 of issue #16: demographics are data). Only the
//! details the gate releases go (the `demographics` category; each purpose of the profile names
//! the details its recipient needs, e.g. insurer number and birth date for 特定保健指導), sent
//! again when they change. The records sent point at that Patient, so while any of them is (or
//! is about to be) there, a Patient is there too: with no detail released it carries none (its
//! id and this store's tag only), which a server that checks references accepts. When no
//! record and no detail is left for the recipient, its copy is deleted (or labelled, for a
//! recipient that keeps what it received). With nothing ever sent, no Patient is sent.

use super::batch::{
    Outcome, batch_bundle, delete, entry_statuses, label_withdrawn, outcome_of, put,
};
use super::resources::{patient_address, patient_resource};
use super::state;
use super::{RejectedItem, Run};
use crate::consent::{DataCategory, OnWithdrawal, sha256_hex};
use crate::error::Result;
use crate::provision::{self, Channel, Form};
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
        let (held, records) = store.read(|c| {
            Ok((
                state::patient_copy(c, &recipient, subject)?,
                state::records_there_or_queued(c, &recipient, subject)?,
            ))
        })?;
        // Daily totals about to go point at the Patient as records do.
        let records = records || self.totals_to_send();
        if purposes.is_empty() && held.is_none() && !records {
            return Ok(());
        }
        let mut details: BTreeSet<PersonDetail> = BTreeSet::new();
        let mut person = None;
        // Each purpose's share of the details, for the provision log.
        let mut shares = vec![];
        for p in purposes {
            let r = self.job.host.release(&recipient, p, &[])?;
            details.extend(r.details().iter().copied());
            person = Some(r.person().clone());
            shares.push((p, r.details().to_vec(), r.released_at().utc_seconds));
        }
        let address = patient_address(self.job.person);
        let details: Vec<PersonDetail> = details.into_iter().collect();
        let to_send = match (&person, details.is_empty(), &held) {
            (Some(person), false, _) => {
                put_patient(person, &details, &address, &held, &self.origin()?)
            }
            // Records there point at it: the Patient stays (or goes first), with no detail.
            (_, true, _) if records => {
                put_patient(self.job.person, &[], &address, &held, &self.origin()?)
            }
            (_, _, Some(h)) if !h.withdrawn => Some(match self.job.recipient.on_withdrawal {
                OnWithdrawal::Mark => (label_withdrawn(&address), None),
                OnWithdrawal::Delete => (delete(&address), None),
            }),
            _ => None,
        };
        let Some((request, digest)) = to_send else {
            return Ok(());
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
                let (job, at) = (self.job, self.job.host.now());
                store.write_as(job.actor, |w| {
                    state::patient_held(w.tx, &recipient, subject)?;
                    for (purpose, details, judged_at) in shares {
                        let provided = provision::Provided {
                            subject,
                            actor: job.actor,
                            recipient: &recipient,
                            purpose,
                            channel: Channel::Sync,
                            form: Form::SubjectDetails,
                            categories: vec![],
                            item_count: usize::from(!details.is_empty()),
                            details,
                            judged_at,
                        };
                        provision::record(w.tx, job.profile, provided, at)?;
                    }
                    Ok(())
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

/// The PUT of the subject's Patient with `details`, unless the recipient holds exactly that
/// already; with its digest, recorded before it leaves.
fn put_patient(
    person: &crate::records::Person,
    details: &[PersonDetail],
    address: &str,
    held: &Option<state::PatientCopy>,
    origin: &str,
) -> Option<(serde_json::Value, Option<String>)> {
    let body = patient_resource(person, details, origin);
    let digest = sha256_hex(body.to_string().as_bytes());
    if held
        .as_ref()
        .is_some_and(|h| h.digest == digest && h.settled())
    {
        return None;
    }
    Some((put(address, &body), Some(digest)))
}
