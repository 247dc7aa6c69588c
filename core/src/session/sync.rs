//! The Session's sync operations: authorize, then hand the work to [`crate::sync`], with what
//! it needs from the session (the clock, the audited release gate, the importer) as a
//! [`sync::Host`].

use super::Session;
use crate::access::{Access, Action};
use crate::consent::{
    OperatorProfile, Recipient, ReleasedContributions, ReleasedRecords, ReleasedStepTotals,
};
use crate::error::{Error, Result};
use crate::records::{Stamp, persons};
use crate::sync::{self, SyncOptions, SyncProgress, SyncReport, Transport};

pub(crate) use crate::sync::Locks as SyncLocks;

impl Session {
    /// Sync `subject`'s outbox for `recipient` with the recipient's FHIR server, then pull what
    /// the server holds for the subject since the last sync (docs/SYNC.md).
    ///
    /// Needs the Share permission. The server is the recipient's `fhir_endpoint` in the
    /// operator profile in force (HTTPS); only a test server on loopback may replace it
    /// (`options.server_url`, plain HTTP with `allow_insecure_loopback`), checked before any
    /// connection. Errors a UI acts on: `Offline` (retry later; nothing is lost),
    /// `AuthRequired`, `ServerRejected`, `ServerMisbehaved`.
    pub fn sync(
        &self,
        subject: &str,
        recipient: &str,
        options: &SyncOptions,
        progress: &dyn SyncProgress,
    ) -> Result<SyncReport> {
        let access = self.authorize(subject, Action::Share)?;
        let profile = self.operator_profile()?;
        let target = sync::recipient(&profile, recipient)?;
        let base = sync::base_for(&target, options)?;
        let origin = sync::origin_of(&base);
        let mut http = sync::HttpTransport::new(base, options)?;
        let to = (&*profile, &target, origin.as_str());
        self.sync_as(&access, to, options, progress, &mut http)
    }

    /// [`Session::sync`] over another transport (the in-memory FHIR server of the tests); the
    /// server URL is the transport's business, the origin tokens are bound to is the one
    /// [`Session::sync`] would use.
    #[cfg(feature = "test-hooks")]
    pub fn sync_over(
        &self,
        subject: &str,
        recipient: &str,
        options: &SyncOptions,
        progress: &dyn SyncProgress,
        transport: &mut dyn Transport,
    ) -> Result<SyncReport> {
        let access = self.authorize(subject, Action::Share)?;
        let profile = self.operator_profile()?;
        let target = sync::recipient(&profile, recipient)?;
        let origin = sync::base_for(&target, options).map_or_else(
            |_| "urn:phr-core:test-transport".to_owned(),
            |b| sync::origin_of(&b),
        );
        let to = (&*profile, &target, origin.as_str());
        self.sync_as(&access, to, options, progress, transport)
    }

    fn sync_as(
        &self,
        access: &Access,
        (profile, target, origin): (&OperatorProfile, &Recipient, &str),
        options: &SyncOptions,
        progress: &dyn SyncProgress,
        transport: &mut dyn Transport,
    ) -> Result<SyncReport> {
        let person = self.store().read(|c| {
            persons::get(c, access.subject())?.ok_or_else(|| Error::not_found("person"))
        })?;
        let host = Host {
            session: self,
            access,
        };
        let job = sync::Job {
            store: self.store(),
            host: &host,
            actor: access.actor(),
            person: &person,
            profile,
            recipient: target,
            origin,
            options,
            progress,
        };
        self.syncs
            .one_at_a_time(access.subject(), &target.id, || sync::run(&job, transport))
    }

    /// Forget the token kept for `recipient`'s server (signing out of that platform). Only the
    /// device owner: the token is the device's account, not a subject's record.
    pub fn forget_sync_token(&self, recipient: &str) -> Result<bool> {
        let actor = self.actor()?;
        // Signing the device out of a platform: the device owner's decision.
        self.authorize(&actor, Action::ManageStore)?;
        sync::forget_token(self.store(), &actor, recipient)
    }
}

/// The session as sync sees it: the actor's clock, gate and importer for the subject.
struct Host<'a> {
    session: &'a Session,
    access: &'a Access,
}

impl sync::Host for Host<'_> {
    fn now(&self) -> Stamp {
        self.session.now()
    }

    fn release(&self, recipient: &str, purpose: &str, ids: &[String]) -> Result<ReleasedRecords> {
        self.session
            .release_ids(self.access, (recipient, purpose), ids, None)
    }

    fn step_totals(&self, recipient: &str) -> Result<Vec<ReleasedStepTotals>> {
        self.session.release_event_totals(self.access, recipient)
    }

    fn kpi_contributions(&self, recipient: &str) -> Result<Vec<ReleasedContributions>> {
        self.session
            .release_kpi_contributions(self.access, Some(recipient))
    }

    fn import(&self, bundle: &[u8], from: &sync::Pulled<'_>) -> Result<sync::Imported> {
        let again = self
            .session
            .authorize(self.access.subject(), Action::Record)?;
        let r = self.session.import_pulled(&again, bundle, from)?;
        let records = r
            .imported
            .iter()
            .chain(&r.updated)
            .filter_map(|x| Some((x.path.clone(), x.record_id.clone()?)))
            .collect();
        Ok(sync::Imported {
            new: r.imported.len() + r.documents.len(),
            updated: r.updated.len(),
            skipped: r.skipped.len(),
            conflicts: r.conflicts.len(),
            records,
        })
    }
}
