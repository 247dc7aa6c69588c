//! Pushing outbox records: the release gate, the plan, the intent rows, one batch request, the
//! outcomes. What is mapped is only what the gate released at send time ([`ReleasedRecords`]:
//! the versions it judged, with the originals of exactly those versions), never a copy read
//! before it.

use super::batch::{Outcome, batch_bundle, delete, entry_statuses, outcome_of, put};
use super::resources::resources_for;
use super::state::{self, Remote};
use super::{RejectedItem, Run, SyncReport};
use crate::consent::{DataCategory, OutboxItem, ReleasedRecords};
use crate::error::Result;
use crate::provision::{self, Channel, Form};
use crate::records::{Record, Stamp};
use rusqlite::{Connection, OptionalExtension};
use serde_json::Value;
use std::collections::HashMap;

/// What one outbox record item becomes in a batch.
enum Plan {
    /// PUT these resources (the gate released the record at this version).
    Put {
        version: i64,
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
    /// Held back until the resident decides again (a new profile version): the item stays.
    Wait,
}

/// One record item of a chunk and its plan.
struct Planned<'c> {
    item: &'c OutboxItem,
    id: &'c str,
    purpose: &'c str,
    plan: Plan,
}

/// What the plan of a chunk reads besides the gate: the version each record is at (to settle an
/// item the gate withheld only if the record did not change since), and the copies the
/// recipient holds.
struct Local {
    versions: HashMap<String, i64>,
    remotes: HashMap<String, Vec<Remote>>,
}

fn read_local(conn: &Connection, recipient: &str, ids: &[String]) -> Result<Local> {
    let mut versions = HashMap::new();
    let mut remotes = HashMap::new();
    let mut stmt = conn.prepare_cached("SELECT version FROM record WHERE id = ?1")?;
    for id in ids {
        if let Some(v) = stmt.query_row([id], |r| r.get(0)).optional()? {
            versions.insert(id.clone(), v);
        }
        remotes.insert(id.clone(), state::remotes_of_record(conn, recipient, id)?);
    }
    Ok(Local { versions, remotes })
}

/// Each record item's plan, and the batch requests in plan order. A released record becomes
/// PUTs of its resources, as the gate judged it; a withheld one (deleted, no longer permitted,
/// category changed) becomes DELETEs of the copy the recipient holds for that purpose, unless
/// another purpose holds it too; one waiting for re-consent stays queued.
fn plan<'c>(
    chunk: &'c [OutboxItem],
    local: &Local,
    released: &HashMap<&str, ReleasedRecords>,
    now: Stamp,
    origin: &str,
) -> (Vec<Planned<'c>>, Vec<Value>) {
    let mut planned = Vec::with_capacity(chunk.len());
    let mut requests = vec![];
    let judged: HashMap<(&str, &str), (&Record, &ReleasedRecords)> = released
        .iter()
        .flat_map(|(p, r)| {
            r.permitted()
                .iter()
                .map(move |x| ((*p, x.meta.id.as_str()), (x, r)))
        })
        .collect();
    for item in chunk {
        let (Some(id), Some(purpose)) = (item.record_id.as_deref(), item.purpose.as_deref()) else {
            continue;
        };
        let version = local.versions.get(id).copied().unwrap_or(0);
        let awaiting = released
            .get(purpose)
            .is_some_and(|r| r.awaiting_reconsent().iter().any(|x| x == id));
        let plan = match judged.get(&(purpose, id)) {
            Some((record, gate)) => {
                let original = gate.originals().get(id);
                let res = resources_for(gate.person(), record, original, now, origin);
                for x in &res {
                    requests.push(put(&x.address(), &x.body));
                }
                Plan::Put {
                    version: record.meta.version,
                    resources: res.iter().map(|x| x.address()).collect(),
                    category: DataCategory::of(record),
                }
            }
            None if awaiting => Plan::Wait,
            None => {
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
                version,
                resources,
                category,
            } => state::mark_sending(
                tx, recipient, p.purpose, p.id, subject, *category, resources, *version, now_utc,
            )?,
            Plan::Local { version, forget } => {
                if *forget {
                    state::forget(tx, recipient, p.purpose, p.id)?;
                }
                state::done_if_unchanged(tx, &p.item.id, p.id, *version)?;
                report.withheld += 1;
            }
            Plan::Wait => report.awaiting_reconsent += 1,
            Plan::Delete { .. } => {}
        }
    }
    Ok(())
}

/// The batch-response, entry by entry: 2xx → held (or forgotten, for a delete) and the item
/// done if the record is still at the version sent; 4xx → the item stays with its status; 5xx
/// → deferred to the next sync. Returns the (purpose, category) of each record the server now
/// holds, for the provision log.
fn apply_outcomes<'p>(
    tx: &Connection,
    recipient: &str,
    planned: &'p [Planned<'_>],
    statuses: &[u16],
    report: &mut SyncReport,
    gone: &mut Vec<String>,
) -> Result<Vec<(&'p str, DataCategory)>> {
    let mut confirmed = vec![];
    let mut at = 0;
    for p in planned {
        let (count, deleting) = match &p.plan {
            Plan::Put { resources, .. } => (resources.len(), false),
            Plan::Delete { resources, .. } => (resources.len(), true),
            Plan::Local { .. } | Plan::Wait => continue,
        };
        let s = &statuses[at..at + count];
        at += count;
        match (outcome_of(s, deleting), &p.plan) {
            (
                Outcome::Done,
                Plan::Put {
                    version, category, ..
                },
            ) => {
                state::confirm_held(tx, &p.item.id, recipient, p.purpose, p.id, *version)?;
                confirmed.push((p.purpose, *category));
                report.pushed += 1;
            }
            (Outcome::Done, Plan::Delete { version, resources }) => {
                state::forget(tx, recipient, p.purpose, p.id)?;
                state::done_if_unchanged(tx, &p.item.id, p.id, *version)?;
                gone.extend(resources.iter().cloned());
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
    Ok(confirmed)
}

/// One provision per purpose of what the server confirmed, in the transaction that records it.
fn log_confirmed(
    tx: &Connection,
    job: &super::Job<'_>,
    released: &HashMap<&str, ReleasedRecords>,
    confirmed: &[(&str, DataCategory)],
    now: Stamp,
) -> Result<()> {
    let mut by_purpose: HashMap<&str, Vec<DataCategory>> = HashMap::new();
    for (purpose, category) in confirmed {
        by_purpose.entry(purpose).or_default().push(*category);
    }
    for (purpose, categories) in by_purpose {
        let Some(gate) = released.get(purpose) else {
            continue;
        };
        let provided = provision::Provided {
            subject: &job.person.id,
            actor: job.actor,
            recipient: &job.recipient.id,
            purpose,
            channel: Channel::Sync,
            form: Form::Records,
            item_count: categories.len(),
            categories,
            details: vec![],
            judged_at: gate.released_at().utc_seconds,
        };
        provision::record(tx, job.profile, provided, now)?;
    }
    Ok(())
}

impl Run<'_, '_> {
    /// The gate, once per purpose in the chunk (each call audited as a release), over the
    /// stored records: what it judges is what is mapped.
    fn gate<'c>(&self, chunk: &'c [OutboxItem]) -> Result<HashMap<&'c str, ReleasedRecords>> {
        let mut by_purpose: HashMap<&str, Vec<String>> = HashMap::new();
        for i in chunk {
            if let (Some(p), Some(id)) = (i.purpose.as_deref(), &i.record_id) {
                by_purpose.entry(p).or_default().push(id.clone());
            }
        }
        let mut released = HashMap::new();
        for (p, ids) in by_purpose {
            released.insert(p, self.job.host.release(self.recipient(), p, &ids)?);
        }
        Ok(released)
    }

    /// One batch of record items: gate, plan, intents, one batch request, outcomes.
    pub(super) fn push_chunk(&mut self, chunk: &[OutboxItem]) -> Result<()> {
        let origin = self.origin()?;
        let (store, recipient) = (self.job.store, self.job.recipient.id.as_str());
        let ids: Vec<String> = chunk.iter().filter_map(|i| i.record_id.clone()).collect();
        let local = store.read(|c| read_local(c, recipient, &ids))?;
        let released = self.gate(chunk)?;
        let now = self.job.host.now();
        let (planned, requests) = plan(chunk, &local, &released, now, &origin);
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
        let (report, gone, job) = (&mut self.report, &mut self.gone, self.job);
        let confirmed_at = job.host.now();
        store.write_as(job.actor, |w| {
            let confirmed = apply_outcomes(w.tx, recipient, &planned, &statuses, report, gone)?;
            log_confirmed(w.tx, job, &released, &confirmed, confirmed_at)
        })
    }
}
