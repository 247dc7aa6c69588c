//! Offline-first sync with a recipient's FHIR R4 server (docs/SYNC.md).
//!
//! The outbox is the state: sync pushes what it holds for one recipient through the release
//! gate as FHIR `batch` Bundles of idempotent requests (PUT `Type/id` with the record's stable
//! id, DELETE `Type/id`), writes each confirmed outcome in a transaction AFTER the network call,
//! and pulls what the server holds for the subject since its cursors.
//!
//! Every rule is here: the plan of one call ([`run`]: decisions due, withdrawals, erasures,
//! the Patient, push, history removal, pull), the
//! state (`state`), the batches (`batch`), the client (retries, tokens) over a [`Transport`].
//! The session only authorizes and hands in what sync needs from it, as a [`Host`] (the clock,
//! the audited release gate, the importer), so `sync` never imports `session`. What leaves is
//! only ever what the gate released at send time: the records it judged, the originals of
//! those versions, the subject's details it let through.
//!
//! Shape of every step: read or write locally (short transactions), THEN the network call with
//! no transaction open, THEN the outcome in a new transaction. An item leaves the outbox only
//! after the server confirmed it, so a crash anywhere resends at most.

mod batch;
mod client;
mod derived;
mod endpoint;
mod erase;
mod expunge;
#[cfg(any(test, feature = "test-hooks"))]
pub mod fake;
mod http;
pub(crate) mod importer;
mod kpi_contributions;
mod lock;
mod options;
mod patient;
mod pull;
mod push;
pub(crate) mod resources;
pub(crate) mod state;
mod step_totals;
mod transport;
mod withdraw;

pub use http::HttpTransport;
pub use options::{
    NoProgress, RejectedItem, StaticToken, SyncOptions, SyncPhase, SyncProgress, SyncReport,
    TokenProvider,
};
pub use transport::{Method, Request, Response, Transport, Unreachable};

pub(crate) use endpoint::{base_for, checked_base, origin_of, recipient};
pub(crate) use lock::Locks;

use crate::consent::{
    self, OperatorProfile, OutboxItem, OutboxKind, Recipient, RecipientKind, ReleasedContributions,
    ReleasedRecords, ReleasedStepTotals,
};
use crate::error::{Error, Result};
use crate::records::{Person, Provenance, Stamp};
use crate::store::Store;
use client::Client;
use std::collections::{HashMap, HashSet};

/// What sync needs from the session it runs in, handed in so this module never imports it.
pub(crate) trait Host {
    /// Now, in the session's zone.
    fn now(&self) -> Stamp;
    /// The release gate (audited): what of the stored records `ids` and of the subject
    /// `recipient` may receive for `purpose` now, judged in one snapshot.
    fn release(&self, recipient: &str, purpose: &str, ids: &[String]) -> Result<ReleasedRecords>;
    /// The release gate for walking events (audited): the daily step totals of each event
    /// `recipient` organises that the subject is in, judged now.
    fn step_totals(&self, recipient: &str) -> Result<Vec<ReleasedStepTotals>>;
    /// The release gate for KPI contributions (audited): the subject's contributions to each
    /// KPI `recipient` receives, judged now.
    fn kpi_contributions(&self, recipient: &str) -> Result<Vec<ReleasedContributions>>;
    /// Import a pulled `collection` Bundle through the FHIR importer (one transaction, audited).
    fn import(&self, bundle: &[u8], from: &Pulled<'_>) -> Result<Imported>;
}

/// Where pulled resources come from, for the importer.
pub(crate) struct Pulled<'a> {
    pub provenance: Provenance,
    /// The recipient's name (the records' `source`).
    pub source: &'a str,
    /// The recipient id: what came from it is never queued back to it.
    pub recipient: &'a str,
    /// Records a pulled resource may update: those earlier pulls from this recipient made.
    /// A match with any other record (entered here, or from another source) is a conflict,
    /// kept beside it as a document.
    pub updatable: &'a HashSet<String>,
}

/// What an import of pulled resources did, as sync counts it.
#[derive(Debug, Default)]
pub(crate) struct Imported {
    /// New records and kept documents.
    pub new: usize,
    /// Records a server change updated.
    pub updated: usize,
    pub skipped: usize,
    /// Resources that would have overwritten a record they may not update (kept as documents).
    pub conflicts: usize,
    /// The record each imported or updated resource became, by its path in the Bundle
    /// (`entry[3].resource`).
    pub records: HashMap<String, String>,
}

/// One sync call: whose record, with whom, how.
pub(crate) struct Job<'a> {
    pub store: &'a Store,
    pub host: &'a dyn Host,
    /// Who syncs (authorized by the session for `Share` on the subject).
    pub actor: &'a str,
    pub person: &'a Person,
    /// The operator profile in force.
    pub profile: &'a OperatorProfile,
    /// The recipient's entry in the operator profile.
    pub recipient: &'a Recipient,
    /// `scheme://host[:port]` of the server: the token is the one kept for it only.
    pub origin: &'a str,
    pub options: &'a SyncOptions,
    pub progress: &'a dyn SyncProgress,
}

/// A sync call in progress: the job, the client, the report so far.
struct Run<'j, 't> {
    job: &'j Job<'j>,
    client: Client<'t>,
    report: SyncReport,
    origin: Option<String>,
    /// Addresses this call deleted at the server (their history is removed next, if it can be).
    gone: Vec<String>,
    /// The events' daily totals the gate released for this call (sent after the records).
    totals: Vec<ReleasedStepTotals>,
}

/// Sync `job` over `transport`: the decisions due take effect, then withdrawals, erasures, the
/// Patient, the push, the history of what was deleted, and (if asked) the pull. The token the
/// server accepted is kept even when a later step fails.
pub(crate) fn run(job: &Job<'_>, transport: &mut dyn Transport) -> Result<SyncReport> {
    let (recipient, subject) = (job.recipient.id.as_str(), job.person.id.as_str());
    let now = job.host.now().utc_seconds;
    job.store.write_as(job.actor, |w| {
        consent::apply_due(w.tx, job.profile, subject, now)
    })?;
    let stored = job.store.read(|c| state::token(c, recipient, job.origin))?;
    let mut run = Run {
        job,
        client: Client::new(transport, (recipient, job.origin), job.options, stored),
        report: SyncReport::default(),
        origin: None,
        gone: vec![],
        totals: vec![],
    };
    let result = run
        .push_all()
        .and_then(|()| run.expunge())
        .and_then(|()| if job.options.pull { run.pull() } else { Ok(()) });
    run.report.requests = run.client.requests;
    run.report.retries = run.client.retries;
    run.keep_accepted_token()?;
    result?;
    run.report.remaining = pending_for(job.store, subject, recipient)?.len();
    Ok(run.report)
}

/// Where pulled records come from, by the kind of recipient that held them.
fn provenance_of(kind: RecipientKind) -> Provenance {
    match kind {
        RecipientKind::MedicalInstitution => Provenance::Clinic,
        _ => Provenance::ImportedFile,
    }
}

fn pending_for(store: &Store, subject: &str, recipient: &str) -> Result<Vec<OutboxItem>> {
    let all = store.read(|c| consent::pending(c, subject))?;
    Ok(all
        .into_iter()
        .filter(|i| i.recipient == recipient)
        .collect())
}

impl Run<'_, '_> {
    fn recipient(&self) -> &str {
        &self.job.recipient.id
    }

    fn subject(&self) -> &str {
        &self.job.person.id
    }

    /// This store's origin tag for what sync pushes (made on the first sync that needs it).
    fn origin(&mut self) -> Result<String> {
        if let Some(o) = &self.origin {
            return Ok(o.clone());
        }
        let store = self.job.store;
        let o = match store.read(state::origin)? {
            Some(o) => o,
            None => store.write_as("device", |w| state::make_origin(w.tx))?,
        };
        self.origin = Some(o.clone());
        Ok(o)
    }

    /// Withdrawals, then erasures, then the Patient, then the outbox's records in chunks of
    /// `batch_size`, then the walking events' daily totals, then the KPI contributions.
    fn push_all(&mut self) -> Result<()> {
        let (subject, recipient) = (self.subject().to_owned(), self.recipient().to_owned());
        let pending = pending_for(self.job.store, &subject, &recipient)?;
        let (withdrawals, records): (Vec<OutboxItem>, Vec<OutboxItem>) = pending
            .into_iter()
            .partition(|i| i.kind == OutboxKind::Withdrawal);
        // Withdrawals first: a record item still pending for what was withdrawn was queued
        // after the withdrawal (withdrawing purged the older ones), so it must go after it.
        if !withdrawals.is_empty() {
            let history = self
                .job
                .store
                .read(|c| consent::repo::all_for(c, &subject))?;
            let total = withdrawals.len();
            for (n, w) in withdrawals.iter().enumerate() {
                let d = history
                    .iter()
                    .find(|d| Some(&d.id) == w.directive_id.as_ref())
                    .ok_or(Error::CorruptStore {
                        reason: "a withdrawal names no directive",
                    })?;
                self.withdrawal(w, d, &history)?;
                self.job
                    .progress
                    .progress(SyncPhase::Withdrawals, n + 1, total);
            }
        }
        self.erasures()?;
        self.release_totals()?;
        self.patient()?;
        let total = records.len();
        let batch = self.job.options.batch_size.max(1);
        for (n, chunk) in records.chunks(batch).enumerate() {
            self.push_chunk(chunk)?;
            let done = (n * batch + chunk.len()).min(total);
            self.job.progress.progress(SyncPhase::Push, done, total);
        }
        self.push_totals()?;
        self.push_contributions()
    }

    /// Keep the token the server accepted (encrypted in the store, like everything), for this
    /// recipient at this origin only, so the next sync works without asking the app; a
    /// refreshed token replaces the old one.
    fn keep_accepted_token(&self) -> Result<()> {
        let Some(token) = self.client.accepted_token() else {
            return Ok(());
        };
        let now = self.job.host.now().utc_seconds;
        let at = (self.recipient(), self.job.origin);
        self.job.store.write_as(self.recipient(), |w| {
            state::keep_token(w.tx, at, token, now)
        })
    }
}

/// Whether `recipient`'s server keeps a history copy of what a withdrawal deleted (for the
/// consent receipt): true unless it is known to offer `$expunge`.
pub(crate) fn history_kept_by(conn: &rusqlite::Connection, recipient: &str) -> Result<bool> {
    state::history_kept(conn, recipient)
}

/// Forget the token kept for `recipient`'s server (signing out of that platform).
pub(crate) fn forget_token(store: &Store, actor: &str, recipient: &str) -> Result<bool> {
    store.write_as(actor, |w| state::forget_token(w.tx, recipient))
}
