//! The resident's rights across the FFI (issue #20 items 2–3): the provision log, and the
//! requests — disclosure, correction, stop of provision, erasure — each one call, recorded
//! with its outcome by the core. The operator's details are `operator_profile().about`.

use crate::error::Result;
use crate::session::PhrSession;
use phr_core::ClinicalInput;
use phr_core::provision::{self, Provision};
use phr_core::requests::{Correction, ResidentRequest};
use phr_core::session::Disclosure;

#[uniffi::export]
impl PhrSession {
    /// Every provision of `subject`'s data (what left, to whom, for what, under which consent),
    /// oldest first. Kept after the data is erased.
    pub fn provision_log(&self, subject: String) -> Result<Vec<Provision>> {
        Ok(self.session().provision_log(&subject)?)
    }

    /// The provision log as CSV text (one line per provision), to save or share.
    pub fn provision_log_csv(&self, subject: String) -> Result<String> {
        Ok(provision::to_csv(&self.session().provision_log(&subject)?))
    }

    /// 開示: the whole record and the provision log written to the new folder `dir`.
    pub fn request_disclosure(&self, subject: String, dir: String) -> Result<Disclosure> {
        Ok(self
            .session()
            .request_disclosure(&subject, std::path::Path::new(&dir))?)
    }

    /// 訂正 by a note beside record `id` (the way to correct an official result).
    pub fn request_correction_note(
        &self,
        subject: String,
        id: String,
        text: String,
    ) -> Result<ResidentRequest> {
        Ok(self
            .session()
            .request_correction(&subject, &id, Correction::Note(text))?)
    }

    /// 訂正 of a record the resident entered: what it should say.
    pub fn request_correction(
        &self,
        subject: String,
        id: String,
        input: ClinicalInput,
    ) -> Result<ResidentRequest> {
        Ok(self
            .session()
            .request_correction(&subject, &id, Correction::Replace(input))?)
    }

    /// 第三者提供の停止: nothing more goes to `recipient`; its copies go at the next sync.
    pub fn request_stop_of_provision(
        &self,
        subject: String,
        recipient: String,
    ) -> Result<ResidentRequest> {
        Ok(self
            .session()
            .request_stop_of_provision(&subject, &recipient)?)
    }

    /// 消去 of record `id`, or of every record of `subject` (`None`).
    pub fn request_erasure(&self, subject: String, id: Option<String>) -> Result<ResidentRequest> {
        Ok(self.session().request_erasure(&subject, id.as_deref())?)
    }

    /// The requests of `subject` and their outcomes, oldest first.
    pub fn resident_requests(&self, subject: String) -> Result<Vec<ResidentRequest>> {
        Ok(self.session().resident_requests(&subject)?)
    }

    /// The record of request `request_id` as a JSON file's text for the operator.
    pub fn request_for_operator(&self, subject: String, request_id: String) -> Result<String> {
        Ok(self.session().request_for_operator(&subject, &request_id)?)
    }
}

/// A patient summary made for a recipient (the IPS document as JSON text).
#[derive(Debug, Clone, uniffi::Record)]
pub struct SummaryShareView {
    /// The one-off permit's id: `end_summary_share` with it ends the share early.
    pub directive_id: String,
    pub recipient: String,
    pub purpose: String,
    /// When the permit ends by itself.
    pub until: phr_core::records::Stamp,
    /// Records the gate released into the summary.
    pub records: u64,
    /// The International Patient Summary: a FHIR R4 Bundle of type `document`, JSON.
    pub document_json: String,
}

#[uniffi::export]
impl PhrSession {
    /// A patient summary of `subject` for `recipient` until `until`, under a one-off permit
    /// for `categories` (which must include demographics).
    pub fn share_summary(
        &self,
        subject: String,
        recipient: String,
        categories: Vec<phr_core::consent::DataCategory>,
        until: phr_core::records::Stamp,
    ) -> Result<SummaryShareView> {
        let s = self
            .session()
            .share_summary(&subject, &recipient, &categories, until)?;
        Ok(SummaryShareView {
            directive_id: s.directive.id.clone(),
            recipient: s.directive.recipient.clone(),
            purpose: s.purpose.clone(),
            until,
            records: s.records as u64,
            document_json: s.document.to_string(),
        })
    }

    /// End a summary share before its date (a withdrawal of its permit).
    pub fn end_summary_share(&self, subject: String, directive_id: String) -> Result<()> {
        self.session().end_summary_share(&subject, &directive_id)?;
        Ok(())
    }
}
