//! Removing a managed person with all their data (issue #17 item 1): every record, document,
//! goal and grant goes; the person's row stays as a stub without any detail, because consent
//! directives (the append-only record of each decision, S-19) and delegations name their id.
//!
//! Nothing may still be shared: a copy at a recipient, an item waiting to sync or a consent in
//! force would be left without anyone able to withdraw it, so removal waits until the resident
//! (or their representative) has withdrawn, erased and synced — and says which of those is left.

use super::persons;
use super::write::erase_all;
use crate::error::{Error, Result};
use rusqlite::{Connection, params};

/// What still ties a person to a recipient.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StillShared {
    /// Records a recipient may hold a copy of (deleted there by the next sync after an erase).
    pub copies_at_recipients: u32,
    /// Items waiting in the outbox (records, deletions, withdrawal notices).
    pub waiting_to_sync: u32,
    /// Consent toggles permitted now.
    pub consents_in_force: u32,
}

impl StillShared {
    pub fn is_clear(&self) -> bool {
        *self == StillShared::default()
    }

    /// The refusal, in counts only, naming what to do first.
    pub fn refusal(&self) -> Error {
        Error::invalid(
            "person",
            format!(
                "still shared ({} consent(s) in force, {} item(s) waiting to sync, {} record(s) \
                 held by recipients): withdraw the consents, erase the records and sync first",
                self.consents_in_force, self.waiting_to_sync, self.copies_at_recipients
            ),
        )
    }
}

/// The copies and queued items of `subject` (the consents are counted by the caller, who holds
/// the operator profile that gives them meaning).
pub(crate) fn still_shared(
    conn: &Connection,
    subject: &str,
    consents_in_force: u32,
) -> Result<StillShared> {
    let count = |sql: &str| -> Result<u32> { Ok(conn.query_row(sql, [subject], |r| r.get(0))?) };
    Ok(StillShared {
        copies_at_recipients: count("SELECT count(*) FROM sync_remote WHERE subject_id = ?1")?,
        waiting_to_sync: count("SELECT count(*) FROM outbox WHERE subject_id = ?1")?,
        consents_in_force,
    })
}

/// Erase everything of `subject` and leave the stub; returns the ids of the records erased.
/// The caller has checked [`still_shared`] in the same transaction.
pub(crate) fn remove(conn: &Connection, subject: &str, by: &str, at: i64) -> Result<Vec<String>> {
    let ids = erase_all(conn, subject)?;
    crate::goals::repo::erase(conn, subject)?;
    crate::points::repo::erase(conn, subject)?;
    for table in ["sync_cursor_by_type", "sync_patient"] {
        conn.execute(
            &format!("DELETE FROM {table} WHERE subject_id = ?1"),
            [subject],
        )?;
    }
    // Which server resources were pulled into the erased records: nothing to pull them into now.
    let mut forget = conn.prepare_cached("DELETE FROM sync_imported WHERE record_id = ?1")?;
    for id in &ids {
        forget.execute([id])?;
    }
    conn.execute(
        "UPDATE delegation SET revoked_utc = ?2, revoked_by = ?3
         WHERE (subject_id = ?1 OR grantee_person_id = ?1) AND revoked_utc IS NULL",
        params![subject, at, by],
    )?;
    persons::tombstone(conn, subject, at)?;
    Ok(ids)
}
