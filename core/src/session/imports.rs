//! Imports of clinical files: the MHLW health-checkup XML (特定健診, hc08).

use super::Session;
use crate::access::Action;
use crate::checkup_xml;
use crate::error::{Error, Result};
use crate::file_format::{self, FileFormat};
use crate::records::{ClinicalInput, ImportReport, Provenance, Record};

impl Session {
    /// Import a health-checkup file into `subject`'s record as one checkup, through the same
    /// path as [`Session::add_record`] (authorisation, validation, one transaction, audit).
    ///
    /// `provenance` is [`Provenance::ImportedFile`] (a file the resident chose) or
    /// [`Provenance::Mynaportal`] (fetched from マイナポータル). The document's sex and birth
    /// date, when given, must agree with the subject's person record.
    pub fn import_checkup_xml(
        &self,
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
        self.authorize(subject, Action::Record)?;
        let imported = checkup_xml::parse(bytes)?;
        imported.check_person(&self.person(subject)?)?;
        let source = imported.source();
        self.add_record(
            subject,
            ClinicalInput::Checkup(imported.checkup),
            provenance,
            Some(&source),
        )
    }

    /// Import a file of either kind the core reads, told by its content
    /// ([`crate::file_format::detect`]): FHIR JSON through [`Session::import_fhir_with_progress`],
    /// a checkup XML through [`Session::import_checkup_xml`].
    pub fn import_file(
        &self,
        subject: &str,
        bytes: &[u8],
        provenance: Provenance,
        source: Option<&str>,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<FileImport> {
        match file_format::detect(bytes) {
            Some(FileFormat::FhirJson) => Ok(FileImport::Fhir(
                self.import_fhir_with_progress(subject, bytes, provenance, source, progress)?,
            )),
            Some(FileFormat::CheckupXml) => Ok(FileImport::Checkup(Box::new(
                self.import_checkup_xml(subject, bytes, provenance)?,
            ))),
            None => Err(Error::invalid(
                "file",
                "is neither FHIR R4 JSON nor a health-checkup XML (<ClinicalDocument>)",
            )),
        }
    }
}

/// What [`Session::import_file`] did.
#[derive(Debug, Clone)]
pub enum FileImport {
    /// A FHIR file: what became of every resource.
    Fhir(ImportReport),
    /// A checkup XML: the checkup record made of it.
    Checkup(Box<Record>),
}
