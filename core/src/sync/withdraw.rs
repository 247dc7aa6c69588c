//! A recipient's copies after a withdrawal: deleted, or (for a recipient bound to retain what
//! it received, `on_withdrawal: mark`) kept and labelled withdrawn with a `PATCH` of their
//! `meta.security` only: no content is sent after consent was withdrawn.

use super::batch::{Outcome, batch_bundle, delete, entry_statuses, label_withdrawn, outcome_of};
use super::state::{self, Remote};
use super::{RejectedItem, Run, SyncReport};
use crate::consent::{self, ConsentDirective, OnWithdrawal, OperatorProfile, OutboxItem};
use crate::error::Result;
use rusqlite::{Connection, OptionalExtension};
use serde_json::Value;
use std::collections::HashSet;

/// What a withdrawal does to one copy.
enum Withdrawing {
    /// Another purpose still in force holds the same copy: only this purpose's row goes.
    Keep,
    /// Consent permits the copy again by now (a newer permit, or the deny has ended) and the
    /// record is still live: left as it is.
    Permitted,
    /// Label these addresses withdrawn.
    Mark(Vec<String>),
    /// DELETE these addresses.
    Delete(Vec<String>),
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

/// Records of `chunk` still live here: only those are labelled (mark mode) or left as they are
/// when consent permits them again; a deleted or erased one is deleted there (the deny purged
/// the outbox item that would have deleted it).
fn live_records(conn: &Connection, chunk: &[(Remote, bool)]) -> Result<HashSet<String>> {
    let mut stmt =
        conn.prepare_cached("SELECT 1 FROM record WHERE id = ?1 AND deleted_utc IS NULL")?;
    let mut live = HashSet::new();
    for (r, _) in chunk {
        if stmt
            .query_row([&r.record_id], |_| Ok(()))
            .optional()?
            .is_some()
        {
            live.insert(r.record_id.clone());
        }
    }
    Ok(live)
}

/// What a copy's cell (category, purpose) is now: permitted again, or withdrawn.
struct Now<'a> {
    profile: &'a OperatorProfile,
    history: &'a [ConsentDirective],
    at: i64,
}

impl Now<'_> {
    fn permits(&self, d: &ConsentDirective, r: &Remote) -> bool {
        let Some(category) = r.category else {
            return false;
        };
        consent::offered(self.profile, &d.recipient, category, &r.purpose)
            && consent::is_permitted(
                self.history,
                &d.subject_id,
                &d.recipient,
                category,
                &r.purpose,
                self.at,
            )
    }
}

/// Each covered copy's fate, and the batch requests in that order.
fn plan(
    chunk: &[(Remote, bool)],
    d: &ConsentDirective,
    live: &HashSet<String>,
    mode: OnWithdrawal,
    now: &Now<'_>,
) -> (Vec<Withdrawing>, Vec<Value>) {
    let mut requests = vec![];
    let mut plans = Vec::with_capacity(chunk.len());
    for (r, others) in chunk {
        if now.permits(d, r) && live.contains(&r.record_id) {
            plans.push(Withdrawing::Permitted);
            continue;
        }
        if *others {
            plans.push(Withdrawing::Keep);
            continue;
        }
        let addresses = r.resources.clone();
        plans.push(match mode {
            OnWithdrawal::Mark if live.contains(&r.record_id) => {
                requests.extend(addresses.iter().map(|a| label_withdrawn(a)));
                Withdrawing::Mark(addresses)
            }
            _ => {
                requests.extend(addresses.iter().map(|a| delete(a)));
                Withdrawing::Delete(addresses)
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
    (report, gone): (&mut SyncReport, &mut Vec<String>),
) -> Result<bool> {
    let mut settled = true;
    let mut at = 0;
    for ((r, _), plan) in chunk.iter().zip(plans) {
        let addresses = match plan {
            Withdrawing::Keep => {
                state::forget(tx, recipient, &r.purpose, &r.record_id)?;
                continue;
            }
            Withdrawing::Permitted => continue,
            Withdrawing::Mark(a) | Withdrawing::Delete(a) => a,
        };
        let s = &statuses[at..at + addresses.len()];
        at += addresses.len();
        // A copy already gone there is as good as labelled or deleted.
        match (outcome_of(s, true), plan) {
            (Outcome::Done, Withdrawing::Mark(addresses)) => {
                state::mark_withdrawn(tx, recipient, &r.purpose, &r.record_id, addresses)?;
                report.marked += 1;
            }
            (Outcome::Done, _) => {
                state::forget(tx, recipient, &r.purpose, &r.record_id)?;
                gone.extend(addresses.iter().cloned());
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
    /// unless a purpose still in force holds the same copy or consent permits it again, or
    /// label them withdrawn for a recipient that keeps what it received; the notice leaves the
    /// outbox when every covered copy is settled.
    pub(super) fn withdrawal(
        &mut self,
        item: &OutboxItem,
        d: &ConsentDirective,
        history: &[ConsentDirective],
    ) -> Result<()> {
        let (store, recipient) = (self.job.store, self.job.recipient.id.as_str());
        let mode = self.job.recipient.on_withdrawal;
        let covered = store.read(|c| covered(c, recipient, d))?;
        let now = Now {
            profile: self.job.profile,
            history,
            at: self.job.host.now().utc_seconds,
        };
        let mut settled = true;
        for chunk in covered.chunks(self.job.options.batch_size.max(1)) {
            let live = store.read(|c| live_records(c, chunk))?;
            let (plans, requests) = plan(chunk, d, &live, mode, &now);
            let statuses = if requests.is_empty() {
                vec![]
            } else {
                let n = requests.len();
                entry_statuses(&self.client.batch(&batch_bundle(requests))?, n)
            };
            let out = (&mut self.report, &mut self.gone);
            settled &= store.write_as(&item.subject_id, |w| {
                apply_outcomes(w.tx, recipient, chunk, &plans, &statuses, out)
            })?;
        }
        if settled {
            store.write_as(&item.subject_id, |w| state::delete_outbox(w.tx, &item.id))?;
            self.report.withdrawals += 1;
        }
        Ok(())
    }
}
