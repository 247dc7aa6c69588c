//! Test hooks: fault injection, stores at old schema versions, tampering that bypasses the
//! audit chain. Hidden from the docs and never used by the product.

pub use super::rotate::CRASH_AFTER_STEP;
pub use super::schema::MIGRATIONS;

use super::open::create_files;
use super::schema::SCHEMA_VERSION;
use super::vault::{Store, lock};
use crate::crypto::KdfParams;
use crate::error::{Error, Result};
use std::path::Path;

/// Create a locked store in `dir` whose database stands at schema `version` (migrations
/// `MIGRATIONS[..version]` applied, nothing else written), as an older build would have left it.
pub fn create_at_version(
    dir: impl AsRef<Path>,
    passphrase: &str,
    kdf: KdfParams,
    version: i64,
) -> Result<()> {
    if !(0..=SCHEMA_VERSION).contains(&version) {
        return Err(Error::invalid("version", "no such schema version"));
    }
    let (_files, _key, conn, _keyring) = create_files(dir, passphrase, kdf, version)?;
    conn.close().map_err(|(_, e)| Error::from(e))
}

/// Run `sql` on the writer connection, outside any audited write: simulates someone who holds
/// the data key editing the file directly.
pub fn raw_sql(store: &Store, sql: &str) -> Result<()> {
    let guard = store.inner()?;
    let inner = guard.as_ref().ok_or(Error::Locked)?;
    let conn = lock(&inner.writer)?;
    conn.execute_batch(sql)?;
    Ok(())
}

/// Run raw SQL on a session's writer connection, bypassing authorization and audit: for tests
/// that tamper with the database on purpose.
pub fn session_raw_sql(session: &crate::Session, sql: &str) -> Result<()> {
    raw_sql(session.store(), sql)
}
