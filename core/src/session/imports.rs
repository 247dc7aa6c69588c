//! Imports of clinical files: the MHLW health-checkup XML (特定健診, hc08).

use super::Session;
use crate::access::Action;
use crate::checkup_xml;
use crate::error::{Error, Result};
use crate::records::{ClinicalInput, Provenance, Record, Sex};

/// The element the person check names when the document is about someone else.
const PATIENT_PATH: &str = "ClinicalDocument/recordTarget/patientRole/patient";

impl Session {
    /// Import a health-checkup file into `subject`'s record as one checkup, through the same
    /// path as [`Session::add_record`] (authorisation, validation, one transaction, audit).
    ///
    /// `provenance` is [`Provenance::ImportedFile`] (a file the resident chose) or
    /// [`Provenance::Mynaportal`] (fetched from マイナポータル). The document's sex and birth
    /// date, when given, must agree with the subject's person record.
    pub fn import_checkup_xml(
        &self,
        actor: &str,
        subject: &str,
        bytes: &[u8],
        provenance: Provenance,
    ) -> Result<Record> {
        if !matches!(
            provenance,
            Provenance::ImportedFile | Provenance::Mynaportal
        ) {
            return Err(Error::invalid(
                "provenance",
                "must be imported_file or mynaportal",
            ));
        }
        // Authorise before reading the person: a refused actor learns nothing about them.
        self.authorize(actor, subject, Action::Record)?;
        let imported = checkup_xml::parse(bytes)?;
        let person = self.person(subject)?;
        let h = &imported.header;
        let sex_differs = match (h.sex, person.details.sex) {
            (Some(doc), Sex::Male | Sex::Female) => doc != person.details.sex,
            _ => false,
        };
        let birth_differs = h.birth_date.is_some_and(|b| b != person.details.birth_date);
        if sex_differs || birth_differs {
            return Err(Error::invalid(
                PATIENT_PATH,
                "sex or birth date does not match this person's record",
            ));
        }
        let source = match &h.document_id {
            Some(id) => format!("hc08:{id}"),
            None => "hc08".to_owned(),
        };
        let source: String = source.chars().take(200).collect();
        self.add_record(
            actor,
            subject,
            ClinicalInput::Checkup(imported.checkup),
            provenance,
            Some(&source),
        )
    }
}
