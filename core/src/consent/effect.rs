//! When a decision takes effect (ARCHITECTURE.md decision 5, GUIDELINE.md S-10). At its start a
//! deny purges the outbox of what it decides and, if the recipient was ever permitted any of
//! it, queues a withdrawal notice; a permit queues the existing records it covers. At the end
//! of a deny, what it covered and is permitted again is queued. A decision in force when it is
//! made takes effect in its own transaction; one dated later, at the first sync after its
//! instant ([`apply_due`]). `consent_effect` remembers which boundaries were acted on, so each
//! takes effect once.

use super::category::DataCategory;
use super::decide::{deciding, is_permitted};
use super::directive::{ConsentDirective, Effect};
use super::gate::offered;
use super::profile::OperatorProfile;
use super::{outbox, repo};
use crate::error::Result;
use crate::records::repo as records_repo;
use rusqlite::{Connection, params};
use std::collections::{HashMap, HashSet};

/// Act on every start and end of `subject`'s directives that is due at `now` and was not acted
/// on yet.
pub(crate) fn apply_due(
    conn: &Connection,
    profile: &OperatorProfile,
    subject: &str,
    now: i64,
) -> Result<()> {
    let history = repo::all_for(conn, subject)?;
    let done = applied(conn, subject)?;
    for d in &history {
        let started = d.valid_from.utc_seconds <= now;
        if started && !done.contains(&(d.id.clone(), "start")) {
            start(conn, profile, &history, d, now)?;
            mark(conn, &d.id, "start", now)?;
        }
        let ended = d.valid_until.is_some_and(|u| u.utc_seconds <= now);
        if ended && !done.contains(&(d.id.clone(), "end")) {
            if d.effect == Effect::Deny {
                queue_cells(conn, profile, &history, d, now)?;
            }
            mark(conn, &d.id, "end", now)?;
        }
    }
    Ok(())
}

fn applied(conn: &Connection, subject: &str) -> Result<HashSet<(String, &'static str)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT e.directive_id, e.boundary FROM consent_effect e
         JOIN consent_directive d ON d.id = e.directive_id WHERE d.subject_id = ?1",
    )?;
    let rows = stmt.query_map([subject], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut out = HashSet::new();
    for row in rows {
        let (id, boundary) = row?;
        out.insert((id, if boundary == "start" { "start" } else { "end" }));
    }
    Ok(out)
}

fn mark(conn: &Connection, id: &str, boundary: &str, now: i64) -> Result<()> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO consent_effect (directive_id, boundary, applied_utc)
         VALUES (?1, ?2, ?3)",
    )?
    .execute(params![id, boundary, now])?;
    Ok(())
}

fn start(
    conn: &Connection,
    profile: &OperatorProfile,
    history: &[ConsentDirective],
    d: &ConsentDirective,
    now: i64,
) -> Result<()> {
    match d.effect {
        Effect::Permit => queue_cells(conn, profile, history, d, now).map(|_| ()),
        Effect::Deny => {
            // Only the cells this deny decides now: a newer permit may already cover others.
            let decided: Vec<(DataCategory, &str)> = cells(d)
                .filter(|(c, p)| {
                    deciding(history, &d.subject_id, &d.recipient, *c, p, now)
                        .is_some_and(|x| x.id == d.id)
                })
                .collect();
            if decided.is_empty() {
                return Ok(());
            }
            outbox::purge_cells(conn, &d.subject_id, &d.recipient, &decided)?;
            if ever_permitted(history, d) {
                outbox::queue_withdrawal(conn, d, now)?;
            }
            Ok(())
        }
    }
}

fn cells(d: &ConsentDirective) -> impl Iterator<Item = (DataCategory, &str)> {
    d.categories
        .iter()
        .flat_map(move |c| d.purposes.iter().map(move |p| (*c, p.as_str())))
}

/// Queue the subject's live records in the cells of `d` that the profile offers and consent
/// permits now, except those the recipient already holds at their current version.
fn queue_cells(
    conn: &Connection,
    profile: &OperatorProfile,
    history: &[ConsentDirective],
    d: &ConsentDirective,
    now: i64,
) -> Result<usize> {
    let (subject, recipient) = (d.subject_id.as_str(), d.recipient.as_str());
    let mut wanted: HashMap<DataCategory, Vec<&str>> = HashMap::new();
    for (c, p) in cells(d) {
        if c != DataCategory::Demographics
            && offered(profile, recipient, c, p)
            && profile.purpose(p).is_some_and(|x| x.releases_records_of(c))
            && is_permitted(history, subject, recipient, c, p, now)
        {
            wanted.entry(c).or_default().push(p);
        }
    }
    if wanted.is_empty() {
        return Ok(0);
    }
    let mut held: HashMap<&str, HashMap<String, i64>> = HashMap::new();
    for p in wanted.values().flatten() {
        held.insert(p, held_versions(conn, recipient, p)?);
    }
    let mut queued = 0;
    for (id, kind, observed, version) in records_repo::live_kinds(conn, subject)? {
        let c = DataCategory::of_kind(kind, observed);
        for p in wanted.get(&c).into_iter().flatten() {
            if held.get(p).and_then(|h| h.get(&id)) == Some(&version) {
                continue;
            }
            if outbox::queue_record(conn, subject, recipient, &id, c, p, now)? {
                queued += 1;
            }
        }
    }
    Ok(queued)
}

/// Record id → version of the copies `recipient` holds for `purpose` (not labelled withdrawn).
fn held_versions(
    conn: &Connection,
    recipient: &str,
    purpose: &str,
) -> Result<HashMap<String, i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT record_id, version FROM sync_remote
         WHERE recipient = ?1 AND purpose = ?2 AND state = 'held' AND withdrawn = 0",
    )?;
    let rows = stmt.query_map(params![recipient, purpose], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
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
