//! Checking the database file: a bounded structural check at every unlock, and the full check
//! (`phr check`, [`Store::check_integrity`]) with progress.

use super::connection::{KeyCheck, open_keyed, read_db_salt};
use super::files::{StoreFiles, Unlock};
use super::keyring::KeyringFile;
use super::vault::{Store, lock};
use crate::error::{Error, Result};
use rusqlite::Connection;
use std::path::Path;
use std::time::{Duration, Instant};

/// How long the check at unlock may run: a small store is checked whole, a large one as far as
/// this allows (the full check is `phr check`).
const UNLOCK_CHECK_BUDGET: Duration = Duration::from_millis(200);

/// What the full check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntegrityReport {
    /// Tables and indexes checked (SQLite's `integrity_check`), plus one for SQLCipher's check
    /// of every page's HMAC (`cipher_integrity_check`).
    pub steps: u64,
    /// One line per problem, as SQLite and SQLCipher word them (page numbers, table and index
    /// names: never a stored value). Empty when the file is sound.
    pub problems: Vec<String>,
}

impl IntegrityReport {
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// `PRAGMA quick_check` at unlock, interrupted when [`UNLOCK_CHECK_BUDGET`] runs out (then what
/// it read was sound). Damage it finds is [`Error::CorruptStore`] naming the file.
pub(crate) fn quick_check(conn: &mut Connection) -> Result<()> {
    let deadline = Instant::now() + UNLOCK_CHECK_BUDGET;
    conn.progress_handler(10_000, Some(move || Instant::now() > deadline))?;
    let found: rusqlite::Result<Vec<String>> = (|| {
        let mut stmt = conn.prepare("PRAGMA quick_check(5)")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        rows.collect()
    })();
    conn.progress_handler(0, None::<fn() -> bool>)?;
    match found {
        Ok(rows) if rows.len() == 1 && rows[0] == "ok" => Ok(()),
        Ok(_) => Err(damaged()),
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::OperationInterrupted =>
        {
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

fn damaged() -> Error {
    Error::CorruptStore {
        reason: "the database file phr.db is damaged (run `phr check`)",
    }
}

impl Store {
    /// The full check of an unlocked store (see [`Store::check_file`]).
    pub fn check_integrity(&self, progress: impl FnMut(u64, u64)) -> Result<IntegrityReport> {
        let guard = self.inner()?;
        let inner = guard.as_ref().ok_or(Error::Locked)?;
        // Like backup: no checkpoint competes with it for the disk.
        if let Some(conn) = inner.checkpointer.wait() {
            inner.give_back(conn);
        }
        let conn = lock(&inner.writer)?;
        Ok(full_check(&conn, progress))
    }

    /// The full check of the store in `dir`, which need not unlock (the check at unlock may
    /// have refused it as damaged): SQLite's `integrity_check` table by table, then SQLCipher's
    /// `cipher_integrity_check` of every page's HMAC, read-only. `progress(done, total)` is
    /// called after each step. Damage is reported in the report, not as an error; errors are
    /// those of unlocking (wrong passphrase, no store, a keyring of another store).
    pub fn check_file(
        dir: impl AsRef<Path>,
        how: Unlock<'_>,
        progress: impl FnMut(u64, u64),
    ) -> Result<IntegrityReport> {
        let files = StoreFiles::in_dir(dir);
        let keyring = KeyringFile::load(&files.keyring)?;
        if keyring.db_salt_bytes() != Some(read_db_salt(&files.database)?) {
            return Err(Error::KeyringMismatch);
        }
        for (_, key, _) in keyring.candidates(None, &how)?.keys {
            if let KeyCheck::Opened(conn) = open_keyed(&files.database, &key)? {
                let _ = conn.busy_timeout(Duration::from_secs(10));
                return Ok(full_check(&conn, progress));
            }
        }
        Err(how.rejected())
    }
}

fn rows(conn: &Connection, sql: &str) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    rows.collect()
}

fn full_check(conn: &Connection, mut progress: impl FnMut(u64, u64)) -> IntegrityReport {
    let mut problems = vec![];
    let tables = match rows(
        conn,
        "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name",
    ) {
        Ok(t) => t,
        Err(e) => {
            problems.push(format!("the schema cannot be read: {}", Error::from(e)));
            vec![]
        }
    };
    let total = tables.len() as u64 + 1;
    for (i, table) in tables.iter().enumerate() {
        let sql = format!("PRAGMA integrity_check(\"{}\")", table.replace('"', "\"\""));
        match rows(conn, &sql) {
            Ok(found) => problems.extend(found.into_iter().filter(|r| r != "ok")),
            Err(e) => problems.push(match Error::from(e) {
                Error::CorruptStore { .. } => format!("table {table}: a page cannot be read"),
                other => format!("table {table}: {other}"),
            }),
        }
        progress(i as u64 + 1, total);
    }
    match rows(conn, "PRAGMA cipher_integrity_check") {
        Ok(found) => problems.extend(found),
        Err(e) => problems.push(format!("page check: {}", Error::from(e))),
    }
    progress(total, total);
    IntegrityReport {
        steps: total,
        problems,
    }
}
