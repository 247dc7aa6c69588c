//! `phr import FILE`: a dispatcher by content type. Today it takes the MHLW health-checkup XML
//! (特定健診, `<ClinicalDocument>`); a FHIR JSON branch is reserved for the FHIR import.

use super::Ctx;
use crate::output::{CliError, CliResult};
use clap::{Args, ValueEnum};
use phr_core::checkup_xml;
use phr_core::records::Provenance;
use std::path::PathBuf;

#[derive(Args)]
pub struct ImportArgs {
    /// The file to import (a health-checkup XML; detected by content, not by name).
    file: PathBuf,
    /// Where the file came from.
    #[arg(long, value_enum, default_value = "imported_file")]
    provenance: ImportProvenance,
}

#[derive(Clone, Copy, ValueEnum)]
enum ImportProvenance {
    /// A file the person chose (from a clinic, an insurer, a download).
    #[value(name = "imported_file", alias = "imported-file")]
    ImportedFile,
    /// Fetched from マイナポータル.
    Mynaportal,
}

impl From<ImportProvenance> for Provenance {
    fn from(p: ImportProvenance) -> Self {
        match p {
            ImportProvenance::ImportedFile => Provenance::ImportedFile,
            ImportProvenance::Mynaportal => Provenance::Mynaportal,
        }
    }
}

/// What a file holds, judged from its first bytes.
#[derive(Debug, PartialEq, Eq)]
enum Content {
    CheckupXml,
    FhirJson,
}

fn detect(bytes: &[u8]) -> CliResult<Content> {
    if checkup_xml::looks_like_checkup_xml(bytes) {
        return Ok(Content::CheckupXml);
    }
    let start = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    if start.trim_ascii_start().first() == Some(&b'{') {
        return Ok(Content::FhirJson);
    }
    Err(CliError::Usage(
        "unrecognised file: expected a health-checkup XML (<ClinicalDocument>)".into(),
    ))
}

pub fn run(ctx: &Ctx, args: ImportArgs) -> CliResult {
    let size = std::fs::metadata(&args.file)?.len();
    if size > checkup_xml::MAX_FILE_BYTES as u64 {
        return Err(phr_core::Error::invalid("document", "is larger than 10 MB").into());
    }
    let bytes = std::fs::read(&args.file)?;
    match detect(&bytes)? {
        Content::CheckupXml => import_checkup(ctx, &bytes, args.provenance.into()),
        Content::FhirJson => Err(CliError::Usage(
            "FHIR import not yet available: `phr import` takes health-checkup XML files for now"
                .into(),
        )),
    }
}

fn import_checkup(ctx: &Ctx, bytes: &[u8], provenance: Provenance) -> CliResult {
    // Parse before unlocking: a malformed file is refused without touching the store.
    let parsed = checkup_xml::parse(bytes)?;
    let o = ctx.open()?;
    let record = o
        .session
        .import_checkup_xml(&o.actor, &o.subject, bytes, provenance)?;
    let h = &parsed.header;
    println!("imported checkup {}", record.meta.id);
    println!("  document date:    {}", h.document_date);
    println!("  checkup date:     {}", parsed.checkup.date);
    println!(
        "  institution code: {}",
        h.institution_code.as_deref().unwrap_or("(none)")
    );
    println!(
        "  {} results imported{}",
        parsed.checkup.results.len(),
        match parsed.not_done {
            0 => String::new(),
            n => format!(" (skipped: {n} without a value)"),
        }
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_content() {
        assert_eq!(
            detect(b"<?xml version=\"1.0\"?>\n<ClinicalDocument xmlns=\"urn:hl7-org:v3\"/>").ok(),
            Some(Content::CheckupXml)
        );
        assert_eq!(
            detect(b"\xef\xbb\xbf  {\"resourceType\":\"Bundle\"}").ok(),
            Some(Content::FhirJson)
        );
        assert!(detect(b"name,value\n").is_err());
    }
}
