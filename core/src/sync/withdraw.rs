//! A recipient's copies after a withdrawal: deleted, or (for a recipient bound to retain what
//! it received, `on_withdrawal: mark`) kept, replaced by the same resource labelled withdrawn.

use super::batch::{Outcome, batch_bundle, delete, entry_statuses, outcome_of, put};
use super::resources::{push_meta_coding, resources_for};
use super::state::{self, Remote};
use super::{RejectedItem, Run, SyncReport};
use crate::consent::{ConsentDirective, OnWithdrawal, OutboxItem};
use crate::error::Result;
use crate::records::{Person, Record, Stamp, repo as records_repo};
use rusqlite::Connection;
use serde_json::Value;
use std::collections::HashMap;

/// What a withdrawal does to one copy.
enum Withdrawing {
    /// Another purpose still in force holds the same copy: only this purpose's row goes.
    Keep,
    /// PUT these addresses again, labelled withdrawn.
    Mark(Vec<String>),
    /// DELETE this many addresses.
    Delete(usize),
}

/// The `meta.security` label of a copy kept after its consent was withdrawn.
const WITHDRAWN_SYSTEM: &str = "urn:phr-core:consent-status";

fn label_withdrawn(body: &mut Value) {
    let label = serde_json::json!({ "system": WITHDRAWN_SYSTEM, "code": "withdrawn",
        "display": "consent withdrawn: keep, do not use" });
    push_meta_coding(body, "security", label);
}

/// The rows the withdrawal `d` covers, each with whether another purpose still holds the copy.
fn covered(
    conn: &Connection,
    recipient: &str,
    d: &ConsentDirective,
) -> Result<Vec<(Remote, bool)>> {
    let rows = state::remotes_covered(conn, &d.subject_id, recipient, &d.categories, &d.purposes)?;
    let mut out = vec![];
    for r in rows {
        let others = state::remotes_of_record(conn, recipient, &r.record_id)?
            .into_iter()
            .any(|o| !d.purposes.contains(&o.purpose));
        out.push((r, others));
    }
    Ok(out)
}

/// Records of `chunk` still live here: in mark mode only those are marked; a deleted or
/// erased one is deleted there.
fn live_records(conn: &Connection, chunk: &[(Remote, bool)]) -> Result<HashMap<String, Record>> {
    let ids: Vec<String> = chunk.iter().map(|(r, _)| r.record_id.clone()).collect();
    Ok(records_repo::load_many(conn, &ids)?
        .into_iter()
        .filter(|r| r.meta.deleted_utc.is_none())
        .map(|r| (r.meta.id.clone(), r))
        .collect())
}

/// Each covered copy's fate, and the batch requests in that order.
fn plan(
    chunk: &[(Remote, bool)],
    live: &HashMap<String, Record>,
    person: &Person,
    now: Stamp,
    origin: &str,
) -> (Vec<Withdrawing>, Vec<Value>) {
    let mut requests = vec![];
    let mut plans = Vec::with_capacity(chunk.len());
    for (r, others) in chunk {
        if *others {
            plans.push(Withdrawing::Keep);
            continue;
        }
        plans.push(match live.get(&r.record_id) {
            Some(record) => {
                let res = resources_for(person, record, now, origin);
                for x in &res {
                    let mut body = x.body.clone();
                    label_withdrawn(&mut body);
                    requests.push(put(&x.address(), &body));
                }
                Withdrawing::Mark(res.iter().map(|x| x.address()).collect())
            }
            None => {
                requests.extend(r.resources.iter().map(|a| delete(a)));
                Withdrawing::Delete(r.resources.len())
            }
        });
    }
    (plans, requests)
}

/// The answers, copy by copy; returns whether every copy is settled.
fn apply_outcomes(
    tx: &Connection,
    recipient: &str,
    chunk: &[(Remote, bool)],
    plans: &[Withdrawing],
    statuses: &[u16],
    report: &mut SyncReport,
) -> Result<bool> {
    let mut settled = true;
    let mut at = 0;
    for ((r, _), plan) in chunk.iter().zip(plans) {
        let (n, deleting) = match plan {
            Withdrawing::Keep => {
                state::forget(tx, recipient, &r.purpose, &r.record_id)?;
                continue;
            }
            Withdrawing::Mark(addresses) => (addresses.len(), false),
            Withdrawing::Delete(n) => (*n, true),
        };
        let s = &statuses[at..at + n];
        at += n;
        match (outcome_of(s, deleting), plan) {
            (Outcome::Done, Withdrawing::Mark(addresses)) => {
                state::mark_withdrawn(tx, recipient, &r.purpose, &r.record_id, addresses)?;
                report.marked += 1;
            }
            (Outcome::Done, _) => {
                state::forget(tx, recipient, &r.purpose, &r.record_id)?;
                report.deleted += 1;
            }
            (Outcome::Rejected(status), _) => {
                settled = false;
                report.rejected.push(RejectedItem {
                    record_id: r.record_id.clone(),
                    status,
                });
            }
            (Outcome::Deferred, _) => {
                settled = false;
                report.deferred += 1;
            }
        }
    }
    Ok(settled)
}

impl Run<'_, '_> {
    /// Delete the recipient's copies the withdrawal notice `item` (of directive `d`) covers,
    /// unless a purpose still in force holds the same copy, or mark them withdrawn for a
    /// recipient that keeps what it received; the notice leaves the outbox when every covered
    /// copy is settled.
    pub(super) fn withdrawal(&mut self, item: &OutboxItem, d: &ConsentDirective) -> Result<()> {
        let (store, recipient) = (self.job.store, self.job.recipient.id.as_str());
        let mode = self.job.recipient.on_withdrawal;
        let covered = store.read(|c| covered(c, recipient, d))?;
        let origin = self.origin()?;
        let now = self.job.host.now();
        let mut settled = true;
        for chunk in covered.chunks(self.job.options.batch_size.max(1)) {
            let live = match mode {
                OnWithdrawal::Mark => store.read(|c| live_records(c, chunk))?,
                OnWithdrawal::Delete => HashMap::new(),
            };
            let (plans, requests) = plan(chunk, &live, self.job.person, now, &origin);
            let statuses = if requests.is_empty() {
                vec![]
            } else {
                let n = requests.len();
                entry_statuses(&self.client.batch(&batch_bundle(requests))?, n)
            };
            let report = &mut self.report;
            settled &= store.write_as(&item.subject_id, |w| {
                apply_outcomes(w.tx, recipient, chunk, &plans, &statuses, report)
            })?;
        }
        if settled {
            store.write_as(&item.subject_id, |w| state::delete_outbox(w.tx, &item.id))?;
            self.report.withdrawals += 1;
        }
        Ok(())
    }
}
