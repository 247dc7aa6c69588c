//! The outbox: items waiting to leave the device (records queued for a recipient, withdrawal
//! notices). Sync drains it later, and every record still passes the release gate at send time.

use super::category::DataCategory;
use super::directive::ConsentDirective;
use crate::error::{Error, Result};
use rusqlite::{Connection, params};
use serde::Serialize;

/// What an outbox item carries.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxKind {
    /// A record for a recipient and purpose.
    Record,
    /// A notice telling a recipient that consent was withdrawn (the directive says what).
    Withdrawal,
}

/// One pending item.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxItem {
    pub id: String,
    pub kind: OutboxKind,
    pub subject_id: String,
    pub recipient: String,
    pub record_id: Option<String>,
    pub directive_id: Option<String>,
    pub category: Option<DataCategory>,
    pub purpose: Option<String>,
    pub created_utc: i64,
    /// The HTTP status with which a server last refused this item (sync keeps it queued).
    pub last_status: Option<u16>,
}

/// Queue one record; returns false if it was already pending for this recipient and purpose.
pub(crate) fn queue_record(
    conn: &Connection,
    subject: &str,
    recipient: &str,
    record_id: &str,
    category: DataCategory,
    purpose: &str,
    now_utc: i64,
) -> Result<bool> {
    // Prepared once per connection, and a time-ordered id: the item's index entry lands
    // beside the last one instead of on a random page (fewer pages to encrypt per write).
    let n = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO outbox (id, kind, subject_id, recipient, record_id, category,
             purpose, created_utc)
         VALUES (?1, 'record', ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![
            uuid::Uuid::now_v7().to_string(),
            subject,
            recipient,
            record_id,
            category.as_str(),
            purpose,
            now_utc
        ])?;
    Ok(n == 1)
}

/// A deny takes effect: delete every pending record item of these (category, purpose) cells of
/// `subject` for `recipient`. Returns how many were removed.
pub(crate) fn purge_cells(
    conn: &Connection,
    subject: &str,
    recipient: &str,
    cells: &[(DataCategory, &str)],
) -> Result<usize> {
    let mut removed = 0;
    for (c, p) in cells {
        removed += conn.execute(
            "DELETE FROM outbox WHERE kind = 'record' AND subject_id = ?1 AND recipient = ?2
             AND category = ?3 AND purpose = ?4",
            params![subject, recipient, c.as_str(), p],
        )?;
    }
    Ok(removed)
}

/// Queue a withdrawal notice for the recipient (the directive names what was withdrawn).
pub(crate) fn queue_withdrawal(
    conn: &Connection,
    deny: &ConsentDirective,
    now_utc: i64,
) -> Result<()> {
    conn.execute(
        "INSERT INTO outbox (id, kind, subject_id, recipient, directive_id, created_utc)
         VALUES (?1, 'withdrawal', ?2, ?3, ?4, ?5)",
        params![
            uuid::Uuid::new_v4().to_string(),
            deny.subject_id,
            deny.recipient,
            deny.id,
            now_utc
        ],
    )?;
    Ok(())
}

/// Pending items of `subject`, oldest first.
pub(crate) fn pending(conn: &Connection, subject: &str) -> Result<Vec<OutboxItem>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, kind, subject_id, recipient, record_id, directive_id, category, purpose,
                created_utc, last_status
         FROM outbox WHERE subject_id = ?1 ORDER BY created_utc, id",
    )?;
    let rows = stmt.query_map([subject], |r| {
        Ok((
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(6)?,
            OutboxItem {
                id: r.get(0)?,
                kind: OutboxKind::Record,
                subject_id: r.get(2)?,
                recipient: r.get(3)?,
                record_id: r.get(4)?,
                directive_id: r.get(5)?,
                category: None,
                purpose: r.get(7)?,
                created_utc: r.get(8)?,
                last_status: r.get(9)?,
            },
        ))
    })?;
    let corrupt = || Error::CorruptStore {
        reason: "an outbox item is unreadable",
    };
    let mut out = vec![];
    for row in rows {
        let (kind, category, mut item) = row?;
        item.kind = match kind.as_str() {
            "record" => OutboxKind::Record,
            "withdrawal" => OutboxKind::Withdrawal,
            _ => return Err(corrupt()),
        };
        item.category = match category {
            Some(c) => Some(DataCategory::parse(&c).map_err(|_| corrupt())?),
            None => None,
        };
        out.push(item);
    }
    Ok(out)
}
