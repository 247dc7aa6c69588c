//! Dynamic consent on the Session: the operator profile, deciding and withdrawing, the state
//! and history, receipts, the outbox, and the release gate. The rules are in [`crate::consent`].

use super::Session;
use crate::access::Action;
use crate::audit::AuditAction;
use crate::consent::{
    self, ConsentDirective, ConsentReceipt, ConsentRequest, ConsentState, DataCategory, DecidedBy,
    OperatorProfile, OutboxItem, ReleasedRecords, repo,
};
use crate::error::{Error, Result};
use crate::records::{Record, Stamp};
use std::sync::Arc;

impl Session {
    /// Use `profile` (validated here) for every consent decision of this session.
    pub fn set_operator_profile(&self, profile: OperatorProfile) -> Result<()> {
        profile.validate()?;
        let mut slot = self.profile.write().unwrap_or_else(|p| p.into_inner());
        *slot = Some(Arc::new(profile));
        Ok(())
    }

    /// The operator profile in use.
    pub fn operator_profile(&self) -> Result<Arc<OperatorProfile>> {
        self.profile
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(|| Error::not_found("operator profile"))
    }

    /// Record a decision (permit or deny) for `subject`. A deny in force now also deletes the
    /// pending outbox items it covers and, if the recipient was ever permitted any of it,
    /// queues a withdrawal notice — all in the same transaction.
    pub fn set_consent(&self, subject: &str, request: ConsentRequest) -> Result<ConsentDirective> {
        let access = self.authorize(subject, Action::ManageConsent)?;
        let now = self.now();
        let profile = self.operator_profile()?;
        let req = consent::check_request(&profile, &request, now)?;
        self.write(&access, AuditAction::ConsentDecided, |w| {
            let by = DecidedBy {
                actor: access.actor(),
                delegation: access.delegation(),
            };
            let d = consent::record_decision(w.tx, subject, &req, by, now)?;
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
    /// `purpose` now. Needs the Share permission AND consent; audited with the released ids.
    pub fn release(
        &self,
        subject: &str,
        recipient: &str,
        purpose: &str,
        records: &[Record],
    ) -> Result<ReleasedRecords> {
        let access = self.authorize(subject, Action::Share)?;
        let profile = self.operator_profile()?;
        consent::check_target(&profile, recipient, purpose)?;
        let ids: Vec<String> = records.iter().map(|r| r.meta.id.clone()).collect();
        let ids = consent::dedup(&ids);
        let now = self.now();
        self.write(&access, AuditAction::RecordsReleased, |w| {
            let target = (recipient, purpose);
            let released = consent::release(w.tx, &profile, subject, target, &ids, now)?;
            let released_ids = released.ids();
            Ok((released, released_ids))
        })
    }

    /// Put records in the outbox for `recipient` and `purpose` (sync sends them later, through
    /// the gate again). Only records consent permits now are queued; returns how many.
    pub fn queue_for_release(
        &self,
        subject: &str,
        recipient: &str,
        purpose: &str,
        record_ids: &[String],
    ) -> Result<usize> {
        let access = self.authorize(subject, Action::Share)?;
        let profile = self.operator_profile()?;
        consent::check_target(&profile, recipient, purpose)?;
        let ids = consent::dedup(record_ids);
        let now = self.now();
        self.write(&access, AuditAction::RecordsQueued, |w| {
            let target = (recipient, purpose);
            let queued = consent::queue(w.tx, &profile, subject, target, &ids, now)?;
            Ok((queued.len(), queued))
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
        let history = self.store().read(|c| repo::all_for(c, access.subject()))?;
        ConsentReceipt::of(&profile, &history, directive_id, self.now())
    }
}
