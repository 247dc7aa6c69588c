//! Erasure reaching the recipient: the copies of records erased here (on the resident's
//! request) are deleted there. The `sync_remote` row is the state: it has no foreign key to
//! `record`, outlives the record, and is forgotten only after the server confirmed the delete
//! (404/410 count: already gone).

use super::batch::{Outcome, batch_bundle, delete, entry_statuses, outcome_of};
use super::state::{self, Remote};
use super::{RejectedItem, Run, SyncReport};
use crate::error::Result;
use rusqlite::Connection;
use serde_json::Value;

/// The answers, copy by copy: confirmed → forgotten; 4xx → reported; 5xx → left for the next
/// sync.
fn apply_outcomes(
    tx: &Connection,
    recipient: &str,
    chunk: &[Remote],
    statuses: &[u16],
    (report, gone): (&mut SyncReport, &mut Vec<String>),
) -> Result<()> {
    let mut at = 0;
    for r in chunk {
        let s = &statuses[at..at + r.resources.len()];
        at += r.resources.len();
        match outcome_of(s, true) {
            Outcome::Done => {
                state::forget(tx, recipient, &r.purpose, &r.record_id)?;
                gone.extend(r.resources.iter().cloned());
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
}

impl Run<'_, '_> {
    /// Delete, at the recipient, every copy whose record no longer exists here.
    pub(super) fn erasures(&mut self) -> Result<()> {
        let (store, recipient) = (self.job.store, self.job.recipient.id.as_str());
        let subject = self.job.person.id.as_str();
        let orphans = store.read(|c| state::orphans(c, subject, recipient))?;
        for chunk in orphans.chunks(self.job.options.batch_size.max(1)) {
            let requests: Vec<Value> = chunk
                .iter()
                .flat_map(|r| r.resources.iter().map(|a| delete(a)))
                .collect();
            let statuses = if requests.is_empty() {
                vec![]
            } else {
                let n = requests.len();
                entry_statuses(&self.client.batch(&batch_bundle(requests))?, n)
            };
            let out = (&mut self.report, &mut self.gone);
            store.write_as(subject, |w| {
                apply_outcomes(w.tx, recipient, chunk, &statuses, out)
            })?;
        }
        Ok(())
    }
}
