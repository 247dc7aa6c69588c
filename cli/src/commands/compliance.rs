//! `phr compliance`: the guideline self-check ([`phr_core::compliance`]), run now against fresh
//! temporary stores under the operator profile (`--profile`, else the embedded municipal
//! sample), as Markdown or JSON. Exits non-zero when an item FAILs (CI runs it).

use crate::output::{CliError, CliResult};
use clap::{Args, ValueEnum};
use phr_core::compliance::{self, Verdict};
use phr_core::consent::samples;
use std::path::PathBuf;

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    /// A table for people (docs/COMPLIANCE.md is this output).
    Md,
    /// Every finding, for a machine.
    Json,
}

#[derive(Args)]
pub struct ComplianceArgs {
    /// The operator profile to check (JSON); default: the embedded municipal sample.
    #[arg(long)]
    profile: Option<PathBuf>,
    /// How to write the report.
    #[arg(long, value_enum, default_value = "md")]
    format: Format,
    /// Language of the report: ja or en.
    #[arg(long, default_value = "ja")]
    lang: String,
    /// Write the report to this file (replaced if it exists) instead of the terminal.
    #[arg(long)]
    out: Option<PathBuf>,
}

pub fn run(a: ComplianceArgs) -> CliResult {
    let ja = crate::lang::Lang::parse(&a.lang, "the self-check")? == crate::lang::Lang::Ja;
    let profile = match &a.profile {
        Some(p) => super::about::read_profile(p)?,
        None => samples::municipality(),
    };
    let work = tempfile::Builder::new()
        .prefix("phr-compliance-")
        .tempdir()?;
    let report = compliance::run(work.path(), &profile)?;
    drop(work);
    let text = match a.format {
        Format::Md => report.to_markdown(ja),
        Format::Json => report.to_json(),
    };
    match &a.out {
        Some(path) => {
            std::fs::write(path, &text).map_err(crate::output::on_file(path, "write"))?;
            eprintln!("wrote the self-check to {}", path.display());
        }
        None => print!("{text}"),
    }
    let failed = report.count(Verdict::Fail);
    if failed > 0 {
        return Err(CliError::Usage(format!(
            "{failed} item(s) FAIL the self-check"
        )));
    }
    Ok(())
}
