//! Dynamic consent across the FFI: the operator profile, the toggles with their history,
//! receipts and the outbox. Every decision and the default-deny gate are the core's.

use crate::error::Result;
use crate::session::PhrSession;
use phr_core::consent::{
    ConsentDirective, ConsentRequest, ConsentState, DataCategory, OperatorProfile, OutboxItem,
};

/// The receipt of one consent decision, as the app shows and shares it.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ConsentReceiptText {
    pub directive: ConsentDirective,
    /// ISO/IEC 29184 notice elements, as JSON text.
    pub json: String,
    pub text_ja: String,
    pub text_en: String,
    /// The FHIR R4 `Consent` resource, as JSON text.
    pub fhir_json: String,
}

#[uniffi::export]
impl PhrSession {
    /// Use the operator profile the municipality or provider publishes (JSON), after the core
    /// validated it (municipal restrictions, purposes with recipients and categories).
    pub fn set_operator_profile_json(&self, json: String) -> Result<()> {
        let profile = OperatorProfile::from_json(&json)?;
        Ok(self.session().set_operator_profile(profile)?)
    }

    /// The profile in use: recipients, purposes and notices for the consent screen.
    pub fn operator_profile(&self) -> Result<OperatorProfile> {
        Ok(self.session().operator_profile()?.as_ref().clone())
    }

    /// Every purpose × recipient × category toggle of `subject` now (default deny).
    pub fn consent_state(&self, subject: String) -> Result<ConsentState> {
        Ok(self.session().consent_state(&subject)?)
    }

    /// Every decision ever made, oldest first (the history under the toggles).
    pub fn consent_history(&self, subject: String) -> Result<Vec<ConsentDirective>> {
        Ok(self.session().consent_history(&subject)?)
    }

    /// Record a decision (permit or deny); returns the stored directive.
    pub fn set_consent(
        &self,
        subject: String,
        request: ConsentRequest,
    ) -> Result<ConsentDirective> {
        Ok(self.session().set_consent(&subject, request)?)
    }

    /// Withdraw consent for these categories and purposes (a deny from now on; copies the
    /// recipient holds are deleted at the next sync).
    pub fn withdraw(
        &self,
        subject: String,
        recipient: String,
        categories: Vec<DataCategory>,
        purposes: Vec<String>,
    ) -> Result<ConsentDirective> {
        let purposes: Vec<&str> = purposes.iter().map(String::as_str).collect();
        Ok(self
            .session()
            .withdraw(&subject, &recipient, &categories, &purposes)?)
    }

    /// Queue records for a recipient and purpose; only what consent permits now is queued.
    /// Returns how many were queued.
    pub fn queue_for_release(
        &self,
        subject: String,
        recipient: String,
        purpose: String,
        record_ids: Vec<String>,
    ) -> Result<u64> {
        Ok(self
            .session()
            .queue_for_release(&subject, &recipient, &purpose, &record_ids)? as u64)
    }

    /// What waits to leave the device (with the status a server last refused an item with).
    pub fn pending_outbox(&self, subject: String) -> Result<Vec<OutboxItem>> {
        Ok(self.session().pending_outbox(&subject)?)
    }

    /// The receipt of one decision: Japanese and English text, JSON, FHIR `Consent`.
    pub fn consent_receipt(
        &self,
        subject: String,
        directive_id: String,
    ) -> Result<ConsentReceiptText> {
        let r = self.session().consent_receipt(&subject, &directive_id)?;
        Ok(ConsentReceiptText {
            json: r.json.to_string(),
            text_ja: r.text_ja,
            text_en: r.text_en,
            fhir_json: r.fhir.to_string(),
            directive: r.directive,
        })
    }
}
