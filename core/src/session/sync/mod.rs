//! `Session::sync`: push the outbox of one recipient through the release gate, propagate
//! withdrawals, pull what the server holds. Blocking, resumable, idempotent (docs/SYNC.md).
//!
//! Shape of every step: read or write locally (short transactions), THEN the network call with
//! no transaction open, THEN the outcome in a new transaction. The outbox is the state: an item
//! leaves it only after the server confirmed it, so a crash anywhere resends at most.

mod batch;
mod deletes;
mod pull;
mod push;

use super::Session;
use crate::access::Action;
use crate::consent::RecipientKind;
use crate::consent::{self, OutboxItem, OutboxKind, repo};
use crate::error::{Error, Result};
use crate::records::{Person, Provenance, persons};
use crate::sync::state;
use crate::sync::{
    Client, HttpTransport, SyncOptions, SyncPhase, SyncProgress, SyncReport, checked_base,
};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// (subject, recipient).
type SyncKey = (String, String);

/// A lock per subject × recipient, made on first use.
#[derive(Default)]
pub(crate) struct SyncLocks(Mutex<HashMap<SyncKey, Arc<Mutex<()>>>>);

impl SyncLocks {
    fn of(&self, subject: &str, recipient: &str) -> Arc<Mutex<()>> {
        let mut all = self.0.lock().unwrap_or_else(|p| p.into_inner());
        all.entry((subject.to_owned(), recipient.to_owned()))
            .or_default()
            .clone()
    }
}

impl Session {
    /// Sync `subject`'s outbox for `recipient` with the recipient's FHIR server, then pull what
    /// the server holds for the subject since the last sync.
    ///
    /// Needs the Share permission. The server is `options.server_url` or the recipient's
    /// `fhir_endpoint`; it must be HTTPS (plain HTTP only to loopback with
    /// `allow_insecure_loopback`), checked before any connection. Errors a UI acts on:
    /// `Offline` (retry later; nothing is lost), `AuthRequired`, `ServerRejected`.
    pub fn sync(
        &self,
        actor: &str,
        subject: &str,
        recipient: &str,
        options: &SyncOptions,
        progress: &dyn SyncProgress,
    ) -> Result<SyncReport> {
        let access = self.authorize(actor, subject, Action::Share)?;
        // A second sync of the same subject and recipient waits for the first, then finds
        // only what is left (a poisoned lock is fine: the state is in the database).
        let lock = self.syncs.of(subject, recipient);
        let _one_at_a_time = lock.lock().unwrap_or_else(|p| p.into_inner());
        let profile = self.operator_profile()?;
        let target = profile
            .recipient(recipient)
            .ok_or_else(|| Error::invalid("recipient", "is not a recipient of this operator"))?
            .clone();
        let url = options
            .server_url
            .clone()
            .or(target.fhir_endpoint.clone())
            .ok_or_else(|| Error::invalid("server_url", "the recipient has no FHIR endpoint"))?;
        let base = checked_base(&url, options.allow_insecure_loopback)?;
        let stored = self.store().read(|c| state::token(c, recipient))?;
        let mut http = HttpTransport::new(base, options)?;
        let mut client = Client::new(&mut http, recipient, options, stored);
        let person = self.store().read(|c| {
            persons::get(c, access.subject())?.ok_or_else(|| Error::not_found("person"))
        })?;
        let mut report = SyncReport::default();
        let result = self.sync_with(
            actor,
            &person,
            recipient,
            options,
            progress,
            &mut client,
            &mut report,
        );
        report.requests = client.requests;
        report.retries = client.retries;
        if let Err(e) = result {
            // A token the server accepted before the failure (a refreshed one, say) is kept.
            self.keep_accepted_token(recipient, &client)?;
            return Err(e);
        }
        if options.pull {
            let provenance = match target.kind {
                RecipientKind::MedicalInstitution => Provenance::Clinic,
                _ => Provenance::ImportedFile,
            };
            let pulled = self.pull(
                actor,
                &person,
                recipient,
                &target.name,
                provenance,
                progress,
                &mut client,
                &mut report,
            );
            report.requests = client.requests;
            report.retries = client.retries;
            if let Err(e) = pulled {
                self.keep_accepted_token(recipient, &client)?;
                return Err(e);
            }
        }
        self.keep_accepted_token(recipient, &client)?;
        report.remaining = self.pending_for(subject, recipient)?.len();
        Ok(report)
    }

    /// This store's origin tag for what sync pushes (made on the first sync).
    fn sync_origin(&self) -> Result<String> {
        match self.store().read(state::origin)? {
            Some(o) => Ok(o),
            None => self
                .store()
                .write_as("device", |w| state::make_origin(w.tx)),
        }
    }

    /// Keep the token the server accepted (encrypted in the store, like everything), so the
    /// next sync works without asking the app; a refreshed token replaces the old one.
    fn keep_accepted_token(&self, recipient: &str, client: &Client<'_>) -> Result<()> {
        let Some(token) = client.accepted_token() else {
            return Ok(());
        };
        let now = self.now().utc_seconds;
        self.store().write_as(recipient, |w| {
            state::keep_token(w.tx, recipient, token, now)
        })
    }

    /// Forget the token kept for `recipient`'s server (signing out of that platform). Only the
    /// device owner: the token is the device's account, not a subject's record.
    pub fn forget_sync_token(&self, actor: &str, recipient: &str) -> Result<bool> {
        let owner = self
            .owner()?
            .ok_or_else(|| Error::not_found("device owner"))?;
        if owner.id != actor {
            return Err(Error::NotPermitted {
                action: Action::Share.as_str().into(),
            });
        }
        self.store()
            .write_as(actor, |w| state::forget_token(w.tx, recipient))
    }

    fn pending_for(&self, subject: &str, recipient: &str) -> Result<Vec<OutboxItem>> {
        let all = self.store().read(|c| consent::pending(c, subject))?;
        Ok(all
            .into_iter()
            .filter(|i| i.recipient == recipient)
            .collect())
    }

    #[allow(clippy::too_many_arguments)]
    fn sync_with(
        &self,
        actor: &str,
        person: &Person,
        recipient: &str,
        options: &SyncOptions,
        progress: &dyn SyncProgress,
        client: &mut Client<'_>,
        report: &mut SyncReport,
    ) -> Result<()> {
        let subject = person.id.as_str();
        let pending = self.pending_for(subject, recipient)?;
        let (withdrawals, records): (Vec<OutboxItem>, Vec<OutboxItem>) = pending
            .into_iter()
            .partition(|i| i.kind == OutboxKind::Withdrawal);
        // Withdrawals first: a record item still pending for what was withdrawn was queued
        // after the withdrawal (withdrawing purged the older ones), so it must go after it.
        if !withdrawals.is_empty() {
            let history = self.store().read(|c| repo::all_for(c, subject))?;
            let total = withdrawals.len();
            for (n, w) in withdrawals.iter().enumerate() {
                let d = history
                    .iter()
                    .find(|d| Some(&d.id) == w.directive_id.as_ref())
                    .ok_or(Error::CorruptStore {
                        reason: "a withdrawal names no directive",
                    })?;
                self.sync_withdrawal(w, d, person, recipient, options, client, report)?;
                progress.progress(SyncPhase::Withdrawals, n + 1, total);
            }
        }
        self.sync_erasures(subject, recipient, options, client, report)?;
        let total = records.len();
        let batch = options.batch_size.max(1);
        for (n, chunk) in records.chunks(batch).enumerate() {
            self.push_chunk(actor, person, recipient, chunk, client, report)?;
            progress.progress(SyncPhase::Push, (n * batch + chunk.len()).min(total), total);
        }
        Ok(())
    }
}
