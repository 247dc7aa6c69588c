//! Exporting a subject's whole record as FHIR R4 (JP Core). The mapping itself is
//! [`crate::fhir::bundle_for`]; this file reads the records and audits the export.

use super::Session;
use crate::access::Action;
use crate::audit::AuditAction;
use crate::error::{Error, Result};
use crate::fhir::bundle_for;
use crate::records::{Stamp, all_live, persons};

impl Session {
    /// `subject`'s whole record as a FHIR R4 `collection` Bundle stamped `at`.
    ///
    /// The person and every live record are read in ONE snapshot; the export is audited as
    /// `records_exported` naming every record id. This is the person's own copy (their right of
    /// access): a release to a recipient goes through the consent gate instead.
    pub fn export_fhir(&self, actor: &str, subject: &str, at: Stamp) -> Result<serde_json::Value> {
        let access = self.authorize(actor, subject, Action::View)?;
        let (person, records) = self.read_audited(
            &access,
            AuditAction::RecordsExported,
            |c| {
                let person =
                    persons::get(c, access.subject())?.ok_or_else(|| Error::not_found("person"))?;
                Ok((person, all_live(c, access.subject())?))
            },
            |(_, records)| records.iter().map(|r| r.meta.id.clone()).collect(),
        )?;
        Ok(bundle_for(&person, &records, at))
    }
}
