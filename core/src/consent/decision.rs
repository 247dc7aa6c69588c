//! Recording a decision: the directive appended to the subject's history and, for a deny in
//! force now, what it covers purged from the outbox and the recipient told of the withdrawal
//! (only if it was ever permitted any of it: one never permitted learns nothing).

use super::{ConsentDirective, ConsentRequest, Effect, outbox, repo};
use crate::error::Result;
use crate::records::Stamp;
use rusqlite::Connection;

/// Who decided: the acting person, and the delegation they acted through.
pub(crate) struct DecidedBy<'a> {
    pub actor: &'a str,
    pub delegation: Option<&'a str>,
}

/// Append the checked request `req` as a directive of `subject`, decided at `now`.
pub(crate) fn record(
    conn: &Connection,
    subject: &str,
    req: &ConsentRequest,
    by: DecidedBy<'_>,
    now: Stamp,
) -> Result<ConsentDirective> {
    // Decisions never go back in time, so "newest" is the same by time and by order.
    let last = repo::last_decided(conn)?.unwrap_or(i64::MIN);
    let decided_at = Stamp {
        utc_seconds: now.utc_seconds.max(last),
        offset_seconds: now.offset_seconds,
    };
    let d = repo::insert(
        conn,
        &ConsentDirective {
            id: uuid::Uuid::new_v4().to_string(),
            seq: 0,
            subject_id: subject.to_owned(),
            recipient: req.recipient.clone(),
            categories: req.categories.clone(),
            purposes: req.purposes.clone(),
            effect: req.effect,
            valid_from: req.valid_from.unwrap_or(now),
            valid_until: req.valid_until,
            decided_at,
            decided_by: by.actor.to_owned(),
            delegation: by.delegation.map(str::to_owned),
            notice_version: req.notice_version.clone().unwrap_or_default(),
        },
    )?;
    if d.effect == Effect::Deny && d.valid_from.utc_seconds <= now.utc_seconds {
        outbox::purge_covered(conn, &d)?;
        if ever_permitted(&repo::all_for(conn, subject)?, &d) {
            outbox::queue_withdrawal(conn, &d, now.utc_seconds)?;
        }
    }
    Ok(d)
}

/// Whether `history` ever permitted `deny.recipient` something the deny covers: only then is
/// the recipient told of the withdrawal (one never permitted learns nothing about the subject).
fn ever_permitted(history: &[ConsentDirective], deny: &ConsentDirective) -> bool {
    history.iter().any(|h| {
        h.effect == Effect::Permit
            && h.recipient == deny.recipient
            && h.categories.iter().any(|c| deny.categories.contains(c))
            && h.purposes.iter().any(|p| deny.purposes.contains(p))
    })
}
