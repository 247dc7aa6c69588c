//! Failed unlocks, counted per member in `phr.attempts` beside the keyring: after
//! [`FREE_ATTEMPTS`] failures in a row each further try waits twice as long as the one before
//! (30 s, 1 min, 2 min, … at most a day), and a success resets the count.
//!
//! What a file counter can and cannot do (docs/SECURITY.md): it slows guessing through the app
//! and the CLI. Someone who can write the store's folder can reset it by restoring an older
//! copy of the file; the encrypted database keeps the total it last saw, so the next successful
//! unlock notices a counter that went backwards and says so in the audit trail. Guessing off
//! the device is what the KDF and the strength rule (a PIN only with the platform secret) stop.

use super::keyring::private_file;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Failures in a row before any delay.
pub const FREE_ATTEMPTS: u32 = 5;
const FIRST_DELAY_SECONDS: i64 = 30;
const MAX_DELAY_SECONDS: i64 = 86_400;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Attempts {
    /// By member id.
    #[serde(default)]
    members: BTreeMap<String, Count>,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub(crate) struct Count {
    /// Failures since the last success.
    pub failed: u32,
    /// Every failure ever (never reset): compared with the database's copy at each success.
    pub total: u64,
    pub last_failure_utc: i64,
}

pub(crate) fn path_in(dir: &Path) -> PathBuf {
    dir.join("phr.attempts")
}

impl Attempts {
    pub fn load(dir: &Path) -> Attempts {
        std::fs::read(path_in(dir))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    fn save(&self, dir: &Path) -> Result<()> {
        let json = serde_json::to_vec(self).map_err(|e| {
            Error::Storage(crate::error::StorageFailure::new("attempts", e.to_string()))
        })?;
        let tmp = dir.join(format!(
            "phr.attempts.tmp-{}",
            uuid::Uuid::new_v4().simple()
        ));
        let mut f = private_file(&tmp)?;
        f.write_all(&json)?;
        f.sync_all()?;
        let renamed = std::fs::rename(&tmp, path_in(dir));
        if renamed.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        Ok(renamed?)
    }

    pub fn of(&self, member: &str) -> Count {
        self.members.get(member).copied().unwrap_or_default()
    }

    /// Refuse before any KDF runs while `member` must wait.
    pub fn check(&self, member: &str, now: i64) -> Result<()> {
        let c = self.of(member);
        if c.failed < FREE_ATTEMPTS {
            return Ok(());
        }
        let delay = delay_after(c.failed);
        // A clock set back behind the last failure does not shorten the wait.
        let waited = (now - c.last_failure_utc).max(0);
        if waited < delay {
            return Err(Error::TooManyAttempts {
                retry_after: delay - waited,
            });
        }
        Ok(())
    }

    /// Count a failure of `member` (best effort: a failure to save it does not turn a wrong
    /// passphrase into another error).
    pub fn failed(dir: &Path, member: &str, now: i64) {
        let mut a = Attempts::load(dir);
        let c = a.members.entry(member.to_owned()).or_default();
        c.failed = c.failed.saturating_add(1);
        c.total = c.total.saturating_add(1);
        c.last_failure_utc = now;
        let _ = a.save(dir);
    }

    /// A success: the count of `member` starts again (the total stays).
    pub fn succeeded(dir: &Path, member: &str) {
        let mut a = Attempts::load(dir);
        if let Some(c) = a.members.get_mut(member)
            && c.failed > 0
        {
            c.failed = 0;
            let _ = a.save(dir);
        }
    }
}

/// The wait after `failed` failures in a row (`failed` ≥ [`FREE_ATTEMPTS`]).
pub(crate) fn delay_after(failed: u32) -> i64 {
    let doublings = failed.saturating_sub(FREE_ATTEMPTS).min(20);
    (FIRST_DELAY_SECONDS << doublings).min(MAX_DELAY_SECONDS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_starts_after_five_failures_and_doubles() {
        assert_eq!(delay_after(5), 30);
        assert_eq!(delay_after(6), 60);
        assert_eq!(delay_after(10), 960);
        assert_eq!(delay_after(40), 86_400);
    }

    #[test]
    fn a_clock_set_back_does_not_shorten_the_wait() {
        let dir = tempfile::tempdir().unwrap();
        for _ in 0..6 {
            Attempts::failed(dir.path(), "owner", 1_000_000);
        }
        let a = Attempts::load(dir.path());
        assert!(matches!(
            a.check("owner", 1_000_010),
            Err(Error::TooManyAttempts { retry_after: 50 })
        ));
        assert!(matches!(
            a.check("owner", 10),
            Err(Error::TooManyAttempts { retry_after: 60 })
        ));
        assert!(a.check("owner", 1_000_060).is_ok());
        assert!(a.check("someone-else", 1_000_010).is_ok());
        Attempts::succeeded(dir.path(), "owner");
        assert!(Attempts::load(dir.path()).check("owner", 1_000_010).is_ok());
        assert_eq!(Attempts::load(dir.path()).of("owner").total, 6);
    }
}
