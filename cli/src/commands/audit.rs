//! `phr audit show|verify`.

use super::Ctx;
use crate::output::{CliError, CliResult};
use clap::Subcommand;

#[derive(Subcommand)]
pub enum AuditCmd {
    /// The newest audit entries (ids only, never values).
    Show {
        /// How many of the newest entries.
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// Check the whole HMAC chain; exits non-zero at the first broken link.
    Verify,
}

pub fn run(ctx: &Ctx, cmd: AuditCmd) -> CliResult {
    match cmd {
        AuditCmd::Show { limit } => {
            let zone = ctx.zone()?;
            let o = ctx.open()?;
            let persons = o.session.persons()?;
            let name = |id: &str| {
                persons
                    .iter()
                    .find(|p| p.id == id)
                    .map(|p| p.details.nickname.clone())
                    .unwrap_or_else(|| id.to_owned())
            };
            for e in o.session.audit_entries(limit, None)? {
                println!(
                    "#{:<5} {}  {:<10} {:<10} {:<22} {} record(s)",
                    e.seq,
                    super::local_rfc3339(&zone, &e.at),
                    name(&e.actor),
                    name(&e.subject),
                    e.action,
                    e.record_ids.len()
                );
            }
        }
        AuditCmd::Verify => {
            let s = ctx.unlock()?;
            let r = s.verify_audit()?;
            match r.broken {
                None => println!("audit chain intact: {} entries", r.entries),
                Some(b) => {
                    return Err(CliError::Usage(format!(
                        "audit chain broken at entry {}: {}",
                        b.seq, b.reason
                    )));
                }
            }
        }
    }
    Ok(())
}
