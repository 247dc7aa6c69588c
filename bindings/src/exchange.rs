//! FHIR export (whole record, or what consent releases for a recipient and purpose) and
//! imports (FHIR R4 JSON, the MHLW health-checkup XML) across the FFI.

use crate::error::{PhrError, Result};
use crate::progress::{ProgressListener, teller};
use crate::session::PhrSession;
use phr_core::FhirJson;
use phr_core::records::{Provenance, Record};
use std::io::Write;
use std::sync::Arc;

/// What an export wrote.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ExportSummary {
    /// Resources in the Bundle (Patient, records, Provenance).
    pub resources: u64,
    pub bytes: u64,
}

/// One resource of an import and what became of it (no values: path, type, reason).
#[derive(Debug, Clone, uniffi::Record)]
pub struct ImportedItem {
    /// JSON path in the input (`entry[3].resource`).
    pub path: String,
    pub resource_type: String,
    pub record_id: Option<String>,
    pub reason: Option<String>,
}

/// What an import did; every resource of the input is in exactly one list (or is a line of an
/// imported checkup).
#[derive(Debug, Clone, uniffi::Record)]
pub struct ImportSummary {
    pub imported: Vec<ImportedItem>,
    pub updated: Vec<ImportedItem>,
    pub skipped: Vec<ImportedItem>,
    pub documents: Vec<ImportedItem>,
    pub checkup_lines: u64,
    pub derived: u64,
}

fn items(list: Vec<phr_core::ImportedResource>) -> Vec<ImportedItem> {
    list.into_iter()
        .map(|r| ImportedItem {
            path: r.path,
            resource_type: r.resource_type,
            record_id: r.record_id,
            reason: r.reason,
        })
        .collect()
}

impl From<phr_core::ImportReport> for ImportSummary {
    fn from(r: phr_core::ImportReport) -> Self {
        ImportSummary {
            imported: items(r.imported),
            updated: items(r.updated),
            skipped: items(r.skipped),
            documents: items(r.documents),
            checkup_lines: r.checkup_lines as u64,
            derived: r.derived as u64,
        }
    }
}

/// What an import of a file of either kind did ([`PhrSession::import_file`]).
#[derive(Debug, Clone, uniffi::Enum)]
// Lowered into a buffer across the FFI at once: a box would buy nothing.
#[allow(clippy::large_enum_variant)]
pub enum FileImportSummary {
    /// A FHIR R4 JSON file: what became of every resource.
    Fhir { summary: ImportSummary },
    /// A health-checkup XML file: the checkup record made of it (or already held: importing the
    /// same document again adds nothing).
    Checkup { record: Record },
}

#[uniffi::export]
impl PhrSession {
    /// The record as a FHIR R4 (JP Core) Bundle, JSON text. With `recipient` and `purpose`,
    /// only what consent releases to them now (the release is audited); without, the whole
    /// record (needs the Share permission: it is leaving the device).
    pub fn export_fhir_json(
        &self,
        subject: String,
        recipient: Option<String>,
        purpose: Option<String>,
    ) -> Result<String> {
        let exported = self.export(&subject, recipient, purpose)?;
        // The core writes JSON text; it is valid UTF-8 by construction.
        String::from_utf8(exported.json).map_err(|_| PhrError::InvalidInput {
            field: "bundle".into(),
            reason: "could not be serialised".into(),
        })
    }

    /// The same Bundle written to `path`, a NEW file (an existing file is never overwritten),
    /// for the share sheet. A failed write leaves no partial file.
    pub fn export_fhir_file(
        &self,
        subject: String,
        recipient: Option<String>,
        purpose: Option<String>,
        path: String,
    ) -> Result<ExportSummary> {
        let exported = self.export(&subject, recipient, purpose)?;
        let (bytes, resources) = (exported.json, exported.resources as u64);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        // Health data: readable by the app's own user only.
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => PhrError::AlreadyExists {
                what: "export file".into(),
            },
            _ => PhrError::from(phr_core::Error::from(e)),
        })?;
        let written = (|| {
            let mut w = std::io::BufWriter::new(file);
            w.write_all(&bytes)?;
            w.into_inner().map_err(|e| e.into_error())?.sync_all()
        })();
        if let Err(e) = written {
            let _ = std::fs::remove_file(&path);
            return Err(phr_core::Error::from(e).into());
        }
        Ok(ExportSummary {
            resources,
            bytes: bytes.len() as u64,
        })
    }

    /// Import FHIR R4 JSON (a Bundle of any type, or one resource): one transaction, all or
    /// nothing; a malformed input names its JSON path. `listener` hears resources written.
    pub fn import_fhir(
        &self,
        subject: String,
        json: Vec<u8>,
        provenance: Provenance,
        source: Option<String>,
        listener: Option<Arc<dyn ProgressListener>>,
    ) -> Result<ImportSummary> {
        let tell = teller(&listener);
        Ok(self
            .session()
            .import_fhir_with_progress(&subject, &json, provenance, source.as_deref(), &tell)?
            .into())
    }

    /// Import a file the person picked, whichever of the two formats it is (the core tells
    /// FHIR JSON from checkup XML by its content, not its name). `listener` hears FHIR progress.
    pub fn import_file(
        &self,
        subject: String,
        bytes: Vec<u8>,
        provenance: Provenance,
        source: Option<String>,
        listener: Option<Arc<dyn ProgressListener>>,
    ) -> Result<FileImportSummary> {
        let tell = teller(&listener);
        let done =
            self.session()
                .import_file(&subject, &bytes, provenance, source.as_deref(), &tell)?;
        Ok(match done {
            phr_core::FileImport::Fhir(report) => FileImportSummary::Fhir {
                summary: report.into(),
            },
            phr_core::FileImport::Checkup(done) => FileImportSummary::Checkup {
                record: done.record,
            },
        })
    }

    /// Import one MHLW standard health-checkup XML file (特定健診, HL7 CDA R2) as a checkup; the
    /// same document imported again returns the checkup already held.
    pub fn import_checkup_xml(
        &self,
        subject: String,
        xml: Vec<u8>,
        provenance: Provenance,
    ) -> Result<Record> {
        Ok(self
            .session()
            .import_checkup_xml(&subject, &xml, provenance)?
            .record)
    }

    /// FHIR resources kept as documents for `subject` (types the record does not model), by
    /// resource type with their counts.
    pub fn fhir_document_counts(&self, subject: String) -> Result<Vec<DocumentCount>> {
        Ok(self
            .session()
            .fhir_documents(&subject)?
            .into_iter()
            .map(|(resource_type, count)| DocumentCount {
                resource_type,
                count: count as u64,
            })
            .collect())
    }
}

/// How many resources of one type are kept as documents.
#[derive(Debug, Clone, uniffi::Record)]
pub struct DocumentCount {
    pub resource_type: String,
    pub count: u64,
}

impl PhrSession {
    fn export(
        &self,
        subject: &str,
        recipient: Option<String>,
        purpose: Option<String>,
    ) -> Result<FhirJson> {
        let s = self.session();
        let at = s.now();
        Ok(match (recipient, purpose) {
            (None, None) => s.export_fhir_json(subject, at)?,
            (Some(r), Some(p)) => s.export_fhir_for_json(subject, &r, &p, at)?,
            _ => {
                return Err(PhrError::InvalidInput {
                    field: "purpose".into(),
                    reason: "a recipient and a purpose go together".into(),
                });
            }
        })
    }
}
