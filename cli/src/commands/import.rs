//! `phr import FILE`: bring a file into the record of `--for` (default: you). The kind of file
//! is told by its content, not its name: FHIR R4 JSON (a Bundle or one resource) is imported
//! here; a health-checkup XML (`<ClinicalDocument`, MHLW CDA) is dispatched to its own importer.
//! Every rule is in phr-core; this file reads the file, shows progress and prints the report.

use super::Ctx;
use crate::output::{CliError, CliResult};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use phr_core::records::Provenance;
use phr_core::{ImportReport, ImportedResource};
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct ImportArgs {
    /// FHIR R4 JSON (Bundle or single resource).
    file: PathBuf,
}

/// What a file is, from its first bytes.
#[derive(Debug, PartialEq, Eq)]
enum Kind {
    FhirJson,
    CheckupXml,
    Unknown,
}

fn detect(bytes: &[u8]) -> Kind {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = body.iter().position(|b| !b.is_ascii_whitespace());
    match start.map(|i| body[i]) {
        Some(b'{') => Kind::FhirJson,
        Some(b'<') => {
            let head = &body[..body.len().min(8192)];
            if head.windows(17).any(|w| w == b"<ClinicalDocument") {
                Kind::CheckupXml
            } else {
                Kind::Unknown
            }
        }
        _ => Kind::Unknown,
    }
}

pub fn run(ctx: &Ctx, a: ImportArgs) -> CliResult {
    let bytes = std::fs::read(&a.file)?;
    match detect(&bytes) {
        Kind::FhirJson => fhir(ctx, &a.file, &bytes),
        Kind::CheckupXml => Err(CliError::Usage(
            "checkup XML import arrives with its own change".into(),
        )),
        Kind::Unknown => Err(CliError::Usage(format!(
            "{} is neither FHIR JSON nor a health-checkup XML file",
            a.file.display()
        ))),
    }
}

fn fhir(ctx: &Ctx, file: &Path, bytes: &[u8]) -> CliResult {
    let o = ctx.open()?;
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message("importing");
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned());
    let report = o.session.import_fhir_with_progress(
        &o.actor,
        &o.subject,
        bytes,
        Provenance::ImportedFile,
        name.as_deref(),
        &|done, total| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        },
    );
    bar.finish_and_clear();
    print_report(&report?);
    Ok(())
}

fn lines(what: &str, list: &[ImportedResource]) {
    for r in list {
        println!(
            "  {what} {} ({}): {}",
            r.path,
            r.resource_type,
            r.reason.as_deref().unwrap_or("")
        );
    }
}

fn print_report(r: &ImportReport) {
    println!(
        "imported {}, updated {}, skipped {}, kept as documents {} (checkup lines {}, derived {})",
        r.imported.len(),
        r.updated.len(),
        r.skipped.len(),
        r.documents.len(),
        r.checkup_lines,
        r.derived
    );
    lines("skipped", &r.skipped);
    lines("kept", &r.documents);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kind_of_file_is_told_by_its_content() {
        assert_eq!(
            detect(b"\xEF\xBB\xBF  {\"resourceType\":\"Bundle\"}"),
            Kind::FhirJson
        );
        assert_eq!(
            detect(b"<?xml version=\"1.0\"?>\n<ClinicalDocument xmlns=\"urn:hl7-org:v3\">"),
            Kind::CheckupXml
        );
        assert_eq!(detect(b"<html>"), Kind::Unknown);
        assert_eq!(detect(b""), Kind::Unknown);
    }
}
