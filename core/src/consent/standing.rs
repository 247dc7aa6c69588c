//! Standing consent (ARCHITECTURE.md decision 5): a record written, edited or imported goes into
//! the outbox in the transaction of the change, for every recipient × purpose whose consent
//! permits its category now. Sync sends it later, through the gate again. Nothing here touches
//! the network: writing stays offline.

use super::category::DataCategory;
use super::decide::is_permitted;
use super::profile::OperatorProfile;
use super::{outbox, repo};
use crate::error::Result;
use rusqlite::Connection;
use std::collections::HashMap;

/// Queue `written` (record id, category) of `subject` for every recipient × purpose the profile
/// offers the category to and consent permits at `now`, except `except` (the recipient a pulled
/// record came from). Returns how many items were queued.
pub(crate) fn queue_written(
    conn: &Connection,
    profile: &OperatorProfile,
    subject: &str,
    written: &[(String, DataCategory)],
    now: i64,
    except: Option<&str>,
) -> Result<usize> {
    if written.is_empty() {
        return Ok(0);
    }
    let history = repo::all_for(conn, subject)?;
    if history.is_empty() {
        return Ok(0); // default deny: nothing is permitted to anyone
    }
    let mut targets: HashMap<DataCategory, Vec<(&str, &str)>> = HashMap::new();
    let mut queued = 0;
    for (id, category) in written {
        let to = targets.entry(*category).or_insert_with(|| {
            profile
                .purposes
                .iter()
                .filter(|p| p.releases_records_of(*category))
                .flat_map(|p| {
                    p.recipients
                        .iter()
                        .map(move |r| (r.as_str(), p.code.as_str()))
                })
                .filter(|(r, p)| {
                    Some(*r) != except && is_permitted(&history, subject, r, *category, p, now)
                })
                .collect()
        });
        for (recipient, purpose) in to.iter() {
            if outbox::queue_record(conn, subject, recipient, id, *category, purpose, now)? {
                queued += 1;
            }
        }
    }
    Ok(queued)
}
