//! Pushing outbox records: the release gate, the intent rows, one batch request, the outcomes.

use super::batch::{Outcome, batch_bundle, delete, entry_statuses, outcome_of, put};
use crate::Session;
use crate::consent::{DataCategory, OutboxItem};
use crate::error::Result;
use crate::records::{Person, Record, repo as records_repo};
use crate::sync::resources::resources_for;
use crate::sync::state::{self, Remote};
use crate::sync::{Client, RejectedItem, SyncReport};
use serde_json::Value;
use std::collections::{HashMap, HashSet};

/// What one outbox record item becomes in a batch.
enum Plan {
    /// PUT these resources (the gate released the record).
    Put {
        record: Box<Record>,
        resources: Vec<String>,
        category: DataCategory,
    },
    /// DELETE the copies the recipient may hold for this purpose.
    Delete {
        version: i64,
        resources: Vec<String>,
    },
    /// Nothing to send: drop the item (withheld and not held there), or forget this purpose
    /// only (the copy stays for another purpose).
    Local { version: i64, forget: bool },
}

impl Session {
    /// One batch of record items: gate, intents, one batch request, outcomes.
    pub(super) fn push_chunk(
        &self,
        actor: &str,
        person: &Person,
        recipient: &str,
        chunk: &[OutboxItem],
        client: &mut Client<'_>,
        report: &mut SyncReport,
    ) -> Result<()> {
        let subject = person.id.as_str();
        let origin = self.sync_origin()?;
        let ids: Vec<String> = chunk.iter().filter_map(|i| i.record_id.clone()).collect();
        let stored: HashMap<String, Record> = self
            .store()
            .read(|c| records_repo::load_many(c, &ids))?
            .into_iter()
            .map(|r| (r.meta.id.clone(), r))
            .collect();
        // The gate, once per purpose in the chunk (audited as a release).
        let mut released: HashSet<(String, String)> = HashSet::new();
        let mut purposes: Vec<&str> = chunk.iter().filter_map(|i| i.purpose.as_deref()).collect();
        purposes.sort_unstable();
        purposes.dedup();
        for p in purposes {
            let of_purpose: Vec<Record> = chunk
                .iter()
                .filter(|i| i.purpose.as_deref() == Some(p))
                .filter_map(|i| i.record_id.as_ref().and_then(|id| stored.get(id)).cloned())
                .collect();
            if of_purpose.is_empty() {
                continue;
            }
            let r = self.release(actor, subject, recipient, p, &of_purpose)?;
            for id in r.ids() {
                released.insert((p.to_owned(), id));
            }
        }
        let now = self.now();
        let mut plans: Vec<(&OutboxItem, Plan)> = Vec::with_capacity(chunk.len());
        let remotes: HashMap<String, Vec<Remote>> = self.store().read(|c| {
            let mut m = HashMap::new();
            for id in &ids {
                m.insert(id.clone(), state::remotes_of_record(c, recipient, id)?);
            }
            Ok(m)
        })?;
        let mut requests: Vec<Value> = vec![];
        for item in chunk {
            let (Some(id), Some(purpose)) = (item.record_id.as_ref(), item.purpose.as_ref()) else {
                continue;
            };
            let record = stored.get(id);
            let version = record.map_or(0, |r| r.meta.version);
            let plan = match record {
                Some(r) if released.contains(&(purpose.clone(), id.clone())) => {
                    let res = resources_for(person, r, now, &origin);
                    let addresses: Vec<String> = res.iter().map(|x| x.address()).collect();
                    for x in &res {
                        requests.push(put(&x.address(), &x.body));
                    }
                    Plan::Put {
                        record: Box::new(r.clone()),
                        resources: addresses,
                        category: DataCategory::of(r),
                    }
                }
                _ => {
                    // Withheld now (deleted, no longer permitted, category changed): the
                    // recipient's copy for this purpose must go, unless another purpose holds it.
                    let rows = remotes.get(id).map(Vec::as_slice).unwrap_or(&[]);
                    match rows.iter().find(|r| &r.purpose == purpose) {
                        None => Plan::Local {
                            version,
                            forget: false,
                        },
                        Some(_) if rows.iter().any(|r| &r.purpose != purpose) => Plan::Local {
                            version,
                            forget: true,
                        },
                        Some(row) => {
                            for a in &row.resources {
                                requests.push(delete(a));
                            }
                            Plan::Delete {
                                version,
                                resources: row.resources.clone(),
                            }
                        }
                    }
                }
            };
            plans.push((item, plan));
        }
        // Intents BEFORE the request: a copy the server may apply is never unknown to us.
        self.store().write_as(actor, |w| {
            for (item, plan) in &plans {
                let (Some(id), Some(purpose)) = (item.record_id.as_ref(), item.purpose.as_ref())
                else {
                    continue;
                };
                match plan {
                    Plan::Put {
                        record,
                        resources,
                        category,
                    } => state::mark_sending(
                        w.tx,
                        recipient,
                        purpose,
                        id,
                        subject,
                        *category,
                        resources,
                        record.meta.version,
                        now.utc_seconds,
                    )?,
                    Plan::Local { version, forget } => {
                        if *forget {
                            state::forget(w.tx, recipient, purpose, id)?;
                        }
                        state::done_if_unchanged(w.tx, &item.id, id, *version)?;
                        report.withheld += 1;
                    }
                    Plan::Delete { .. } => {}
                }
            }
            Ok(())
        })?;
        if requests.is_empty() {
            return Ok(());
        }
        let n = requests.len();
        // The network call, with no transaction open.
        let statuses = entry_statuses(&client.batch(&batch_bundle(requests))?, n);
        self.store().write_as(actor, |w| {
            let mut at = 0;
            for (item, plan) in &plans {
                let (Some(id), Some(purpose)) = (item.record_id.as_ref(), item.purpose.as_ref())
                else {
                    continue;
                };
                let (count, deleting) = match plan {
                    Plan::Put { resources, .. } => (resources.len(), false),
                    Plan::Delete { resources, .. } => (resources.len(), true),
                    Plan::Local { .. } => continue,
                };
                let s = &statuses[at..at + count];
                at += count;
                match (outcome_of(s, deleting), plan) {
                    (
                        Outcome::Done,
                        Plan::Put {
                            record, resources, ..
                        },
                    ) => {
                        state::confirm_held(
                            w.tx,
                            &item.id,
                            recipient,
                            purpose,
                            id,
                            resources,
                            record.meta.version,
                        )?;
                        report.pushed += 1;
                    }
                    (Outcome::Done, Plan::Delete { version, .. }) => {
                        state::forget(w.tx, recipient, purpose, id)?;
                        state::done_if_unchanged(w.tx, &item.id, id, *version)?;
                        report.deleted += 1;
                    }
                    (Outcome::Rejected(status), _) => {
                        state::mark_rejected(w.tx, &item.id, status)?;
                        report.rejected.push(RejectedItem {
                            record_id: id.clone(),
                            status,
                        });
                    }
                    _ => report.deferred += 1,
                }
            }
            Ok(())
        })
    }
}
