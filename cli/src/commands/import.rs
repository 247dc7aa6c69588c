//! `phr import FILE`: bring a file into the record of `--for` (default: you). The kind of file is
//! told by its content, not its name: FHIR R4 JSON (a Bundle or one resource) or the MHLW
//! health-checkup XML (特定健診, `<ClinicalDocument>`). Every rule is in phr-core; this file reads
//! the file, shows progress and prints the report.

use super::Ctx;
use crate::output::{CliError, CliResult, on_file};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use phr_core::checkup_xml;
use phr_core::file_format::{self, FileFormat};
use phr_core::records::{DocumentOutcome, Provenance};
use phr_core::{ImportReport, ImportedResource};
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct ImportArgs {
    /// The file to import: FHIR R4 JSON or a health-checkup XML (detected by content).
    file: PathBuf,
    /// Where the file came from.
    #[arg(long, value_enum, default_value = "imported_file")]
    provenance: ImportProvenance,
    /// Create the person the file is about from its Patient (names, birth date, sex, insurance
    /// numbers), known here as NICKNAME, and import the file into their record (FHIR only; on
    /// a new store they become its owner). `--for` does not apply.
    #[arg(long, value_name = "NICKNAME")]
    new_person: Option<String>,
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

/// What a file holds, judged by the core from its content.
fn detect(bytes: &[u8]) -> CliResult<FileFormat> {
    file_format::detect(bytes).ok_or_else(|| {
        CliError::Usage(
            "unrecognised file: expected FHIR R4 JSON or a health-checkup XML (<ClinicalDocument>)"
                .into(),
        )
    })
}

/// The file's bytes, its size checked first (metadata) and read through a bounded reader, so a
/// file too large to import is refused without being read.
fn read_capped(file: &Path) -> CliResult<Vec<u8>> {
    use std::io::Read;
    let max = phr_core::fhir::import::MAX_INPUT_BYTES.max(checkup_xml::MAX_FILE_BYTES);
    let too_large = || {
        CliError::Core(phr_core::Error::invalid(
            "file",
            format!(
                "is larger than {} MiB, the most one import takes; split it",
                max >> 20
            ),
        ))
    };
    let read = || on_file(file, "read");
    if std::fs::metadata(file).map_err(read())?.len() > max as u64 {
        return Err(too_large());
    }
    let mut bytes = vec![];
    std::fs::File::open(file)
        .map_err(read())?
        .take(max as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(read())?;
    if bytes.len() > max {
        return Err(too_large());
    }
    Ok(bytes)
}

pub fn run(ctx: &Ctx, args: ImportArgs) -> CliResult {
    let bytes = read_capped(&args.file)?;
    match detect(&bytes)? {
        FileFormat::CheckupXml => {
            if bytes.len() > checkup_xml::MAX_FILE_BYTES {
                return Err(phr_core::Error::invalid("document", "is larger than 10 MB").into());
            }
            import_checkup(ctx, &bytes, args.provenance.into())
        }
        FileFormat::FhirJson => match &args.new_person {
            Some(nick) => new_person(ctx, &args.file, &bytes, nick, args.provenance.into()),
            None => fhir(ctx, &args.file, &bytes, args.provenance.into()),
        },
    }
}

/// "reading…" until the core knows how many resources the file holds, then a bar of them (an
/// empty bar at 0/0 looked finished before anything had started).
fn progress_bar() -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{msg} {spinner}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.set_message("reading the file");
    bar
}

/// Move `bar` to `done` of `total`, switching to a bar once the total is known.
fn advance(bar: &ProgressBar, done: usize, total: usize) {
    if total == 0 {
        return;
    }
    if bar.length() != Some(total as u64) {
        bar.set_style(
            ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.set_message("importing");
        bar.set_length(total as u64);
    }
    bar.set_position(done as u64);
}

/// `--new-person NICK`: the person is made from the file's Patient in the import's transaction.
fn new_person(
    ctx: &Ctx,
    file: &Path,
    bytes: &[u8],
    nickname: &str,
    provenance: Provenance,
) -> CliResult {
    if ctx.subject.is_some() {
        return Err(CliError::Usage(
            "--new-person makes the subject from the file: leave out --for".into(),
        ));
    }
    // The owner adds persons (`--as` names who acts); on a store with no person yet the new
    // person becomes the owner.
    let session = ctx.unlock()?;
    let bar = progress_bar();
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned());
    let done = session.import_fhir_new_person(
        nickname,
        bytes,
        provenance,
        name.as_deref(),
        &|done, total| advance(&bar, done, total),
    );
    bar.finish_and_clear();
    let (person, report) = done?;
    println!(
        "added {} ({}{})",
        person.details.nickname,
        person.details.birth_date,
        if person.is_owner { ", owner" } else { "" }
    );
    print_report(&report);
    Ok(())
}

fn fhir(ctx: &Ctx, file: &Path, bytes: &[u8], provenance: Provenance) -> CliResult {
    let o = ctx.open()?;
    let bar = progress_bar();
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned());
    let report = o.session.import_fhir_with_progress(
        &o.subject,
        bytes,
        provenance,
        name.as_deref(),
        &|done, total| advance(&bar, done, total),
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

/// The counts add up to the resources read: each is in exactly one of them, except a value the
/// record model refused, which is skipped (naming the field) and kept as a document too.
fn print_report(r: &ImportReport) {
    let both = r
        .skipped
        .iter()
        .filter(|s| r.documents.iter().any(|d| d.path == s.path))
        .count();
    let read = r.imported.len()
        + r.updated.len()
        + r.skipped.len()
        + r.documents.len()
        + r.conflicts.len()
        + r.checkup_lines
        - both;
    println!(
        "{read} resource(s) read: imported {}, updated {}, skipped {}, kept as documents {}, \
         kept beside a record they may not change {}, result lines of imported checkups {}",
        r.imported.len(),
        r.updated.len(),
        r.skipped.len(),
        r.documents.len(),
        r.conflicts.len(),
        r.checkup_lines,
    );
    if both > 0 {
        println!("  ({both} with a refused value: skipped as a record, kept as a document)");
    }
    if r.derived > 0 {
        println!(
            "  and {} record(s) derived here (BMI from an imported weight)",
            r.derived
        );
    }
    lines("skipped", &r.skipped);
    lines("kept", &r.documents);
    lines("kept beside a record", &r.conflicts);
}

fn import_checkup(ctx: &Ctx, bytes: &[u8], provenance: Provenance) -> CliResult {
    // Parse before unlocking: a malformed file is refused without touching the store.
    let parsed = checkup_xml::parse(bytes)?;
    let o = ctx.open()?;
    let done = o
        .session
        .import_checkup_xml(&o.subject, bytes, provenance)?;
    if done.outcome == DocumentOutcome::AlreadyHeld {
        println!(
            "already imported: checkup {} holds this document; nothing added",
            done.record.meta.id
        );
        return Ok(());
    }
    let h = &parsed.header;
    let verb = match done.outcome {
        DocumentOutcome::Updated => "updated",
        _ => "imported",
    };
    println!("{verb} checkup {}", done.record.meta.id);
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
