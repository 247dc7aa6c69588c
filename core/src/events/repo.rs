//! Who joined which event, with the consent decisions that joined and left it.

use crate::error::Result;
use rusqlite::{Connection, OptionalExtension, params};

/// A membership as stored: the team, and whether it is current (not left).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Membership {
    pub team: Option<String>,
    pub current: bool,
}

pub(crate) fn get(conn: &Connection, subject: &str, event: &str) -> Result<Option<Membership>> {
    Ok(conn
        .query_row(
            "SELECT team, left_utc IS NULL FROM event_member WHERE subject_id = ?1 AND event_id = ?2",
            params![subject, event],
            |r| {
                Ok(Membership {
                    team: r.get(0)?,
                    current: r.get(1)?,
                })
            },
        )
        .optional()?)
}

/// Joined (again): the permit `directive` recorded it.
pub(crate) fn join(
    conn: &Connection,
    subject: &str,
    event: &str,
    team: Option<&str>,
    directive: &str,
    at: i64,
) -> Result<()> {
    conn.execute(
        "INSERT INTO event_member (subject_id, event_id, team, joined_utc, join_directive)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (subject_id, event_id) DO UPDATE SET team = excluded.team,
             joined_utc = excluded.joined_utc, join_directive = excluded.join_directive,
             left_utc = NULL, leave_directive = NULL",
        params![subject, event, team, at, directive],
    )?;
    Ok(())
}

/// Left: the withdrawal `directive` recorded it.
pub(crate) fn leave(
    conn: &Connection,
    subject: &str,
    event: &str,
    directive: &str,
    at: i64,
) -> Result<()> {
    conn.execute(
        "UPDATE event_member SET left_utc = ?3, leave_directive = ?4
         WHERE subject_id = ?1 AND event_id = ?2 AND left_utc IS NULL",
        params![subject, event, at, directive],
    )?;
    Ok(())
}
