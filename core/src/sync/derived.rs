//! Copies the device derives from many records (a walking event's daily totals, KPI
//! contributions) at a recipient: no outbox item; each sync reconciles what the recipient
//! holds under one key prefix with what the gate released now. An item whose version changed
//! is PUT again, an item no longer released is DELETEd, an unchanged one costs nothing. The
//! rows kept here carry the category and purpose, so a withdrawal's notice deletes (or
//! labels) them like any copy.

use super::batch::{Outcome, batch_bundle, delete, entry_statuses, outcome_of, put};
use super::resources::{ORIGIN_SYSTEM, push_meta_coding};
use super::state::{self, DerivedCopy};
use super::{RejectedItem, Run};
use crate::consent::DataCategory;
use crate::error::Result;
use crate::provision::{self, Channel, Form};
use serde_json::Value;
use std::collections::{HashMap, HashSet};

/// One item the gate released, as it should be at the recipient.
pub(super) struct Wanted {
    pub key: String,
    /// `Type/id` of the resource.
    pub address: String,
    /// What it was sent at: a change sends it again.
    pub version: i64,
    pub body: Value,
}

/// Which copies of this store a reconciliation covers, and what they are.
pub(super) struct Scope<'a> {
    pub purpose: &'a str,
    pub key_prefix: &'a str,
    pub category: DataCategory,
    /// What the items are, for the provision log.
    pub form: Form,
}

/// What one reconciliation did.
#[derive(Default)]
pub(super) struct Done {
    pub sent: usize,
}

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

/// The changes that bring `held` in line with `wanted`, in order, then the deletions.
fn changes(wanted: Vec<Wanted>, held: &[DerivedCopy], origin: &str) -> Vec<Change> {
    let held: HashMap<&str, &DerivedCopy> = held.iter().map(|h| (h.key.as_str(), h)).collect();
    let mut out = vec![];
    let mut keys = HashSet::new();
    for w in wanted {
        keys.insert(w.key.clone());
        if held
            .get(w.key.as_str())
            .is_some_and(|h| h.held && h.version == w.version)
        {
            continue;
        }
        let mut body = w.body;
        let tag = serde_json::json!({ "system": ORIGIN_SYSTEM, "code": origin });
        push_meta_coding(&mut body, "tag", tag);
        out.push(Change::Put {
            key: w.key,
            address: w.address,
            version: w.version,
            body,
        });
    }
    let mut gone: Vec<&&DerivedCopy> = held
        .values()
        .filter(|h| !keys.contains(h.key.as_str()))
        .collect();
    gone.sort_by(|a, b| a.key.cmp(&b.key));
    out.extend(gone.into_iter().map(|h| Change::Delete {
        key: h.key.clone(),
        addresses: h.resources.clone(),
    }));
    out
}

impl Run<'_, '_> {
    /// Reconcile the recipient's copies under `scope` with `wanted`.
    pub(super) fn reconcile_derived(
        &mut self,
        scope: &Scope<'_>,
        wanted: Vec<Wanted>,
    ) -> Result<Done> {
        let store = self.job.store;
        let (subject, recipient) = (self.subject().to_owned(), self.recipient().to_owned());
        let at = (subject.as_str(), recipient.as_str(), scope.purpose);
        let held = store.read(|c| state::derived_copies(c, at, scope.key_prefix))?;
        let origin = self.origin()?;
        let all = changes(wanted, &held, &origin);
        let now = self.job.host.now().utc_seconds;
        let mut done = Done::default();
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
                        let copy = (scope.category, address.as_str(), *version);
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
            let job = self.job;
            let confirmed_at = job.host.now();
            store.write_as(job.actor, |w| {
                let mut i = 0;
                let mut put = 0;
                for c in chunk {
                    let k = c.entries();
                    let s = &statuses[i..i + k];
                    i += k;
                    match (outcome_of(s, matches!(c, Change::Delete { .. })), c) {
                        (Outcome::Done, Change::Put { key, version, .. }) => {
                            state::derived_held(w.tx, (at.1, at.2), key, *version)?;
                            done.sent += 1;
                            put += 1;
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
                let provided = provision::Provided {
                    subject: at.0,
                    actor: job.actor,
                    recipient: at.1,
                    purpose: scope.purpose,
                    channel: Channel::Sync,
                    form: scope.form,
                    categories: vec![scope.category],
                    details: vec![],
                    item_count: put,
                    judged_at: now,
                };
                provision::record(w.tx, job.profile, provided, confirmed_at)
            })?;
        }
        Ok(done)
    }
}
