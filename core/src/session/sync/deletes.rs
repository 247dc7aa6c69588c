//! A recipient's copies after a withdrawal (deleted, or kept labelled withdrawn) and after an
//! erasure here (always deleted).

use super::batch::{Outcome, batch_bundle, delete, entry_statuses, outcome_of, put};
use crate::Session;
use crate::consent::{ConsentDirective, OnWithdrawal, OutboxItem};
use crate::error::Result;
use crate::records::{Person, Record, repo as records_repo};
use crate::sync::resources::{push_meta_coding, resources_for};
use crate::sync::state;
use crate::sync::{Client, RejectedItem, SyncOptions, SyncReport};
use serde_json::Value;
use std::collections::HashMap;

/// What a withdrawal does to one copy.
enum Withdrawing {
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

impl Session {
    /// Delete the recipient's copies a withdrawal covers (unless a purpose still in force holds
    /// the same copy), or, for a recipient that keeps what it received (`on_withdrawal: mark`),
    /// replace each copy of a live record with the same resource labelled withdrawn; then drop
    /// the notice.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn sync_withdrawal(
        &self,
        item: &OutboxItem,
        d: &ConsentDirective,
        person: &Person,
        recipient: &str,
        options: &SyncOptions,
        client: &mut Client<'_>,
        report: &mut SyncReport,
    ) -> Result<()> {
        let mode = self
            .operator_profile()?
            .recipient(recipient)
            .map_or(OnWithdrawal::Delete, |r| r.on_withdrawal);
        let covered = self.store().read(|c| {
            let rows =
                state::remotes_covered(c, &d.subject_id, recipient, &d.categories, &d.purposes)?;
            let mut out = vec![];
            for r in rows {
                let others = state::remotes_of_record(c, recipient, &r.record_id)?
                    .into_iter()
                    .any(|o| !d.purposes.contains(&o.purpose));
                out.push((r, others));
            }
            Ok(out)
        })?;
        let origin = self.sync_origin()?;
        let now = self.now();
        let mut unfinished = false;
        for chunk in covered.chunks(options.batch_size.max(1)) {
            // Records to mark must still be live here; a deleted or erased one is deleted there.
            let live: HashMap<String, Record> = match mode {
                OnWithdrawal::Mark => {
                    let ids: Vec<String> = chunk.iter().map(|(r, _)| r.record_id.clone()).collect();
                    self.store()
                        .read(|c| records_repo::load_many(c, &ids))?
                        .into_iter()
                        .filter(|r| r.meta.deleted_utc.is_none())
                        .map(|r| (r.meta.id.clone(), r))
                        .collect()
                }
                OnWithdrawal::Delete => HashMap::new(),
            };
            let mut requests: Vec<Value> = vec![];
            let mut plans: Vec<Option<Withdrawing>> = Vec::with_capacity(chunk.len());
            for (r, others) in chunk {
                if *others {
                    plans.push(None);
                    continue;
                }
                plans.push(Some(match live.get(&r.record_id) {
                    Some(record) => {
                        let res = resources_for(person, record, now, &origin);
                        for x in &res {
                            let mut body = x.body.clone();
                            label_withdrawn(&mut body);
                            requests.push(put(&x.address(), &body));
                        }
                        Withdrawing::Mark(res.iter().map(|x| x.address()).collect())
                    }
                    None => {
                        for a in &r.resources {
                            requests.push(delete(a));
                        }
                        Withdrawing::Delete(r.resources.len())
                    }
                }));
            }
            let statuses = if requests.is_empty() {
                vec![]
            } else {
                let n = requests.len();
                entry_statuses(&client.batch(&batch_bundle(requests))?, n)
            };
            self.store().write_as(&item.subject_id, |w| {
                let mut at = 0;
                for ((r, _), plan) in chunk.iter().zip(&plans) {
                    let Some(plan) = plan else {
                        state::forget(w.tx, recipient, &r.purpose, &r.record_id)?;
                        continue;
                    };
                    let (n, deleting) = match plan {
                        Withdrawing::Mark(addresses) => (addresses.len(), false),
                        Withdrawing::Delete(n) => (*n, true),
                    };
                    let s = &statuses[at..at + n];
                    at += n;
                    match (outcome_of(s, deleting), plan) {
                        (Outcome::Done, Withdrawing::Mark(addresses)) => {
                            state::mark_withdrawn(
                                w.tx,
                                recipient,
                                &r.purpose,
                                &r.record_id,
                                addresses,
                            )?;
                            report.marked += 1;
                        }
                        (Outcome::Done, Withdrawing::Delete(_)) => {
                            state::forget(w.tx, recipient, &r.purpose, &r.record_id)?;
                            report.deleted += 1;
                        }
                        (Outcome::Rejected(status), _) => {
                            unfinished = true;
                            report.rejected.push(RejectedItem {
                                record_id: r.record_id.clone(),
                                status,
                            });
                        }
                        (Outcome::Deferred, _) => {
                            unfinished = true;
                            report.deferred += 1;
                        }
                    }
                }
                Ok(())
            })?;
        }
        if !unfinished {
            self.store()
                .write_as(&item.subject_id, |w| state::delete_outbox(w.tx, &item.id))?;
            report.withdrawals += 1;
        }
        Ok(())
    }

    /// Delete the recipient's copies of records erased here (deletion on request reaches every
    /// place the record went). The `sync_remote` row is the state: it is forgotten only after
    /// the server confirmed the delete (404/410 count: already gone).
    pub(super) fn sync_erasures(
        &self,
        subject: &str,
        recipient: &str,
        options: &SyncOptions,
        client: &mut Client<'_>,
        report: &mut SyncReport,
    ) -> Result<()> {
        let orphans = self
            .store()
            .read(|c| state::orphans(c, subject, recipient))?;
        for chunk in orphans.chunks(options.batch_size.max(1)) {
            let requests: Vec<Value> = chunk
                .iter()
                .flat_map(|r| r.resources.iter().map(|a| delete(a)))
                .collect();
            let statuses = if requests.is_empty() {
                vec![]
            } else {
                let n = requests.len();
                entry_statuses(&client.batch(&batch_bundle(requests))?, n)
            };
            self.store().write_as(subject, |w| {
                let mut at = 0;
                for r in chunk {
                    let s = &statuses[at..at + r.resources.len()];
                    at += r.resources.len();
                    match outcome_of(s, true) {
                        Outcome::Done => {
                            state::forget(w.tx, recipient, &r.purpose, &r.record_id)?;
                            report.deleted += 1;
                        }
                        Outcome::Rejected(status) => report.rejected.push(RejectedItem {
                            record_id: r.record_id.clone(),
                            status,
                        }),
                        Outcome::Deferred => report.deferred += 1,
                    }
                }
                Ok(())
            })?;
        }
        Ok(())
    }
}
