//! One file per group of subcommands.

pub mod audit;
pub mod check;
pub mod consent;
pub mod demo;
pub mod export;
pub mod family;
pub mod import;
pub mod keys;
pub mod list;
pub mod log;
pub mod person;
pub mod stats;
pub mod sync;

use crate::output::{CliError, CliResult};
use crate::unlock;
use phr_core::{Session, Unlock};
use std::path::PathBuf;

/// The global options every subcommand sees.
pub struct Ctx {
    pub store: PathBuf,
    pub actor: Option<String>,
    pub subject: Option<String>,
    pub tz: String,
}

/// An unlocked session with the acting person and the subject resolved to ids.
pub struct Opened {
    pub session: Session,
    pub actor: String,
    pub subject: String,
}

impl Ctx {
    pub fn unlock(&self) -> CliResult<Session> {
        let pass = unlock::secret("PHR_PASSPHRASE", "Passphrase: ")?;
        let mut s = Session::unlock(&self.store, Unlock::Passphrase(&pass))?;
        s.set_time_zone(&self.tz)?;
        if s.is_read_only() {
            eprintln!(
                "note: the store is read-only (its folder cannot be written): reading works, nothing can be changed, and this command's audit entries are not written"
            );
        }
        Ok(s)
    }

    /// Unlock and resolve `--as` / `--for` (both default to the owner / the actor).
    pub fn open(&self) -> CliResult<Opened> {
        let session = self.unlock()?;
        let actor = match &self.actor {
            Some(n) => session.person_id_by_nickname(n)?,
            None => session.owner()?.map(|p| p.id).ok_or_else(|| {
                CliError::Usage("no persons yet: run `phr person add` first".into())
            })?,
        };
        let subject = match &self.subject {
            Some(n) => session.person_id_by_nickname(n)?,
            None => actor.clone(),
        };
        Ok(Opened {
            session,
            actor,
            subject,
        })
    }
}
