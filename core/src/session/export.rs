//! Exporting a subject's record as FHIR R4 (JP Core): the whole record (the person's own copy)
//! or what the consent gate releases to one recipient for one purpose. The mapping itself is
//! [`crate::fhir::bundle_with_originals`]; this file reads the records and audits the export.

use super::Session;
use crate::access::Action;
use crate::audit::AuditAction;
use crate::error::{Error, Result};
use crate::fhir::bundle_with_originals;
use crate::records::{Stamp, all_live, imported, persons};

impl Session {
    /// `subject`'s whole record as a FHIR R4 `collection` Bundle stamped `at`.
    ///
    /// The person and every live record are read in ONE snapshot; the export is audited as
    /// `records_exported` naming every record id. This is the person's own copy (their right of
    /// access): a release to a recipient goes through the consent gate instead
    /// ([`Session::export_fhir_for`]). Imported records go out as the JSON they came as.
    pub fn export_fhir(&self, actor: &str, subject: &str, at: Stamp) -> Result<serde_json::Value> {
        // The whole record leaving the device: a proxy needs `share`, not just `view`.
        let access = self.authorize(actor, subject, Action::Share)?;
        let (person, records, originals) = self.read_audited(
            &access,
            AuditAction::RecordsExported,
            |c| {
                let person =
                    persons::get(c, access.subject())?.ok_or_else(|| Error::not_found("person"))?;
                let originals = imported::originals(c, access.subject())?;
                Ok((person, all_live(c, access.subject())?, originals))
            },
            |(_, records, _)| records.iter().map(|r| r.meta.id.clone()).collect(),
        )?;
        Ok(bundle_with_originals(&person, &records, &originals, at))
    }

    /// What `recipient` may receive of `subject`'s record for `purpose`, as a FHIR R4 Bundle:
    /// every live record goes through the release gate ([`Session::release`], which audits the
    /// release as `records_released` with the ids let through) and only what it lets through
    /// is mapped. Withheld records are absent, and nothing refers to them.
    pub fn export_fhir_for(
        &self,
        actor: &str,
        subject: &str,
        recipient: &str,
        purpose: &str,
        at: Stamp,
    ) -> Result<serde_json::Value> {
        let access = self.authorize(actor, subject, Action::Share)?;
        let (person, records, mut originals) = self.store().read(|c| {
            let person =
                persons::get(c, access.subject())?.ok_or_else(|| Error::not_found("person"))?;
            let originals = imported::originals(c, access.subject())?;
            Ok((person, all_live(c, access.subject())?, originals))
        })?;
        let released = self.release(actor, subject, recipient, purpose, &records)?;
        let ids: std::collections::HashSet<&str> = released
            .permitted()
            .iter()
            .map(|r| r.meta.id.as_str())
            .collect();
        originals.retain(|id, _| ids.contains(id.as_str()));
        Ok(bundle_with_originals(
            &person,
            released.permitted(),
            &originals,
            at,
        ))
    }
}
