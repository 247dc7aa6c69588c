//! Versioned schema: `PRAGMA user_version`, forward-only migrations, one transaction each.

use crate::error::{Error, Result};
use rusqlite::Connection;

/// `PRAGMA application_id` of every PHR Core database ('PHR1').
pub const APPLICATION_ID: i64 = 0x5048_5231;

/// Migration `i` takes a database from version `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_store.sql"),
    include_str!("migrations/0002_records.sql"),
    include_str!("migrations/0003_family.sql"),
    include_str!("migrations/0004_consent.sql"),
    include_str!("migrations/0005_daily_rollup.sql"),
    include_str!("migrations/0006_sync.sql"),
    include_str!("migrations/0007_fhir_documents.sql"),
    include_str!("migrations/0008_sync_cursors_and_tokens.sql"),
    include_str!("migrations/0009_members_and_grant_parents.sql"),
    include_str!("migrations/0010_consent_end_to_end.sql"),
    include_str!("migrations/0011_partial_dates_and_entered_values.sql"),
    include_str!("migrations/0012_pulse_from_blood_pressure.sql"),
    include_str!("migrations/0013_correction_notes.sql"),
    include_str!("migrations/0014_outbox_without_rowid.sql"),
    include_str!("migrations/0015_checkup_points.sql"),
    include_str!("migrations/0016_step_goals.sql"),
    include_str!("migrations/0017_removed_persons.sql"),
    include_str!("migrations/0018_walking_events.sql"),
    include_str!("migrations/0019_derived_copies.sql"),
    include_str!("migrations/0020_points_ledger.sql"),
    include_str!("migrations/0021_kpi_programme_keys.sql"),
    include_str!("migrations/0022_provision_log_and_requests.sql"),
];

/// The version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

pub(crate) fn user_version(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

/// Refuse, before anything is written, a database that is newer than this build or that is not
/// a PHR Core database at all.
pub(crate) fn check_compatible(conn: &Connection) -> Result<i64> {
    let version = user_version(conn)?;
    if version > SCHEMA_VERSION {
        return Err(Error::UnsupportedVersion {
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    if version > 0 {
        let app: i64 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
        if app != APPLICATION_ID {
            return Err(Error::CorruptStore {
                reason: "the database is not a PHR Core store",
            });
        }
    }
    Ok(version)
}

/// Bring the database up to `target` (normally [`SCHEMA_VERSION`]), one transaction per step,
/// so a crash leaves it at some whole version.
pub(crate) fn migrate_to(conn: &mut Connection, target: i64) -> Result<()> {
    let mut version = check_compatible(conn)?;
    while version < target {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Exclusive)?;
        tx.execute_batch(MIGRATIONS[version as usize])?;
        tx.pragma_update(None, "user_version", version + 1)?;
        tx.commit()?;
        version += 1;
    }
    Ok(())
}

/// One row of `sqlite_master`: type, name, table, SQL.
pub(crate) type SchemaObject = (String, String, String, Option<String>);

/// The schema objects (type, name, table, SQL) a database at `version` holds, as this build's
/// migrations make them: what a restored backup must hold exactly (`backup.rs`).
pub(crate) fn expected_objects(version: i64) -> Result<Vec<SchemaObject>> {
    let mut conn = super::connection::open_in_memory()?;
    migrate_to(&mut conn, version)?;
    objects(&conn, "main")
}

/// The schema objects of the database attached as `schema`, sorted.
pub(crate) fn objects(conn: &Connection, schema: &str) -> Result<Vec<SchemaObject>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT type, name, tbl_name, sql FROM {schema}.sqlite_master ORDER BY type, name"
    ))?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
