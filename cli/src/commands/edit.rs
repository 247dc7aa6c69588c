//! `phr correct`, `phr delete`, `phr erase` and `phr history`: fixing what was logged, and
//! taking it back. The rules (versions kept, tombstones that sync carries, erasure that reaches
//! every recipient) are the core's; this file parses and prints.

use super::Ctx;
use super::log::{LogCmd, observation, parse_at};
use crate::output::{CliError, CliResult};
use chrono::DateTime;
use clap::Args;
use phr_core::ClinicalInput;
use phr_core::records::{Stamp, summary};

#[derive(Args)]
pub struct CorrectArgs {
    /// The record to correct (its id, as `phr list` shows it).
    id: String,
    /// What it should say, as for `phr log` (e.g. `bp 126/80 --pulse 62`). Without --at the
    /// time stays the record's.
    #[command(subcommand)]
    what: LogCmd,
}

#[derive(Args)]
pub struct EraseArgs {
    /// The record to erase (its id, as `phr list` shows it).
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    id: Option<String>,
    /// Erase every record of --for (the person stays).
    #[arg(long)]
    all: bool,
    /// Confirm --all (it cannot be undone).
    #[arg(long, requires = "all")]
    yes: bool,
}

/// `phr correct ID …`: a new version; the one it replaces stays in the history.
pub fn correct(ctx: &Ctx, a: CorrectArgs) -> CliResult {
    // Malformed input is refused before the (deliberately slow) unlock.
    let at = a
        .what
        .when()
        .map(|w| parse_at(&w.at))
        .transpose()?
        .flatten();
    if !matches!(a.what, LogCmd::Note { .. }) {
        observation(
            &a.what,
            Stamp::from_fixed(DateTime::UNIX_EPOCH.fixed_offset()),
        )?;
    }
    let o = ctx.open()?;
    let old = o.session.get_record(&o.subject, &a.id)?;
    let input = match &a.what {
        LogCmd::Note { text } => ClinicalInput::Note {
            text: text.clone(),
            at: Some(old.meta.effective),
        },
        what => ClinicalInput::Observation(observation(what, at.unwrap_or(old.meta.effective))?),
    };
    let r = match o.session.update_record(&o.subject, &a.id, input) {
        Err(e @ phr_core::Error::InvalidInput { .. }) if old.meta.provenance.is_official() => {
            eprintln!(
                "note: {} came from {}; add your correction beside it: phr annotate {} \"…\"",
                a.id,
                old.meta.provenance.as_str(),
                a.id
            );
            return Err(e.into());
        }
        other => other?,
    };
    println!(
        "corrected {} to {} (version {}; the earlier one is kept: phr history {})",
        r.meta.id,
        summary::record(&r.body),
        r.meta.version,
        r.meta.id
    );
    Ok(())
}

#[derive(Args)]
pub struct AnnotateArgs {
    /// The record the note is about (its id, as `phr list` shows it).
    id: String,
    /// The correction, in your words (e.g. "腹囲は測り直して 84 cm").
    text: String,
}

/// `phr annotate ID TEXT`: a correction note beside an official result, which is never edited.
pub fn annotate(ctx: &Ctx, a: AnnotateArgs) -> CliResult {
    let o = ctx.open()?;
    let note = o.session.annotate_record(&o.subject, &a.id, &a.text)?;
    println!(
        "noted on {}: [{}] (the result itself is kept as its source gave it; deleting it takes the note too)",
        a.id, note.meta.id
    );
    Ok(())
}

/// `phr delete ID`: gone from every view; a recipient holding a copy is told at the next sync.
pub fn delete(ctx: &Ctx, id: &str) -> CliResult {
    let o = ctx.open()?;
    o.session.delete_record(&o.subject, id)?;
    println!(
        "deleted {id}: no longer shown; a recipient that holds it deletes it at the next sync \
         (phr erase {id} removes it from this device too)"
    );
    Ok(())
}

/// `phr erase ID` / `phr erase --all --yes`: removed from the store, history included.
pub fn erase(ctx: &Ctx, a: EraseArgs) -> CliResult {
    if a.all && !a.yes {
        return Err(CliError::Usage(
            "--all erases every record of the person and cannot be undone: add --yes".into(),
        ));
    }
    let o = ctx.open()?;
    match &a.id {
        Some(id) => {
            o.session.erase_record(&o.subject, id)?;
            println!("erased {id} from this device, history included");
        }
        None => {
            let n = o.session.erase_all_records(&o.subject)?;
            println!("erased {n} record(s) from this device, history included");
        }
    }
    // Where copies are still held: the receipt of the erasure, until sync deletes them there.
    let held = o.session.erased_copies_held(&o.subject)?;
    if held.is_empty() {
        println!("no recipient holds a copy of an erased record");
    }
    for w in held {
        println!(
            "{} holds {} erased record(s): deleted there at the next sync (phr sync --recipient {})",
            w.recipient, w.items, w.recipient
        );
    }
    Ok(())
}

/// `phr history ID`: the record now, then each earlier version, newest first.
pub fn history(ctx: &Ctx, id: &str) -> CliResult {
    let o = ctx.open()?;
    let now = o.session.get_record(&o.subject, id)?;
    let earlier = o.session.record_history(&o.subject, id)?;
    println!(
        "version {} (current)  {}",
        now.meta.version,
        summary::record(&now.body)
    );
    // Replacement times in --tz (the zone the person reads everything else in).
    let zone = ctx.zone()?;
    for v in earlier.iter().rev() {
        let replaced = DateTime::from_timestamp(v.replaced_utc, 0)
            .map(|t| {
                t.with_timezone(&zone)
                    .format("%Y-%m-%d %H:%M %Z")
                    .to_string()
            })
            .unwrap_or_default();
        println!(
            "version {} (replaced {replaced})  {}",
            v.version,
            summary::record(&v.body)
        );
    }
    Ok(())
}
