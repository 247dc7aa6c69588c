//! Sync's own rows: what a recipient may hold (`sync_remote`), pull cursors, imported resources,
//! and the outbox edits sync makes. Write helpers take the write transaction, reads a connection.

use crate::consent::DataCategory;
use crate::error::Result;
use rusqlite::{Connection, OptionalExtension, params};
use zeroize::Zeroizing;

/// One row of `sync_remote`.
#[derive(Debug, Clone)]
pub(crate) struct Remote {
    pub purpose: String,
    pub record_id: String,
    pub resources: Vec<String>,
    /// The category the record was sent under (`None`: not one this build knows).
    pub category: Option<DataCategory>,
}

/// Before a request leaves: the recipient may hold this record from now on.
#[allow(clippy::too_many_arguments)]
pub(crate) fn mark_sending(
    conn: &Connection,
    recipient: &str,
    purpose: &str,
    record_id: &str,
    subject: &str,
    category: DataCategory,
    resources: &[String],
    version: i64,
    now_utc: i64,
) -> Result<()> {
    // An existing 'held' row keeps its state: its old copy exists whatever this send does; the
    // resource list is the union, so a later delete removes every address ever used.
    let old = resources_of(conn, recipient, purpose, record_id)?;
    let mut all: Vec<String> = old.unwrap_or_default();
    for r in resources {
        if !all.contains(r) {
            all.push(r.clone());
        }
    }
    conn.execute(
        "INSERT INTO sync_remote (recipient, purpose, record_id, subject_id, category, resources,
             state, version, updated_utc)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'sending', ?7, ?8)
         ON CONFLICT (recipient, purpose, record_id) DO UPDATE SET
             category = excluded.category, resources = excluded.resources,
             version = excluded.version, updated_utc = excluded.updated_utc, withdrawn = 0",
        params![
            recipient,
            purpose,
            record_id,
            subject,
            category.as_str(),
            all.join(" "),
            version,
            now_utc
        ],
    )?;
    Ok(())
}

fn resources_of(
    conn: &Connection,
    recipient: &str,
    purpose: &str,
    record_id: &str,
) -> Result<Option<Vec<String>>> {
    Ok(conn
        .prepare_cached(
            "SELECT resources FROM sync_remote
             WHERE recipient = ?1 AND purpose = ?2 AND record_id = ?3",
        )?
        .query_row(params![recipient, purpose, record_id], |r| {
            r.get::<_, String>(0)
        })
        .optional()?
        .map(|s| split(&s)))
}

/// A `sync_remote` row read as `SELECT purpose, record_id, resources, category`.
fn remote(r: &rusqlite::Row<'_>) -> rusqlite::Result<Remote> {
    Ok(Remote {
        purpose: r.get(0)?,
        record_id: r.get(1)?,
        resources: split(&r.get::<_, String>(2)?),
        category: DataCategory::parse(&r.get::<_, String>(3)?).ok(),
    })
}

fn split(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_owned).collect()
}

/// After the server confirmed a record's resources at `version`: the copy is held, and the
/// outbox item is done unless the record changed meanwhile (then it stays for the next pass).
/// The row keeps every address [`mark_sending`] recorded, not only the ones just sent: an
/// address the record no longer maps to (a checkup line replaced by an edit) may still be held
/// there, and a later delete must reach it too.
pub(crate) fn confirm_held(
    conn: &Connection,
    outbox_id: &str,
    recipient: &str,
    purpose: &str,
    record_id: &str,
    version: i64,
) -> Result<()> {
    conn.execute(
        "UPDATE sync_remote SET state = 'held'
         WHERE recipient = ?1 AND purpose = ?2 AND record_id = ?3",
        params![recipient, purpose, record_id],
    )?;
    done_if_unchanged(conn, outbox_id, record_id, version)
}

/// Delete the outbox item if its record is still at `version` (or gone).
pub(crate) fn done_if_unchanged(
    conn: &Connection,
    outbox_id: &str,
    record_id: &str,
    version: i64,
) -> Result<()> {
    conn.execute(
        "DELETE FROM outbox WHERE id = ?1
           AND coalesce((SELECT version FROM record WHERE id = ?2), ?3) = ?3",
        params![outbox_id, record_id, version],
    )?;
    Ok(())
}

/// The recipient keeps `resources` of the record labelled withdrawn for this purpose: no more
/// updates go there, an erasure still deletes them (every address ever sent is kept).
pub(crate) fn mark_withdrawn(
    conn: &Connection,
    recipient: &str,
    purpose: &str,
    record_id: &str,
    resources: &[String],
) -> Result<()> {
    let mut all = resources_of(conn, recipient, purpose, record_id)?.unwrap_or_default();
    for r in resources {
        if !all.contains(r) {
            all.push(r.clone());
        }
    }
    conn.execute(
        "UPDATE sync_remote SET withdrawn = 1, state = 'held', resources = ?4
         WHERE recipient = ?1 AND purpose = ?2 AND record_id = ?3",
        params![recipient, purpose, record_id, all.join(" ")],
    )?;
    Ok(())
}

/// The recipient no longer holds this record for this purpose.
pub(crate) fn forget(
    conn: &Connection,
    recipient: &str,
    purpose: &str,
    record_id: &str,
) -> Result<()> {
    conn.execute(
        "DELETE FROM sync_remote WHERE recipient = ?1 AND purpose = ?2 AND record_id = ?3",
        params![recipient, purpose, record_id],
    )?;
    Ok(())
}

/// The server refused an outbox item: keep it, with the status, for the UI and the next sync.
pub(crate) fn mark_rejected(conn: &Connection, outbox_id: &str, status: u16) -> Result<()> {
    conn.execute(
        "UPDATE outbox SET last_status = ?2 WHERE id = ?1",
        params![outbox_id, status],
    )?;
    Ok(())
}

pub(crate) fn delete_outbox(conn: &Connection, outbox_id: &str) -> Result<()> {
    conn.execute("DELETE FROM outbox WHERE id = ?1", [outbox_id])?;
    Ok(())
}

/// Every row for `record_id` at `recipient` (all purposes).
pub(crate) fn remotes_of_record(
    conn: &Connection,
    recipient: &str,
    record_id: &str,
) -> Result<Vec<Remote>> {
    let mut stmt = conn.prepare_cached(
        "SELECT purpose, record_id, resources, category FROM sync_remote
         WHERE recipient = ?1 AND record_id = ?2 AND withdrawn = 0",
    )?;
    let rows = stmt.query_map(params![recipient, record_id], remote)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Rows a withdrawal of `categories` × `purposes` covers.
pub(crate) fn remotes_covered(
    conn: &Connection,
    subject: &str,
    recipient: &str,
    categories: &[DataCategory],
    purposes: &[String],
) -> Result<Vec<Remote>> {
    let mut out = vec![];
    let mut stmt = conn.prepare_cached(
        "SELECT purpose, record_id, resources, category FROM sync_remote
         WHERE subject_id = ?1 AND recipient = ?2 AND category = ?3 AND purpose = ?4
           AND withdrawn = 0
         ORDER BY record_id",
    )?;
    for c in categories {
        for p in purposes {
            let rows = stmt.query_map(params![subject, recipient, c.as_str(), p], remote)?;
            for row in rows {
                out.push(row?);
            }
        }
    }
    Ok(out)
}

/// Copies `recipient` may hold of `subject`'s records that no longer exist here (erased on the
/// resident's request), and of figures derived from records since erased
/// ([`mark_derived_erased`]): sync deletes them there. `sync_remote` has no foreign key to `record`
/// for exactly this reason.
pub(crate) fn orphans(conn: &Connection, subject: &str, recipient: &str) -> Result<Vec<Remote>> {
    let mut stmt = conn.prepare_cached(
        "SELECT purpose, record_id, resources, category FROM sync_remote r
         WHERE subject_id = ?1 AND recipient = ?2
           AND CASE derived WHEN 0 THEN NOT EXISTS (SELECT 1 FROM record WHERE id = r.record_id)
                            ELSE version < 0 END
         ORDER BY record_id, purpose",
    )?;
    let rows = stmt.query_map(params![subject, recipient], remote)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Per recipient, how many records of `subject` erased here it may still hold ([`orphans`]):
/// what the next sync with it deletes there.
pub(crate) fn erased_held(conn: &Connection, subject: &str) -> Result<Vec<(String, u32)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT recipient, count(DISTINCT record_id) FROM sync_remote r
         WHERE subject_id = ?1
           AND CASE derived WHEN 0 THEN NOT EXISTS (SELECT 1 FROM record WHERE id = r.record_id)
                            ELSE version < 0 END
         GROUP BY recipient ORDER BY recipient",
    )?;
    let rows = stmt.query_map([subject], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A recipient's copy of a figure derived on the device (an event's daily step total): its
/// key (`record_id`), the value it was sent at (`version`), whether the server confirmed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DerivedCopy {
    pub key: String,
    pub version: i64,
    pub held: bool,
    pub resources: Vec<String>,
}

/// The derived copies of `subject` at `recipient` for `purpose` whose key starts with
/// `prefix`, withdrawn ones left out (the withdrawal settled them).
pub(crate) fn derived_copies(
    conn: &Connection,
    (subject, recipient, purpose): (&str, &str, &str),
    prefix: &str,
) -> Result<Vec<DerivedCopy>> {
    let mut stmt = conn.prepare_cached(
        "SELECT record_id, version, state, resources FROM sync_remote
         WHERE subject_id = ?1 AND recipient = ?2 AND purpose = ?3 AND derived = 1
           AND withdrawn = 0 AND substr(record_id, 1, length(?4)) = ?4
         ORDER BY record_id",
    )?;
    let rows = stmt.query_map(params![subject, recipient, purpose, prefix], |r| {
        Ok(DerivedCopy {
            key: r.get(0)?,
            version: r.get(1)?,
            held: r.get::<_, String>(2)? == "held",
            resources: split(&r.get::<_, String>(3)?),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// In the transaction of "erase my data": every figure derived from `subject`'s records that a
/// recipient may hold is to be deleted there (version -1: what [`orphans`] returns), whether or
/// not consent still permits it.
pub(crate) fn mark_derived_erased(conn: &Connection, subject: &str) -> Result<()> {
    conn.execute(
        "UPDATE sync_remote SET version = -1 WHERE subject_id = ?1 AND derived = 1",
        [subject],
    )?;
    Ok(())
}

/// Before a derived figure leaves: the recipient may hold it (at `version`) from now on.
pub(crate) fn derived_sending(
    conn: &Connection,
    (subject, recipient, purpose): (&str, &str, &str),
    key: &str,
    (category, resource, version): (DataCategory, &str, i64),
    now_utc: i64,
) -> Result<()> {
    conn.execute(
        "INSERT INTO sync_remote (recipient, purpose, record_id, subject_id, category, resources,
             state, version, updated_utc, derived)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'sending', ?7, ?8, 1)
         ON CONFLICT (recipient, purpose, record_id) DO UPDATE SET state = 'sending',
             version = excluded.version, updated_utc = excluded.updated_utc, withdrawn = 0",
        params![
            recipient,
            purpose,
            key,
            subject,
            category.as_str(),
            resource,
            version,
            now_utc
        ],
    )?;
    Ok(())
}

/// The server confirmed a derived figure at `version`.
pub(crate) fn derived_held(
    conn: &Connection,
    (recipient, purpose): (&str, &str),
    key: &str,
    version: i64,
) -> Result<()> {
    conn.execute(
        "UPDATE sync_remote SET state = 'held'
         WHERE recipient = ?1 AND purpose = ?2 AND record_id = ?3 AND version = ?4",
        params![recipient, purpose, key, version],
    )?;
    Ok(())
}

/// Every resource address the recipient may hold from this device (the pull skips them).
pub(crate) fn all_addresses(conn: &Connection, recipient: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT resources FROM sync_remote WHERE recipient = ?1")?;
    let rows = stmt.query_map([recipient], |r| r.get::<_, String>(0))?;
    let mut out = vec![];
    for r in rows {
        out.extend(split(&r?));
    }
    Ok(out)
}

/// In the transaction of a record change (edit, tombstone): put the record back in the outbox
/// for every recipient and purpose that holds (or may hold) a copy, so the change propagates.
/// An item already pending is kept (sync sends the record as it is at send time).
pub(crate) fn requeue_changed(
    conn: &Connection,
    record_id: &str,
    category: DataCategory,
    now_utc: i64,
) -> Result<usize> {
    let mut stmt = conn.prepare_cached(
        "SELECT recipient, purpose, subject_id FROM sync_remote
         WHERE record_id = ?1 AND withdrawn = 0",
    )?;
    let targets: Vec<(String, String, String)> = stmt
        .query_map([record_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut queued = 0;
    for (recipient, purpose, subject) in targets {
        if crate::consent::queue_record(
            conn, &subject, &recipient, record_id, category, &purpose, now_utc,
        )? {
            queued += 1;
        }
    }
    Ok(queued)
}

pub(crate) fn cursor(
    conn: &Connection,
    subject: &str,
    recipient: &str,
    rtype: &str,
) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached(
            "SELECT last_updated FROM sync_cursor_by_type
             WHERE subject_id = ?1 AND recipient = ?2 AND resource_type = ?3",
        )?
        .query_row(params![subject, recipient, rtype], |r| r.get(0))
        .optional()?)
}

/// Move the cursor of `rtype` forward (never back).
pub(crate) fn set_cursor(
    conn: &Connection,
    subject: &str,
    recipient: &str,
    rtype: &str,
    at: &str,
) -> Result<()> {
    conn.execute(
        "INSERT INTO sync_cursor_by_type (subject_id, recipient, resource_type, last_updated)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (subject_id, recipient, resource_type)
         DO UPDATE SET last_updated = excluded.last_updated
         WHERE excluded.last_updated > sync_cursor_by_type.last_updated",
        params![subject, recipient, rtype, at],
    )?;
    Ok(())
}

/// This store's origin id for `meta.tag`, if made yet (see [`make_origin`]).
pub(crate) fn origin(conn: &Connection) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT value FROM store_meta WHERE key = 'sync_origin'",
            [],
            |r| r.get(0),
        )
        .optional()?)
}

/// Make the origin id once: a random UUID kept in `store_meta`. It names the store, not a
/// person.
pub(crate) fn make_origin(conn: &Connection) -> Result<String> {
    conn.execute(
        "INSERT OR IGNORE INTO store_meta (key, value) VALUES ('sync_origin', ?1)",
        [uuid::Uuid::new_v4().to_string()],
    )?;
    Ok(origin(conn)?.unwrap_or_default())
}

/// The token `recipient`'s server at `origin` last accepted: a token is never sent to another
/// origin than the one that accepted it.
pub(crate) fn token(
    conn: &Connection,
    recipient: &str,
    origin: &str,
) -> Result<Option<Zeroizing<String>>> {
    Ok(conn
        .prepare_cached("SELECT token FROM sync_token WHERE recipient = ?1 AND origin = ?2")?
        .query_row(params![recipient, origin], |r| r.get::<_, String>(0))
        .optional()?
        .map(Zeroizing::new))
}

pub(crate) fn keep_token(
    conn: &Connection,
    (recipient, origin): (&str, &str),
    token: &str,
    now_utc: i64,
) -> Result<()> {
    conn.execute(
        "INSERT INTO sync_token (recipient, origin, token, updated_utc) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (recipient, origin) DO UPDATE SET token = excluded.token,
             updated_utc = excluded.updated_utc
         WHERE excluded.token <> sync_token.token",
        params![recipient, origin, token, now_utc],
    )?;
    Ok(())
}

/// Forget every token kept for `recipient`, whatever origin accepted it.
pub(crate) fn forget_token(conn: &Connection, recipient: &str) -> Result<bool> {
    Ok(conn.execute("DELETE FROM sync_token WHERE recipient = ?1", [recipient])? > 0)
}

/// Whether `recipient`'s server (as last seen) keeps the history of what it deletes: true
/// unless its CapabilityStatement offered `$expunge` (unknown counts as kept).
pub(crate) fn history_kept(conn: &Connection, recipient: &str) -> Result<bool> {
    let expunge: Option<bool> = conn
        .prepare_cached(
            "SELECT expunge FROM sync_capability WHERE recipient = ?1
             ORDER BY checked_utc DESC LIMIT 1",
        )?
        .query_row([recipient], |r| r.get(0))
        .optional()?;
    Ok(expunge != Some(true))
}

/// What the server at `origin` said of `$expunge`.
pub(crate) fn keep_capability(
    conn: &Connection,
    (recipient, origin): (&str, &str),
    expunge: bool,
    now_utc: i64,
) -> Result<()> {
    conn.execute(
        "INSERT INTO sync_capability (recipient, origin, expunge, checked_utc)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (recipient, origin) DO UPDATE SET expunge = excluded.expunge,
             checked_utc = excluded.checked_utc",
        params![recipient, origin, expunge, now_utc],
    )?;
    Ok(())
}

/// The server version of `resource` (`Type/id`) last imported from `recipient`, if any.
pub(crate) fn imported_version(
    conn: &Connection,
    recipient: &str,
    resource: &str,
) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached(
            "SELECT version_id FROM sync_imported WHERE recipient = ?1 AND resource = ?2",
        )?
        .query_row(params![recipient, resource], |r| r.get(0))
        .optional()?)
}

pub(crate) fn mark_imported(
    conn: &Connection,
    recipient: &str,
    resource: &str,
    version_id: &str,
    record_id: &str,
) -> Result<()> {
    conn.execute(
        "INSERT OR REPLACE INTO sync_imported (recipient, resource, version_id, record_id)
         VALUES (?1, ?2, ?3, ?4)",
        params![recipient, resource, version_id, record_id],
    )?;
    Ok(())
}

/// The subject's Patient as a recipient holds (or may hold) it.
#[derive(Debug, Clone)]
pub(crate) struct PatientCopy {
    pub digest: String,
    pub held: bool,
    pub withdrawn: bool,
}

impl PatientCopy {
    /// Confirmed by the server and not labelled withdrawn.
    pub fn settled(&self) -> bool {
        self.held && !self.withdrawn
    }
}

/// Whether `recipient` holds (or may hold, or is labelled to keep) a record of `subject`, or
/// has one queued: such records point at the subject's Patient there.
pub(crate) fn records_there_or_queued(
    conn: &Connection,
    recipient: &str,
    subject: &str,
) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM sync_remote WHERE subject_id = ?2 AND recipient = ?1)
                 OR EXISTS (SELECT 1 FROM outbox
                            WHERE kind = 'record' AND subject_id = ?2 AND recipient = ?1)",
        )?
        .query_row(params![recipient, subject], |r| r.get(0))?)
}

pub(crate) fn patient_copy(
    conn: &Connection,
    recipient: &str,
    subject: &str,
) -> Result<Option<PatientCopy>> {
    Ok(conn
        .prepare_cached(
            "SELECT digest, state, withdrawn FROM sync_patient
             WHERE recipient = ?1 AND subject_id = ?2",
        )?
        .query_row(params![recipient, subject], |r| {
            Ok(PatientCopy {
                digest: r.get(0)?,
                held: r.get::<_, String>(1)? == "held",
                withdrawn: r.get(2)?,
            })
        })
        .optional()?)
}

/// Before the Patient leaves: the recipient may hold this content from now on.
pub(crate) fn patient_sending(
    conn: &Connection,
    recipient: &str,
    subject: &str,
    address: &str,
    digest: &str,
) -> Result<()> {
    conn.execute(
        "INSERT INTO sync_patient (recipient, subject_id, resource, digest, state, withdrawn)
         VALUES (?1, ?2, ?3, ?4, 'sending', 0)
         ON CONFLICT (recipient, subject_id) DO UPDATE SET digest = excluded.digest,
             state = 'sending', withdrawn = 0",
        params![recipient, subject, address, digest],
    )?;
    Ok(())
}

pub(crate) fn patient_held(conn: &Connection, recipient: &str, subject: &str) -> Result<()> {
    conn.execute(
        "UPDATE sync_patient SET state = 'held' WHERE recipient = ?1 AND subject_id = ?2",
        params![recipient, subject],
    )?;
    Ok(())
}

/// No detail is released any more: the copy was deleted there, or labelled withdrawn.
pub(crate) fn patient_removed(
    conn: &Connection,
    recipient: &str,
    subject: &str,
    labelled: bool,
) -> Result<()> {
    if labelled {
        conn.execute(
            "UPDATE sync_patient SET withdrawn = 1, state = 'held'
             WHERE recipient = ?1 AND subject_id = ?2",
            params![recipient, subject],
        )?;
    } else {
        conn.execute(
            "DELETE FROM sync_patient WHERE recipient = ?1 AND subject_id = ?2",
            params![recipient, subject],
        )?;
    }
    Ok(())
}

/// The records earlier pulls from `recipient` made or updated: the only ones a pulled resource
/// may update.
pub(crate) fn imported_records(
    conn: &Connection,
    recipient: &str,
) -> Result<std::collections::HashSet<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT record_id FROM sync_imported WHERE recipient = ?1 AND record_id <> ''",
    )?;
    let rows = stmt.query_map([recipient], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
