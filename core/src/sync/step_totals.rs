//! A walking event's daily step totals reaching its organiser (issue #19 item 2): only what the
//! gate released at send time ([`ReleasedStepTotals`]), as one `Observation` per day with a
//! stable id. No outbox item: each sync reconciles what the organiser holds with the totals as
//! they are now. A day whose total grew (or that ended) is sent again, a day whose steps are
//! gone (deleted or erased here) is deleted there; an unchanged day costs nothing. Leaving the
//! event is a withdrawal like any other: its notice deletes (or labels) the rows kept here, which
//! carry the lifelog category and the event's purpose.

use super::batch::{Outcome, batch_bundle, delete, entry_statuses, outcome_of, put};
use super::resources::{ORIGIN_SYSTEM, patient_address, push_meta_coding};
use super::state::{self, DerivedCopy};
use super::{RejectedItem, Run};
use crate::consent::{DataCategory, DayTotal, ReleasedStepTotals};
use crate::error::Result;
use crate::fhir::daily_steps::{daily_steps_id, daily_steps_observation};
use serde_json::Value;
use std::collections::{HashMap, HashSet};

/// What a copy was sent at: the count and whether the day was over, so a day that ends with
/// the count it had is sent once more, as final.
fn sent_version(day: &DayTotal) -> i64 {
    (i64::from(day.steps) << 1) | i64::from(day.complete)
}

/// One change to the organiser's copies.
enum Change {
    Put {
        key: String,
        address: String,
        version: i64,
        body: Value,
    },
    Delete {
        key: String,
        addresses: Vec<String>,
    },
}

impl Change {
    fn key(&self) -> &str {
        match self {
            Change::Put { key, .. } | Change::Delete { key, .. } => key,
        }
    }
    /// How many batch entries [`Self::request`] makes.
    fn entries(&self) -> usize {
        match self {
            Change::Put { .. } => 1,
            Change::Delete { addresses, .. } => addresses.len(),
        }
    }
    fn request(&self) -> Vec<Value> {
        match self {
            Change::Put { address, body, .. } => vec![put(address, body)],
            Change::Delete { addresses, .. } => addresses.iter().map(|a| delete(a)).collect(),
        }
    }
}

/// The changes that bring `held` in line with `totals`, in date order, then the deletions.
fn changes(
    totals: &ReleasedStepTotals,
    held: &[DerivedCopy],
    patient: &str,
    origin: &str,
) -> Vec<Change> {
    let held: HashMap<&str, &DerivedCopy> = held.iter().map(|h| (h.key.as_str(), h)).collect();
    let mut out = vec![];
    let mut wanted = HashSet::new();
    for day in totals.days() {
        let key = totals.key_of(day);
        let version = sent_version(day);
        wanted.insert(key.clone());
        if held
            .get(key.as_str())
            .is_some_and(|h| h.held && h.version == version)
        {
            continue;
        }
        let mut body = daily_steps_observation(totals, day, patient);
        let tag = serde_json::json!({ "system": ORIGIN_SYSTEM, "code": origin });
        push_meta_coding(&mut body, "tag", tag);
        out.push(Change::Put {
            key,
            address: format!("Observation/{}", daily_steps_id(totals, day)),
            version,
            body,
        });
    }
    let mut gone: Vec<&&DerivedCopy> = held
        .values()
        .filter(|h| !wanted.contains(h.key.as_str()))
        .collect();
    gone.sort_by(|a, b| a.key.cmp(&b.key));
    out.extend(gone.into_iter().map(|h| Change::Delete {
        key: h.key.clone(),
        addresses: h.resources.clone(),
    }));
    out
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
        let store = self.job.store;
        let (subject, recipient) = (self.subject().to_owned(), self.recipient().to_owned());
        let at = (subject.as_str(), recipient.as_str(), totals.purpose());
        let held = store.read(|c| state::derived_copies(c, at, &totals.key_prefix()))?;
        let patient = patient_address(self.job.person);
        let origin = self.origin()?;
        let all = changes(totals, &held, &patient, &origin);
        let now = self.job.host.now().utc_seconds;
        for chunk in all.chunks(self.job.options.batch_size.max(1)) {
            store.write_as(self.job.actor, |w| {
                for c in chunk {
                    if let Change::Put {
                        key,
                        address,
                        version,
                        ..
                    } = c
                    {
                        let copy = (DataCategory::Lifelog, address.as_str(), *version);
                        state::derived_sending(w.tx, at, key, copy, now)?;
                    }
                }
                Ok(())
            })?;
            let requests: Vec<Value> = chunk.iter().flat_map(Change::request).collect();
            let n = requests.len();
            // The network call, with no transaction open.
            let statuses = entry_statuses(&self.client.batch(&batch_bundle(requests))?, n);
            let report = &mut self.report;
            let gone = &mut self.gone;
            store.write_as(self.job.actor, |w| {
                let mut i = 0;
                for c in chunk {
                    let k = c.entries();
                    let s = &statuses[i..i + k];
                    i += k;
                    match (outcome_of(s, matches!(c, Change::Delete { .. })), c) {
                        (Outcome::Done, Change::Put { key, version, .. }) => {
                            state::derived_held(w.tx, (at.1, at.2), key, *version)?;
                            report.totals_sent += 1;
                        }
                        (Outcome::Done, Change::Delete { key, addresses }) => {
                            state::forget(w.tx, at.1, at.2, key)?;
                            gone.extend(addresses.iter().cloned());
                            report.deleted += 1;
                        }
                        (Outcome::Rejected(status), _) => report.rejected.push(RejectedItem {
                            record_id: c.key().to_owned(),
                            status,
                        }),
                        (Outcome::Deferred, _) => report.deferred += 1,
                    }
                }
                Ok(())
            })?;
        }
        Ok(())
    }
}
