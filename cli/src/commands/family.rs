//! `phr family grant|revoke|list|history|take-control`: family-manager mode.

use super::Ctx;
use super::local_rfc3339;
use crate::output::{CliError, CliResult};
use chrono::{NaiveDate, TimeZone};
use chrono_tz::Tz;
use clap::Subcommand;
use phr_core::AccessGrant;
use phr_core::family::{Grantee, NewDelegation, RepresentativeBasis, Scope};
use phr_core::records::parse_date;

#[derive(Subcommand)]
pub enum FamilyCmd {
    /// Let a person act on the --for person's record (`--as` is who grants).
    Grant {
        /// Nickname of the person receiving the rights (or --account for another device).
        #[arg(long, conflicts_with = "account")]
        to: Option<String>,
        /// An account on another device (carried by sync).
        #[arg(long)]
        account: Option<String>,
        /// Comma-separated: view,record,manage_consent,share,manage_delegations.
        #[arg(long, default_value = "view")]
        scopes: String,
        /// Last day of the grant (YYYY-MM-DD, Japan time; the grant ends at the following midnight).
        #[arg(long)]
        until: Option<String>,
        /// Grant as legal representative: parent_of_minor, guardian or written_consent.
        #[arg(long)]
        basis: Option<String>,
        /// Reference of the document behind the basis (no health data).
        #[arg(long)]
        note: Option<String>,
    },
    /// Revoke a grant by its id (the grantor or the subject).
    Revoke {
        /// The grant's id, as `phr family list` shows it.
        id: String,
    },
    /// Who can see the --for person's record, with which rights, until when.
    List,
    /// Who did what on the --for person's record, when.
    History {
        /// How many of the newest entries.
        #[arg(long, default_value_t = 30)]
        limit: u32,
    },
    /// End every representative grant on your own record.
    TakeControl,
}

/// The end of local day `d` in `zone` (the next midnight).
fn end_of_day(zone: &Tz, d: NaiveDate) -> i64 {
    let next = d.succ_opt().unwrap_or(d);
    zone.from_local_datetime(&next.and_hms_opt(0, 0, 0).unwrap_or_default())
        .earliest()
        .map(|t| t.timestamp())
        .unwrap_or(i64::MAX)
}

fn when(zone: &Tz, t: Option<i64>) -> String {
    match t {
        None => "until revoked".into(),
        Some(t) => {
            let local = chrono::DateTime::from_timestamp(t, 0)
                .unwrap_or_default()
                .with_timezone(zone);
            format!("until {}", local.format("%Y-%m-%d %H:%M %Z"))
        }
    }
}

/// One line per grant, with names instead of ids; times in `zone` (--tz).
pub fn print_access(grants: &[AccessGrant], zone: &Tz) -> CliResult {
    for g in grants {
        let who = match (&g.grantee, &g.grantee_nickname) {
            (Grantee::Person(_), Some(n)) => n.clone(),
            (Grantee::Person(id), None) => id.clone(),
            (Grantee::Account(a), _) => format!("account {a}"),
        };
        match &g.delegation_id {
            None => println!("  {who:<10} the subject: every right"),
            Some(id) => {
                let scopes: Vec<&str> = g.scopes.iter().map(|s| s.as_str()).collect();
                let basis = g
                    .basis
                    .map(|b| format!(", as representative ({})", b.as_str()))
                    .unwrap_or_default();
                println!(
                    "  {who:<10} {} {}{basis}  [{id}]",
                    scopes.join(","),
                    when(zone, g.valid_until)
                );
            }
        }
    }
    Ok(())
}

pub fn run(ctx: &Ctx, cmd: FamilyCmd) -> CliResult {
    let zone = ctx.zone()?;
    let o = ctx.open()?;
    let s = &o.session;
    match cmd {
        FamilyCmd::Grant {
            to,
            account,
            scopes,
            until,
            basis,
            note,
        } => {
            let grantee = match (to, account) {
                (Some(n), None) => Grantee::Person(s.person_id_by_nickname(&n)?),
                (None, Some(a)) => Grantee::Account(a),
                _ => {
                    return Err(CliError::Usage(
                        "name the grantee with --to NICKNAME or --account ID".into(),
                    ));
                }
            };
            let scopes = scopes
                .split(',')
                .map(Scope::parse)
                .collect::<phr_core::Result<Vec<_>>>()?;
            let valid_until = until
                .map(|u| parse_date("until", &u).map(|d| end_of_day(&zone, d)))
                .transpose()?;
            let req = NewDelegation {
                grantee,
                scopes,
                valid_from: None,
                valid_until,
                representative_basis: basis
                    .as_deref()
                    .map(RepresentativeBasis::parse)
                    .transpose()?,
                basis_note: note,
            };
            let d = s.grant(&o.subject, req)?;
            println!(
                "granted {} {} [{}]",
                d.scopes
                    .iter()
                    .map(|x| x.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
                when(&zone, d.valid_until),
                d.id
            );
        }
        FamilyCmd::Revoke { id } => {
            s.revoke(&id)?;
            println!("revoked {id}");
        }
        FamilyCmd::List => print_access(&s.who_can_access(&o.subject)?, &zone)?,
        FamilyCmd::History { limit } => {
            for e in s.access_history(&o.subject, limit)? {
                let via = e
                    .delegation
                    .as_deref()
                    .map(|d| format!(" via grant {d}"))
                    .unwrap_or_default();
                let who = e.actor_nickname.clone().unwrap_or_else(|| e.actor.clone());
                println!(
                    "{}  {:<10} {:<20} {} record(s){via}",
                    local_rfc3339(&zone, &e.at),
                    who,
                    e.action,
                    e.record_ids.len()
                );
            }
        }
        FamilyCmd::TakeControl => {
            let ended = s.take_control(&o.subject)?;
            println!(
                "took control: {} representative grant(s) ended",
                ended.len()
            );
        }
    }
    Ok(())
}
