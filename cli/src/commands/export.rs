//! `phr export --format fhir --out FILE [--recipient ID --purpose P]`: the whole record of the
//! subject (`--for`, default the acting person) as a FHIR R4 (JP Core) Bundle, or only what the
//! consent gate releases to a recipient for a purpose. The file holds health data: it is created new,
//! readable by its owner only, and never overwrites an existing file.

use super::Ctx;
use crate::output::{CliError, CliResult, on_file};
use clap::{Args, ValueEnum};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    /// HL7 FHIR R4 `collection` Bundle with JP Core profiles (JSON).
    Fhir,
    /// One checkup as a 健診結果報告書 FHIR document (JP eCheckupReport: Bundle `document`,
    /// Composition, Observations with 特定健診 item codes).
    Echeckup,
}

#[derive(Args)]
pub struct ExportArgs {
    /// What to write: fhir (a Bundle) or echeckup (one checkup as a 健診結果報告書 document).
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
    /// With --format echeckup: the checkup record to write (default: the latest checkup).
    #[arg(long)]
    record: Option<String>,
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
        _ => on_file(path, "write")(e),
    })
}

pub fn run(ctx: &Ctx, a: ExportArgs) -> CliResult {
    let o = ctx.open()?;
    let at = o.session.now();
    if let Format::Echeckup = a.format {
        return echeckup(&o, &a, at);
    }
    let resources = match (&a.recipient, &a.purpose) {
        (Some(recipient), Some(purpose)) => {
            super::consent::use_profile(&o.session, a.profile.as_deref())?;
            // The release (a provision, logged) only once the new file exists.
            write_new(&a.out, |w| {
                let out = o
                    .session
                    .export_fhir_for_json(&o.subject, recipient, purpose, at)?;
                w.write_all(&out.json)?;
                Ok(out.resources)
            })?
        }
        // The whole record is streamed to the file as it is produced: no whole-file buffer.
        _ => write_new(&a.out, |w| {
            o.session
                .export_fhir_to(&o.subject, at, w)
                .map_err(CliError::from)
        })?,
    };
    println!("wrote {resources} FHIR resources to {}", a.out.display());
    Ok(())
}

/// `--format echeckup`: one checkup (`--record ID`, else the latest) as a 健診結果報告書 document.
fn echeckup(o: &super::Opened, a: &ExportArgs, at: phr_core::records::Stamp) -> CliResult {
    let doc = o
        .session
        .export_echeckup(&o.subject, a.record.as_deref(), at)?;
    let bytes = serde_json::to_vec(&doc).map_err(|e| CliError::Usage(e.to_string()))?;
    let n = doc["entry"].as_array().map_or(0, Vec::len);
    write_new(&a.out, |w| {
        w.write_all(&bytes)?;
        Ok(n)
    })?;
    println!(
        "wrote a checkup document of {n} FHIR resources to {}",
        a.out.display()
    );
    Ok(())
}

/// Create `path` new (mode 0600) and write it through `f`; a failed export leaves no file.
/// The bytes written so far show on the terminal (the total is known only at the end).
pub(super) fn write_new(
    path: &Path,
    f: impl FnOnce(&mut dyn Write) -> CliResult<usize>,
) -> CliResult<usize> {
    let file = create_private(path)?;
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("exporting {spinner} {bytes} written")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    let mut w = BufWriter::with_capacity(1 << 16, bar.wrap_write(file));
    let done = f(&mut w).and_then(|n| {
        w.flush()?;
        Ok(n)
    });
    bar.finish_and_clear();
    if done.is_err() {
        drop(w);
        let _ = std::fs::remove_file(path);
    }
    done
}
