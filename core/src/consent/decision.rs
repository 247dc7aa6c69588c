//! Recording a decision: the directive appended to the subject's history and, when it is in
//! force now, its effect in the same transaction ([`super::effect`]): a deny purges what it
//! covers from the outbox and tells the recipient (only if it was ever permitted any of it: one
//! never permitted learns nothing); a permit queues the existing records it covers.

use super::{ConsentDirective, ConsentRequest, OperatorProfile, effect, repo};
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
    profile: &OperatorProfile,
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
            needs_reconsent: false,
        },
    )?;
    effect::apply_due(conn, profile, subject, now.utc_seconds)?;
    Ok(d)
}
