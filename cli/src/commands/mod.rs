//! One file per group of subcommands.

pub mod about;
pub mod audit;
pub mod check;
pub mod checkups;
pub mod compliance;
pub mod consent;
pub mod demo;
pub mod edit;
pub mod event;
pub mod export;
pub mod family;
pub mod goal;
pub mod import;
pub mod keys;
pub mod kpi;
pub mod list;
pub mod log;
pub mod person;
pub mod points;
pub mod provisions;
pub mod request;
pub mod share;
pub mod stats;
pub mod summary;
pub mod sync;

use crate::output::{CliError, CliResult};
use crate::unlock;
use phr_core::{Session, Unlock};
use std::path::PathBuf;

/// An audit time (RFC 3339, UTC) as the person reads it: in `zone` (--tz), to the second, with
/// the zone's abbreviation; the text as stored if it is not a time.
pub fn local_rfc3339(zone: &chrono_tz::Tz, at: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(at)
        .map(|t| {
            t.with_timezone(zone)
                .format("%Y-%m-%d %H:%M:%S %Z")
                .to_string()
        })
        .unwrap_or_else(|_| at.to_owned())
}

/// The global options every subcommand sees.
pub struct Ctx {
    pub store: PathBuf,
    pub actor: Option<String>,
    pub subject: Option<String>,
    pub tz: String,
}

/// An unlocked session (acting as the member who unlocked) and the subject resolved to an id.
pub struct Opened {
    pub session: Session,
    pub subject: String,
}

impl Ctx {
    /// `--tz` as a zone (every time shown to the person is in it).
    pub fn zone(&self) -> CliResult<chrono_tz::Tz> {
        self.tz
            .parse()
            .map_err(|_| CliError::Usage(format!("--tz {}: not a time zone name", self.tz)))
    }

    /// Unlock as the member `--as` names (the device owner without it), with their own
    /// passphrase (PHR_PASSPHRASE or a prompt).
    pub fn unlock(&self) -> CliResult<Session> {
        let prompt = match &self.actor {
            Some(n) => format!("Passphrase of {n}: "),
            None => "Passphrase: ".to_owned(),
        };
        let pass = unlock::secret("PHR_PASSPHRASE", &prompt)?;
        let mut s = match &self.actor {
            Some(n) => Session::unlock_as(&self.store, n, Unlock::Passphrase(&pass))?,
            None => Session::unlock(&self.store, Unlock::Passphrase(&pass))?,
        };
        s.set_time_zone(&self.tz)?;
        if s.is_read_only() {
            eprintln!(
                "note: the store is read-only (its folder cannot be written): reading works, nothing can be changed, and this command's audit entries are not written"
            );
        }
        Ok(s)
    }

    /// Unlock as `--as` (default: the owner) and resolve `--for` (default: the person acting).
    pub fn open(&self) -> CliResult<Opened> {
        let session = self.unlock()?;
        let actor = session
            .actor()
            .map_err(|_| CliError::Usage("no persons yet: run `phr person add` first".into()))?;
        let subject = match &self.subject {
            Some(n) => session
                .person_id_by_nickname(n)
                .map_err(|_| CliError::Usage(format!("--for {n}: no person with this nickname")))?,
            None => actor.clone(),
        };
        Ok(Opened { session, subject })
    }
}
