//! Imports of clinical files: the MHLW health-checkup XML (特定健診, hc08).

use super::Session;
use crate::access::Action;
use crate::audit::AuditAction;
use crate::checkup_xml;
use crate::error::{Error, Result};
use crate::file_format::{self, FileFormat};
use crate::records::{
    CheckupImport, ClinicalInput, DocumentOutcome, ImportReport, Provenance, document,
};

impl Session {
    /// Import a health-checkup file into `subject`'s record as one checkup (authorisation, the
    /// validation of every write, one transaction, audit). The same document imported again
    /// (the same document id, else the same bytes), or a checkup with the same content already
    /// held, adds nothing: the result says so ([`DocumentOutcome::AlreadyHeld`]) and names the
    /// record held. The same document id with other content updates the record it made
    /// (history kept).
    ///
    /// `provenance` is [`Provenance::ImportedFile`] (a file the resident chose) or
    /// [`Provenance::Mynaportal`] (fetched from マイナポータル). The document's sex and birth
    /// date, when given, must agree with the subject's person record.
    pub fn import_checkup_xml(
        &self,
        subject: &str,
        bytes: &[u8],
        provenance: Provenance,
    ) -> Result<CheckupImport> {
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
        let access = self.authorize(subject, Action::Record)?;
        let imported = checkup_xml::parse(bytes)?;
        imported.check_person(&self.person(subject)?)?;
        let source = Some(imported.source());
        // The same document (its id, else its bytes) is the same record.
        let key = match &imported.header.document_id {
            Some(id) => format!("hc08 id {id}").into_bytes(),
            None => [b"hc08 bytes ".as_slice(), bytes].concat(),
        };
        let id = document::document_record_id(access.subject(), &key);
        let check = self.validation();
        let (body, effective) = check.prepare(ClinicalInput::Checkup(imported.checkup))?;
        // The same document with the same content: said so, the read audited, nothing written.
        let held = self
            .store()
            .read(|c| document::held(c, access.subject(), &id, &body))?
            .filter(|r| r.body == body || r.meta.deleted_utc.is_some());
        if let Some(record) = held {
            let ids = vec![record.meta.id.clone()];
            return self.read_audited(
                &access,
                AuditAction::RecordsListed,
                |_| {
                    Ok(CheckupImport {
                        record,
                        outcome: DocumentOutcome::AlreadyHeld,
                    })
                },
                |_| ids,
            );
        }
        self.write(&access, AuditAction::RecordWritten, |w| {
            let done = document::add_document_record(
                w.tx,
                access.subject(),
                id,
                body,
                effective,
                provenance,
                source,
                check.now,
            )?;
            let ids = vec![done.record.meta.id.clone()];
            Ok((done, ids))
        })
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
    /// A checkup XML: the checkup record made of it (or already held).
    Checkup(Box<CheckupImport>),
}
