//! Dynamic consent on the Session: the operator profile, deciding and withdrawing, the state
//! and history, receipts, the outbox, and the release gate. The rules are in [`crate::consent`].

use super::Session;
use crate::access::{Access, Action};
use crate::audit::AuditAction;
use crate::consent::{
    self, ConsentDirective, ConsentReceipt, ConsentRequest, ConsentState, DataCategory, DecidedBy,
    InstalledProfile, OperatorProfile, OutboxItem, Reconsent, ReleasedRecords, repo,
};
use crate::error::{Error, Result};
use crate::provision::{self, Channel};
use crate::records::{Record, Stamp};
use std::sync::Arc;

impl Session {
    /// Install `profile` (validated here) in the store as the profile in force, for this and
    /// every later session. The same profile as the one in force is not a new version; a new
    /// version whose purposes, recipients or notice changed marks the permits it affects
    /// "needs re-consent" ([`Session::reconsent_needed`]): the gate withholds what they cover
    /// until the resident decides again (GUIDELINE.md S-09). Returns the version in force.
    pub fn set_operator_profile(&self, profile: OperatorProfile) -> Result<i64> {
        profile.validate()?;
        let now = self.now().utc_seconds;
        let installed = self
            .store()
            .write_as("device", |w| consent::install_profile(w.tx, &profile, now))?;
        let version = installed.version;
        {
            let mut slot = self.profile.write().unwrap_or_else(|p| p.into_inner());
            *slot = Some(Arc::new(installed));
        }
        // A period the new version sets or shortens applies at once (best effort: the profile
        // is installed either way, and what is not erased now is at the next unlock).
        let _ = self.apply_retention();
        Ok(version)
    }

    /// The operator profile in force (installed in the store).
    pub fn operator_profile(&self) -> Result<Arc<OperatorProfile>> {
        self.installed_profile()
            .map(|p| Arc::new(p.profile.clone()))
            .ok_or_else(|| Error::not_found("operator profile"))
    }

    /// The profile in force with its version, if one is installed.
    pub(crate) fn installed_profile(&self) -> Option<Arc<InstalledProfile>> {
        self.profile
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn profile_in_force(&self) -> Result<Arc<InstalledProfile>> {
        self.installed_profile()
            .ok_or_else(|| Error::not_found("operator profile"))
    }

    /// The permits of `subject` a newer profile version asks the resident to decide again,
    /// with what changed (codes a UI words: `notice`, `purpose.<code>.<field>`, …).
    pub fn reconsent_needed(&self, subject: &str) -> Result<Vec<Reconsent>> {
        let access = self.authorize(subject, Action::View)?;
        let now = self.now().utc_seconds;
        let Some(installed) = self.installed_profile() else {
            return Ok(vec![]);
        };
        self.store()
            .read(|c| consent::pending_reconsent(c, &installed.profile, access.subject(), now))
    }

    /// Record a decision (permit or deny) for `subject`. When it is in force now it takes
    /// effect in the same transaction: a deny deletes the pending outbox items it covers and, if
    /// the recipient was ever permitted any of it, queues a withdrawal notice; a permit queues
    /// the existing records it covers. One dated later takes effect at the first sync after its
    /// start.
    pub fn set_consent(&self, subject: &str, request: ConsentRequest) -> Result<ConsentDirective> {
        let access = self.authorize(subject, Action::ManageConsent)?;
        let now = self.now();
        let installed = self.profile_in_force()?;
        let profile = &installed.profile;
        let req = consent::check_request(profile, &request, now)?;
        self.write(&access, AuditAction::ConsentDecided, |w| {
            let by = DecidedBy {
                actor: access.actor(),
                delegation: access.delegation(),
            };
            let d = consent::record_decision(w.tx, profile, subject, &req, by, now)?;
            let ids = vec![d.id.clone()];
            Ok((d, ids))
        })
    }

    /// Withdraw consent from now on: a new deny directive (history is never edited).
    pub fn withdraw(
        &self,
        subject: &str,
        recipient: &str,
        categories: &[DataCategory],
        purposes: &[&str],
    ) -> Result<ConsentDirective> {
        let request = ConsentRequest::deny(recipient, categories, purposes);
        self.set_consent(subject, request)
    }

    /// What is shared with whom, for what, right now: toggles a UI can draw.
    pub fn consent_state(&self, subject: &str) -> Result<ConsentState> {
        let access = self.authorize(subject, Action::View)?;
        let profile = self.operator_profile()?;
        let history = self.store().read(|c| repo::all_for(c, access.subject()))?;
        Ok(ConsentState::build(&profile, &history, subject, self.now()))
    }

    /// Every decision about `subject`, oldest first.
    pub fn consent_history(&self, subject: &str) -> Result<Vec<ConsentDirective>> {
        let access = self.authorize(subject, Action::View)?;
        self.store().read(|c| repo::all_for(c, access.subject()))
    }

    /// Whether `subject`'s consent lets `recipient` receive `category` for `purpose` at `at`
    /// (the profile must offer it and the newest applicable directive must permit it).
    pub fn is_permitted(
        &self,
        subject: &str,
        recipient: &str,
        category: DataCategory,
        purpose: &str,
        at: Stamp,
    ) -> Result<bool> {
        let profile = self.operator_profile()?;
        let history = self.store().read(|c| repo::all_for(c, subject))?;
        let at = at.utc_seconds;
        Ok(consent::offered(&profile, recipient, category, purpose)
            && consent::is_permitted(&history, subject, recipient, category, purpose, at))
    }

    /// The release gate: the stored versions of `records` that `recipient` may receive for
    /// `purpose` now, with their originals and the subject's released details. Needs the Share
    /// permission AND consent; audited with the released ids.
    pub fn release(
        &self,
        subject: &str,
        recipient: &str,
        purpose: &str,
        records: &[Record],
    ) -> Result<ReleasedRecords> {
        let access = self.authorize(subject, Action::Share)?;
        let ids: Vec<String> = records.iter().map(|r| r.meta.id.clone()).collect();
        self.release_ids(&access, (recipient, purpose), &ids, Some(Channel::File))
    }

    /// The gate over stored record ids, for an authorised `access` (Share): one transaction,
    /// audited as `records_released` with the ids let through. What is handed to the caller
    /// (`handed_out`) is a provision, logged in the same transaction; sync logs its own when
    /// the server confirms.
    pub(crate) fn release_ids(
        &self,
        access: &Access,
        (recipient, purpose): (&str, &str),
        ids: &[String],
        handed_out: Option<Channel>,
    ) -> Result<ReleasedRecords> {
        let installed = self.profile_in_force()?;
        let profile = &installed.profile;
        consent::check_target(profile, recipient, purpose)?;
        let ids = consent::dedup(ids);
        let now = self.now();
        let subject = access.subject();
        self.write(access, AuditAction::RecordsReleased, |w| {
            let target = (recipient, purpose);
            let released = consent::release(w.tx, profile, subject, target, &ids, now)?;
            if let Some(channel) = handed_out {
                let provided = provision::Provided::records(&released, access.actor(), channel);
                provision::record(w.tx, profile, provided, now)?;
            }
            let released_ids = released.ids();
            Ok((released, released_ids))
        })
    }

    /// Items of `subject` waiting to leave the device.
    pub fn pending_outbox(&self, subject: &str) -> Result<Vec<OutboxItem>> {
        let access = self.authorize(subject, Action::Share)?;
        self.store().read(|c| consent::pending(c, access.subject()))
    }

    /// The receipt of one decision: JSON, Japanese and English text, FHIR `Consent`.
    pub fn consent_receipt(&self, subject: &str, directive_id: &str) -> Result<ConsentReceipt> {
        let access = self.authorize(subject, Action::View)?;
        let profile = self.operator_profile()?;
        let (history, kept) = self.store().read(|c| {
            let history = repo::all_for(c, access.subject())?;
            let kept = history
                .iter()
                .find(|d| d.id == directive_id)
                .map(|d| crate::sync::history_kept_by(c, &d.recipient))
                .transpose()?
                .unwrap_or(true);
            Ok((history, kept))
        })?;
        ConsentReceipt::of(&profile, &history, directive_id, self.now(), kept)
    }
}
