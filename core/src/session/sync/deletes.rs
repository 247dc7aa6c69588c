//! Deleting a recipient's copies: what a withdrawal covers, and what was erased here.

use super::batch::{Outcome, batch_bundle, delete, entry_statuses, outcome_of};
use crate::Session;
use crate::consent::{ConsentDirective, OutboxItem};
use crate::error::Result;
use crate::sync::state::{self, Remote};
use crate::sync::{Client, RejectedItem, SyncOptions, SyncReport};
use serde_json::Value;

impl Session {
    /// Delete the recipient's copies a withdrawal covers (unless a purpose still in force holds
    /// the same copy), then drop the notice.
    pub(super) fn sync_withdrawal(
        &self,
        item: &OutboxItem,
        d: &ConsentDirective,
        recipient: &str,
        options: &SyncOptions,
        client: &mut Client,
        report: &mut SyncReport,
    ) -> Result<()> {
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
        let mut unfinished = false;
        for chunk in covered.chunks(options.batch_size.max(1)) {
            let sending: Vec<&(Remote, bool)> = chunk.iter().filter(|(_, o)| !*o).collect();
            let requests: Vec<Value> = sending
                .iter()
                .flat_map(|(r, _)| r.resources.iter().map(|a| delete(a)))
                .collect();
            let statuses = if requests.is_empty() {
                vec![]
            } else {
                let n = requests.len();
                entry_statuses(&client.batch(&batch_bundle(requests))?, n)
            };
            self.store().write_as(&item.subject_id, |w| {
                let mut at = 0;
                for (r, others) in chunk {
                    if *others {
                        state::forget(w.tx, recipient, &r.purpose, &r.record_id)?;
                        continue;
                    }
                    let s = &statuses[at..at + r.resources.len()];
                    at += r.resources.len();
                    match outcome_of(s, true) {
                        Outcome::Done => {
                            state::forget(w.tx, recipient, &r.purpose, &r.record_id)?;
                            report.deleted += 1;
                        }
                        Outcome::Rejected(status) => {
                            unfinished = true;
                            report.rejected.push(RejectedItem {
                                record_id: r.record_id.clone(),
                                status,
                            });
                        }
                        Outcome::Deferred => {
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
        client: &mut Client,
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
