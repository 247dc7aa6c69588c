//! `phr consent show|grant|withdraw|history|receipt`: dynamic consent from the command line.
//! The operator profile comes from --profile, PHR_OPERATOR_PROFILE, or the embedded municipal
//! sample. Every rule is in phr-core; this file parses and prints.

use super::Ctx;
use crate::output::{CliError, CliResult};
use chrono::{Duration, TimeZone};
use clap::{Args, Subcommand, ValueEnum};
use phr_core::consent::{ConsentRequest, DataCategory, Effect, OperatorProfile, samples};
use phr_core::records::{Stamp, parse_date};
use phr_core::{Session, consent};
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct ConsentArgs {
    /// Install this operator profile (JSON) in the store; default: the one installed earlier
    /// (the embedded municipal sample on a store that has none).
    #[arg(long, env = "PHR_OPERATOR_PROFILE", global = true)]
    profile: Option<PathBuf>,
    #[command(subcommand)]
    cmd: ConsentCmd,
}

#[derive(Subcommand)]
enum ConsentCmd {
    /// What is shared with whom, for what, now.
    Show,
    /// Permit a recipient to receive categories for purposes.
    Grant {
        /// Recipient id from the operator profile.
        #[arg(long)]
        recipient: String,
        /// Purpose code(s), comma-separated.
        #[arg(long)]
        purpose: String,
        /// Categories, comma-separated: checkup, vitals, body, lifelog, immunization,
        /// medication, condition_allergy, notes, demographics.
        #[arg(long)]
        categories: String,
        /// Last day of the permission (YYYY-MM-DD, inclusive); default: until withdrawn.
        #[arg(long)]
        until: Option<String>,
    },
    /// Withdraw: from now on, the recipient receives none of these.
    Withdraw {
        /// The recipient (an id of the operator profile, e.g. health-dept).
        #[arg(long)]
        recipient: String,
        /// The purpose the data was shared for (e.g. specific_health_guidance).
        #[arg(long)]
        purpose: String,
        /// Comma-separated data categories no longer shared (e.g. checkup,vitals).
        #[arg(long)]
        categories: String,
    },
    /// Every decision, oldest first.
    History,
    /// The receipt of a decision (default: the latest).
    Receipt {
        /// Directive id (from `history`).
        #[arg(long)]
        id: Option<String>,
        /// How to write it: text (ja/en), json (ISO/IEC 29184 elements) or fhir (a Consent).
        #[arg(long, value_enum, default_value = "text")]
        format: ReceiptFormat,
        /// Language of the text receipt.
        #[arg(long, default_value = "ja")]
        lang: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ReceiptFormat {
    Text,
    Json,
    Fhir,
}

/// The operator profile in force: `path` is installed in the store (a new version when it
/// differs from the one in force); without it, the one installed earlier; on a store that has
/// none yet, the embedded municipal sample is installed.
pub fn use_profile(s: &Session, path: Option<&Path>) -> CliResult {
    match path {
        Some(p) => {
            s.set_operator_profile(OperatorProfile::from_json(&std::fs::read_to_string(p)?)?)?;
        }
        None if s.operator_profile().is_err() => {
            s.set_operator_profile(samples::municipality())?;
        }
        None => {}
    }
    Ok(())
}

fn purposes(s: &str) -> CliResult<Vec<String>> {
    let v: Vec<String> = s
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect();
    if v.is_empty() {
        return Err(CliError::Usage(
            "--purpose names at least one purpose".into(),
        ));
    }
    Ok(v)
}

/// The end of `date` in `tz` (exclusive bound: the next midnight).
fn end_of_day(tz: &str, date: &str) -> CliResult<Stamp> {
    let d = parse_date("until", date)?;
    let zone: chrono_tz::Tz = tz
        .parse()
        .map_err(|_| CliError::Usage("unknown time zone".into()))?;
    let next = (d + Duration::days(1))
        .and_hms_opt(0, 0, 0)
        .and_then(|t| zone.from_local_datetime(&t).earliest())
        .ok_or_else(|| CliError::Usage("--until is not a valid local date".into()))?;
    Ok(Stamp::from_fixed(next.fixed_offset()))
}

pub fn run(ctx: &Ctx, a: ConsentArgs) -> CliResult {
    let o = ctx.open()?;
    use_profile(&o.session, a.profile.as_deref())?;
    let (s, subject) = (&o.session, o.subject.as_str());
    match a.cmd {
        ConsentCmd::Show => print_state(s, subject)?,
        ConsentCmd::Grant {
            recipient,
            purpose,
            categories,
            until,
        } => {
            let mut req = ConsentRequest {
                recipient,
                categories: DataCategory::parse_list(&categories)?,
                purposes: purposes(&purpose)?,
                effect: Effect::Permit,
                valid_from: None,
                valid_until: None,
                notice_version: None,
            };
            if let Some(u) = until {
                req.valid_until = Some(end_of_day(&ctx.tz, &u)?);
            }
            let d = s.set_consent(subject, req)?;
            println!("granted: {}", describe(&d));
            println!("receipt: phr consent receipt --id {}", d.id);
        }
        ConsentCmd::Withdraw {
            recipient,
            purpose,
            categories,
        } => {
            let cats = DataCategory::parse_list(&categories)?;
            let ps = purposes(&purpose)?;
            let refs: Vec<&str> = ps.iter().map(String::as_str).collect();
            let d = s.withdraw(subject, &recipient, &cats, &refs)?;
            println!("withdrawn: {}", describe(&d));
            println!("receipt: phr consent receipt --id {}", d.id);
        }
        ConsentCmd::History => {
            let h = s.consent_history(subject)?;
            if h.is_empty() {
                println!("no decisions yet: nothing is shared (default deny)");
            }
            for d in h {
                println!(
                    "{}  {}  {}{}",
                    d.decided_at.to_fixed().format("%Y-%m-%d %H:%M %:z"),
                    d.id,
                    describe(&d),
                    if d.delegation.is_some() {
                        "  (by a proxy)"
                    } else {
                        ""
                    }
                );
            }
        }
        ConsentCmd::Receipt { id, format, lang } => {
            let id = match id {
                Some(id) => id,
                None => s
                    .consent_history(subject)?
                    .last()
                    .map(|d| d.id.clone())
                    .ok_or_else(|| CliError::Usage("no decisions yet".into()))?,
            };
            let r = s.consent_receipt(subject, &id)?;
            match format {
                ReceiptFormat::Text if lang == "en" => print!("{}", r.text_en),
                ReceiptFormat::Text => print!("{}", r.text_ja),
                ReceiptFormat::Json => println!("{}", pretty(&r.json)),
                ReceiptFormat::Fhir => println!("{}", pretty(&r.fhir)),
            }
        }
    }
    Ok(())
}

fn pretty(v: &serde_json::Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

/// One line for a directive: effect, recipient, categories, purposes, period.
pub fn describe(d: &consent::ConsentDirective) -> String {
    let cats: Vec<&str> = d.categories.iter().map(|c| c.as_str()).collect();
    format!(
        "{} {} [{}] for {}{}",
        d.effect.as_str(),
        d.recipient,
        cats.join(","),
        d.purposes.join(","),
        d.valid_until
            .map(|u| format!(" until {}", u.to_fixed().format("%Y-%m-%d %H:%M %:z")))
            .unwrap_or_default()
    )
}

/// The toggles, purpose by purpose, and what a new profile version asks to decide again.
pub fn print_state(s: &Session, subject: &str) -> CliResult {
    let state = s.consent_state(subject)?;
    for r in s.reconsent_needed(subject)? {
        println!(
            "decide again: {} [{}] for {} (profile version {} changed: {})",
            r.recipient,
            r.categories
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(","),
            r.purposes.join(","),
            r.profile_version,
            r.changes.join(", ")
        );
    }
    println!(
        "operator: {} (privacy notice {})",
        state.operator, state.current_notice
    );
    for p in &state.purposes {
        println!("\n{}  {}", p.code, p.label_ja);
        if let Some(b) = &p.statutory_basis {
            println!("  basis: {b}");
        }
        for t in &p.toggles {
            println!(
                "  {:<18} {:<18} {}{}",
                t.recipient,
                t.category.as_str(),
                if t.permitted {
                    "shared"
                } else if t.awaiting_reconsent {
                    "not shared until you decide again (the operator changed its terms)"
                } else {
                    "not shared"
                },
                t.until
                    .filter(|_| t.permitted)
                    .map(|u| {
                        // `until` is exclusive: show the last day it covers.
                        let last = u.to_fixed() - Duration::seconds(1);
                        format!(" through {}", last.format("%Y-%m-%d"))
                    })
                    .unwrap_or_default()
            );
        }
    }
    Ok(())
}
