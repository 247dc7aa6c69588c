//! The Session's sync operations: authorize, then hand the work to [`crate::sync`], with what
//! it needs from the session (the clock, the audited release gate, the importer) as a
//! [`sync::Host`].

use super::Session;
use crate::access::{Access, Action};
use crate::consent::{Recipient, ReleasedRecords};
use crate::error::{Error, Result};
use crate::records::{Provenance, Record, Stamp, persons};
use crate::sync::{self, SyncOptions, SyncProgress, SyncReport, Transport};

pub(crate) use crate::sync::Locks as SyncLocks;

impl Session {
    /// Sync `subject`'s outbox for `recipient` with the recipient's FHIR server, then pull what
    /// the server holds for the subject since the last sync (docs/SYNC.md).
    ///
    /// Needs the Share permission. The server is `options.server_url` or the recipient's
    /// `fhir_endpoint`; it must be HTTPS (plain HTTP only to loopback with
    /// `allow_insecure_loopback`), checked before any connection. Errors a UI acts on:
    /// `Offline` (retry later; nothing is lost), `AuthRequired`, `ServerRejected`.
    pub fn sync(
        &self,
        subject: &str,
        recipient: &str,
        options: &SyncOptions,
        progress: &dyn SyncProgress,
    ) -> Result<SyncReport> {
        let access = self.authorize(subject, Action::Share)?;
        let target = sync::recipient(&*self.operator_profile()?, recipient)?;
        let base = sync::base_for(&target, options)?;
        let mut http = sync::HttpTransport::new(base, options)?;
        self.sync_as(&access, &target, options, progress, &mut http)
    }

    /// [`Session::sync`] over another transport (the in-memory FHIR server of the tests); the
    /// server URL is the transport's business.
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
        let target = sync::recipient(&*self.operator_profile()?, recipient)?;
        self.sync_as(&access, &target, options, progress, transport)
    }

    fn sync_as(
        &self,
        access: &Access,
        target: &Recipient,
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
            recipient: target,
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

    fn release(
        &self,
        recipient: &str,
        purpose: &str,
        records: &[Record],
    ) -> Result<ReleasedRecords> {
        self.session
            .release(self.access.subject(), recipient, purpose, records)
    }

    fn import(
        &self,
        bundle: &[u8],
        provenance: Provenance,
        source: &str,
    ) -> Result<sync::Imported> {
        let subject = self.access.subject();
        let r = self
            .session
            .import_fhir(subject, bundle, provenance, Some(source))?;
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
            records,
        })
    }
}
