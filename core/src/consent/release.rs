//! Releasing and queueing records for a recipient × purpose: the stored versions, through the
//! gate ([`super::select`]) at the instant of the call.

use super::{DataCategory, OperatorProfile, ReleasedRecords, outbox, repo, select};
use crate::error::Result;
use crate::records::{Stamp, repo as records_repo};
use rusqlite::Connection;

/// What `recipient` may receive for `purpose` now of the records `ids` (stored versions).
pub(crate) fn release(
    conn: &Connection,
    profile: &OperatorProfile,
    subject: &str,
    (recipient, purpose): (&str, &str),
    ids: &[String],
    now: Stamp,
) -> Result<ReleasedRecords> {
    let history = repo::all_for(conn, subject)?;
    let stored = records_repo::load_many(conn, ids)?;
    let (permitted, _) = select(
        profile,
        &history,
        subject,
        recipient,
        purpose,
        now.utc_seconds,
        stored,
    );
    let withheld = ids.len() - permitted.len();
    Ok(ReleasedRecords::new(
        subject,
        recipient,
        purpose,
        now,
        (permitted, withheld),
    ))
}

/// Put those of `ids` that consent permits now in the outbox for `recipient` and `purpose`
/// (sync sends them later, through the gate again). Returns the ids queued.
pub(crate) fn queue(
    conn: &Connection,
    profile: &OperatorProfile,
    subject: &str,
    (recipient, purpose): (&str, &str),
    ids: &[String],
    now: Stamp,
) -> Result<Vec<String>> {
    let released = release(conn, profile, subject, (recipient, purpose), ids, now)?;
    let mut queued = vec![];
    for r in released.permitted() {
        let category = DataCategory::of(r);
        let id = &r.meta.id;
        if outbox::queue_record(
            conn,
            subject,
            recipient,
            id,
            category,
            purpose,
            now.utc_seconds,
        )? {
            queued.push(id.clone());
        }
    }
    Ok(queued)
}
