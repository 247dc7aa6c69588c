//! Releasing records to a recipient × purpose: the stored versions, through the
//! gate ([`super::select`]) at the instant of the call, in the caller's one snapshot.

use super::decide::awaits_reconsent;
use super::gate::released_details;
use super::{DataCategory, OperatorProfile, ReleasedRecords, repo, select};
use crate::error::{Error, Result};
use crate::records::{Stamp, imported, persons, repo as records_repo};
use rusqlite::Connection;

/// What `recipient` may receive for `purpose` now of the records `ids` (stored versions), and
/// of the subject's details.
pub(crate) fn release(
    conn: &Connection,
    profile: &OperatorProfile,
    subject: &str,
    (recipient, purpose): (&str, &str),
    ids: &[String],
    now: Stamp,
) -> Result<ReleasedRecords> {
    let at = now.utc_seconds;
    let history = repo::all_for(conn, subject)?;
    let person = persons::get(conn, subject)?.ok_or_else(|| Error::not_found("person"))?;
    let stored = records_repo::load_many(conn, ids)?;
    let awaiting = stored
        .iter()
        .filter(|r| r.meta.subject_id == subject && r.meta.deleted_utc.is_none())
        .filter(|r| {
            let c = DataCategory::of(r);
            super::offered(profile, recipient, c, purpose)
                && awaits_reconsent(&history, subject, recipient, c, purpose, at)
        })
        .map(|r| r.meta.id.clone())
        .collect();
    let (permitted, _) = select(profile, &history, subject, recipient, purpose, at, stored);
    let withheld_count = ids.len() - permitted.len();
    let permitted_ids: Vec<String> = permitted.iter().map(|r| r.meta.id.clone()).collect();
    Ok(ReleasedRecords {
        subject: subject.to_owned(),
        recipient: recipient.to_owned(),
        purpose: purpose.to_owned(),
        released_at: now,
        person,
        originals: imported::originals_of(conn, &permitted_ids)?,
        permitted,
        details: released_details(profile, &history, subject, recipient, purpose, at),
        withheld_count,
        awaiting,
    })
}
