//! `phr export --format fhir --out FILE [--recipient ID --purpose P]`: the whole record of the
//! subject (`--for`, default the acting person) as a FHIR R4 (JP Core) Bundle, or only what the
//! consent gate releases to a recipient for a purpose. The file holds health data: it is created new,
//! readable by its owner only, and never overwrites an existing file.

use super::Ctx;
use crate::output::{CliError, CliResult};
use clap::{Args, ValueEnum};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    /// HL7 FHIR R4 `collection` Bundle with JP Core profiles (JSON).
    Fhir,
}

#[derive(Args)]
pub struct ExportArgs {
    #[arg(long, value_enum)]
    format: Format,
    /// File to write (must not exist yet).
    #[arg(long)]
    out: PathBuf,
    /// Export only what consent releases to this recipient (an id of the operator profile).
    #[arg(long, requires = "purpose")]
    recipient: Option<String>,
    /// The purpose of the release to --recipient (a purpose code of the operator profile).
    #[arg(long, requires = "recipient")]
    purpose: Option<String>,
    /// Install this operator profile (JSON) for --recipient; default: the one in the store.
    #[arg(long, env = "PHR_OPERATOR_PROFILE")]
    profile: Option<PathBuf>,
}

fn create_private(path: &Path) -> CliResult<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    o.open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => {
            CliError::Usage(format!("{} already exists", path.display()))
        }
        _ => CliError::Io(e),
    })
}

pub fn run(ctx: &Ctx, a: ExportArgs) -> CliResult {
    let o = ctx.open()?;
    let Format::Fhir = a.format;
    let at = o.session.now();
    // Written by the core's streaming writer: no JSON tree of the whole record is built.
    let out = match (&a.recipient, &a.purpose) {
        (Some(recipient), Some(purpose)) => {
            super::consent::use_profile(&o.session, a.profile.as_deref())?;
            o.session
                .export_fhir_for_json(&o.subject, recipient, purpose, at)?
        }
        _ => o.session.export_fhir_json(&o.subject, at)?,
    };
    let file = create_private(&a.out)?;
    let mut w = BufWriter::new(file);
    w.write_all(&out.json)?;
    w.flush()?;
    println!(
        "wrote {} FHIR resources to {}",
        out.resources,
        a.out.display()
    );
    Ok(())
}
