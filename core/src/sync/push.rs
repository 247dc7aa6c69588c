//! Pushing outbox records: the release gate, the plan, the intent rows, one batch request, the
//! outcomes.

use super::batch::{Outcome, batch_bundle, delete, entry_statuses, outcome_of, put};
use super::resources::resources_for;
use super::state::{self, Remote};
use super::{RejectedItem, Run, SyncReport};
use crate::consent::{DataCategory, OutboxItem};
use crate::error::Result;
use crate::records::{Person, Record, Stamp, repo as records_repo};
use rusqlite::Connection;
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

/// One record item of a chunk and its plan.
struct Planned<'c> {
    item: &'c OutboxItem,
    id: &'c str,
    purpose: &'c str,
    plan: Plan,
}

/// What the gate released in a chunk, as (purpose, record id). Only ids: [`plan`] maps the
/// copy read before the gate, not the gate's own (docs/SYNC.md, Limits); keeping the gate's
/// records here and mapping those closes that.
#[derive(Default)]
struct Released(HashSet<(String, String)>);

impl Released {
    fn has(&self, purpose: &str, id: &str) -> bool {
        self.0.contains(&(purpose.to_owned(), id.to_owned()))
    }
}

/// What the plan of a chunk reads: the records as stored, and the copies the recipient holds.
struct Local {
    stored: HashMap<String, Record>,
    remotes: HashMap<String, Vec<Remote>>,
}

fn read_local(conn: &Connection, recipient: &str, ids: &[String]) -> Result<Local> {
    let stored = records_repo::load_many(conn, ids)?
        .into_iter()
        .map(|r| (r.meta.id.clone(), r))
        .collect();
    let mut remotes = HashMap::new();
    for id in ids {
        remotes.insert(id.clone(), state::remotes_of_record(conn, recipient, id)?);
    }
    Ok(Local { stored, remotes })
}

/// Each record item's plan, and the batch requests in plan order. A released record becomes
/// PUTs of its resources; a withheld one (deleted, no longer permitted, category changed)
/// becomes DELETEs of the copy the recipient holds for that purpose, unless another purpose
/// holds it too.
fn plan<'c>(
    chunk: &'c [OutboxItem],
    local: &Local,
    released: &Released,
    person: &Person,
    now: Stamp,
    origin: &str,
) -> (Vec<Planned<'c>>, Vec<Value>) {
    let mut planned = Vec::with_capacity(chunk.len());
    let mut requests = vec![];
    for item in chunk {
        let (Some(id), Some(purpose)) = (item.record_id.as_deref(), item.purpose.as_deref()) else {
            continue;
        };
        let record = local.stored.get(id);
        let version = record.map_or(0, |r| r.meta.version);
        let plan = match record {
            Some(r) if released.has(purpose, id) => {
                let res = resources_for(person, r, now, origin);
                for x in &res {
                    requests.push(put(&x.address(), &x.body));
                }
                Plan::Put {
                    record: Box::new(r.clone()),
                    resources: res.iter().map(|x| x.address()).collect(),
                    category: DataCategory::of(r),
                }
            }
            _ => {
                let rows = local.remotes.get(id).map(Vec::as_slice).unwrap_or(&[]);
                match rows.iter().find(|r| r.purpose == purpose) {
                    None => Plan::Local {
                        version,
                        forget: false,
                    },
                    Some(_) if rows.iter().any(|r| r.purpose != purpose) => Plan::Local {
                        version,
                        forget: true,
                    },
                    Some(row) => {
                        requests.extend(row.resources.iter().map(|a| delete(a)));
                        Plan::Delete {
                            version,
                            resources: row.resources.clone(),
                        }
                    }
                }
            }
        };
        planned.push(Planned {
            item,
            id,
            purpose,
            plan,
        });
    }
    (planned, requests)
}

/// Before the request leaves: a copy the server may apply is never unknown to us. Items with
/// nothing to send are settled here.
fn write_intents(
    tx: &Connection,
    recipient: &str,
    subject: &str,
    planned: &[Planned<'_>],
    now_utc: i64,
    report: &mut SyncReport,
) -> Result<()> {
    for p in planned {
        match &p.plan {
            Plan::Put {
                record,
                resources,
                category,
            } => state::mark_sending(
                tx,
                recipient,
                p.purpose,
                p.id,
                subject,
                *category,
                resources,
                record.meta.version,
                now_utc,
            )?,
            Plan::Local { version, forget } => {
                if *forget {
                    state::forget(tx, recipient, p.purpose, p.id)?;
                }
                state::done_if_unchanged(tx, &p.item.id, p.id, *version)?;
                report.withheld += 1;
            }
            Plan::Delete { .. } => {}
        }
    }
    Ok(())
}

/// The batch-response, entry by entry: 2xx → held (or forgotten, for a delete) and the item
/// done if the record is still at the version sent; 4xx → the item stays with its status; 5xx
/// → deferred to the next sync.
fn apply_outcomes(
    tx: &Connection,
    recipient: &str,
    planned: &[Planned<'_>],
    statuses: &[u16],
    report: &mut SyncReport,
) -> Result<()> {
    let mut at = 0;
    for p in planned {
        let (count, deleting) = match &p.plan {
            Plan::Put { resources, .. } => (resources.len(), false),
            Plan::Delete { resources, .. } => (resources.len(), true),
            Plan::Local { .. } => continue,
        };
        let s = &statuses[at..at + count];
        at += count;
        match (outcome_of(s, deleting), &p.plan) {
            (Outcome::Done, Plan::Put { record, .. }) => {
                let v = record.meta.version;
                state::confirm_held(tx, &p.item.id, recipient, p.purpose, p.id, v)?;
                report.pushed += 1;
            }
            (Outcome::Done, Plan::Delete { version, .. }) => {
                state::forget(tx, recipient, p.purpose, p.id)?;
                state::done_if_unchanged(tx, &p.item.id, p.id, *version)?;
                report.deleted += 1;
            }
            (Outcome::Rejected(status), _) => {
                state::mark_rejected(tx, &p.item.id, status)?;
                report.rejected.push(RejectedItem {
                    record_id: p.id.to_owned(),
                    status,
                });
            }
            _ => report.deferred += 1,
        }
    }
    Ok(())
}

impl Run<'_, '_> {
    /// The gate, once per purpose in the chunk (each call audited as a release).
    fn gate(&self, chunk: &[OutboxItem], stored: &HashMap<String, Record>) -> Result<Released> {
        let mut released = Released::default();
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
            let r = self.job.host.release(self.recipient(), p, &of_purpose)?;
            released
                .0
                .extend(r.ids().into_iter().map(|id| (p.to_owned(), id)));
        }
        Ok(released)
    }

    /// One batch of record items: gate, plan, intents, one batch request, outcomes.
    pub(super) fn push_chunk(&mut self, chunk: &[OutboxItem]) -> Result<()> {
        let origin = self.origin()?;
        let (store, recipient) = (self.job.store, self.job.recipient.id.as_str());
        let ids: Vec<String> = chunk.iter().filter_map(|i| i.record_id.clone()).collect();
        let local = store.read(|c| read_local(c, recipient, &ids))?;
        let released = self.gate(chunk, &local.stored)?;
        let now = self.job.host.now();
        let (planned, requests) = plan(chunk, &local, &released, self.job.person, now, &origin);
        let report = &mut self.report;
        store.write_as(self.job.actor, |w| {
            write_intents(
                w.tx,
                recipient,
                self.job.person.id.as_str(),
                &planned,
                now.utc_seconds,
                report,
            )
        })?;
        if requests.is_empty() {
            return Ok(());
        }
        let n = requests.len();
        // The network call, with no transaction open.
        let statuses = entry_statuses(&self.client.batch(&batch_bundle(requests))?, n);
        let report = &mut self.report;
        store.write_as(self.job.actor, |w| {
            apply_outcomes(w.tx, recipient, &planned, &statuses, report)
        })
    }
}
