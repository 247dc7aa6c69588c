//! `phr request disclosure|correction|stop|erasure|list`: the resident's requests to the
//! operator (開示・訂正・提供停止・消去), each done on the device at once and recorded with its
//! outcome; `--receipt FILE` writes the record of the request for the operator. The rules are
//! the core's ([`phr_core::requests`]); this file parses and prints.

use super::Ctx;
use super::log::{LogCmd, observation, parse_at};
use crate::output::{CliError, CliResult};
use clap::{Args, Subcommand};
use phr_core::ClinicalInput;
use phr_core::requests::{Correction, ResidentRequest, to_operator_json};
use std::path::PathBuf;

#[derive(Args)]
pub struct RequestArgs {
    #[command(subcommand)]
    cmd: RequestCmd,
}

#[derive(Subcommand)]
enum RequestCmd {
    /// 開示: the whole record (FHIR R4) and the provision log, written to a new folder.
    Disclosure {
        /// The folder to create (it must not exist).
        #[arg(long)]
        out: PathBuf,
    },
    /// 訂正: a correction note on a record (the way for an official result), or, for a
    /// record you entered, what it should say (as for `phr log`).
    Correction(CorrectionArgs),
    /// 第三者提供の停止: stop every provision to a recipient (a deny of everything offered to
    /// it; what it holds is withdrawn at its next sync).
    Stop {
        /// The recipient (an id of the operator profile, e.g. health-dept).
        #[arg(long)]
        recipient: String,
        /// Write the record of the request for the operator to this new file.
        #[arg(long)]
        receipt: Option<PathBuf>,
    },
    /// 消去: erase a record, or --all of --for's records (recipients delete their copies at the
    /// next sync).
    Erasure {
        /// The record to erase (its id, as `phr list` shows it).
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        id: Option<String>,
        /// Every record of --for (the person stays).
        #[arg(long)]
        all: bool,
        /// Confirm --all (it cannot be undone).
        #[arg(long, requires = "all")]
        yes: bool,
        /// Write the record of the request for the operator to this new file.
        #[arg(long)]
        receipt: Option<PathBuf>,
    },
    /// Every request of --for and its outcome.
    List,
}

#[derive(Args)]
struct CorrectionArgs {
    /// The record to correct (its id, as `phr list` shows it).
    id: String,
    /// The correction as a note beside the record.
    #[arg(long, conflicts_with = "what")]
    note: Option<String>,
    /// Write the record of the request for the operator to this new file.
    #[arg(long)]
    receipt: Option<PathBuf>,
    /// What a record you entered should say, as for `phr log` (e.g. `weight 59.5`).
    #[command(subcommand)]
    what: Option<LogCmd>,
}

pub fn run(ctx: &Ctx, a: RequestArgs) -> CliResult {
    match a.cmd {
        RequestCmd::Disclosure { out } => {
            let o = ctx.open()?;
            let d = o.session.request_disclosure(&o.subject, &out)?;
            println!(
                "disclosure {}: {} FHIR resources and {} provision(s) in {} ({})",
                d.request.id,
                d.resources,
                d.provisions,
                out.display(),
                d.files.join(", ")
            );
        }
        RequestCmd::Correction(c) => {
            let at = c
                .what
                .as_ref()
                .and_then(|w| w.when())
                .map(|w| parse_at(&w.at))
                .transpose()?
                .flatten();
            let o = ctx.open()?;
            let correction = match (&c.note, &c.what) {
                (Some(text), _) => Correction::Note(text.clone()),
                (None, Some(LogCmd::Note { text })) => {
                    let old = o.session.get_record(&o.subject, &c.id)?;
                    Correction::Replace(ClinicalInput::Note {
                        text: text.clone(),
                        at: Some(old.meta.effective),
                    })
                }
                (None, Some(what)) => {
                    let old = o.session.get_record(&o.subject, &c.id)?;
                    let input = observation(what, at.unwrap_or(old.meta.effective))?;
                    Correction::Replace(ClinicalInput::Observation(input))
                }
                (None, None) => {
                    return Err(CliError::Usage(
                        "say the correction: --note TEXT, or what the record should say (e.g. `weight 59.5`)".into(),
                    ));
                }
            };
            let r = o
                .session
                .request_correction(&o.subject, &c.id, correction)?;
            done(&o, &r, c.receipt)?;
        }
        RequestCmd::Stop { recipient, receipt } => {
            let o = ctx.open()?;
            let r = o
                .session
                .request_stop_of_provision(&o.subject, &recipient)?;
            done(&o, &r, receipt)?;
        }
        RequestCmd::Erasure {
            id,
            all,
            yes,
            receipt,
        } => {
            if all && !yes {
                return Err(CliError::Usage(
                    "erasing every record cannot be undone: add --yes to confirm".into(),
                ));
            }
            let o = ctx.open()?;
            let r = o.session.request_erasure(&o.subject, id.as_deref())?;
            done(&o, &r, receipt)?;
        }
        RequestCmd::List => {
            let zone = ctx.zone()?;
            let o = ctx.open()?;
            let all = o.session.resident_requests(&o.subject)?;
            if all.is_empty() {
                println!("no requests yet");
            }
            for r in all {
                println!(
                    "{}  {:<18} {:<8} {}{}",
                    super::local_rfc3339(&zone, &r.received_at.to_rfc3339()),
                    r.kind.as_str(),
                    r.status.as_str(),
                    r.outcome.as_deref().unwrap_or(""),
                    r.target.map(|t| format!(" [{t}]")).unwrap_or_default()
                );
            }
        }
    }
    Ok(())
}

/// Print the outcome; with `receipt`, write the request's record for the operator.
fn done(o: &super::Opened, r: &ResidentRequest, receipt: Option<PathBuf>) -> CliResult {
    println!(
        "{} {} ({}): {}",
        r.kind.label_ja(),
        r.id,
        r.status.as_str(),
        r.outcome.as_deref().unwrap_or("")
    );
    if let Some(path) = receipt {
        let profile = o.session.operator_profile()?;
        let text = to_operator_json(r, &profile);
        super::export::write_new(&path, |w| {
            w.write_all(text.as_bytes())?;
            Ok(1)
        })?;
        println!("wrote the request's record to {}", path.display());
    }
    Ok(())
}
