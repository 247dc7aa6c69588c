//! Listing records: by subject, kind, observation type and time range, newest first, with
//! keyset paging (a page costs the same however deep it is); latest value per type; text search.

use super::observation_type::ObservationType;
use super::record::{Record, RecordKind};
use super::repo;
use crate::error::{Error, Result};
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

/// A page request: at most `limit` records older than `after`.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageRequest {
    pub limit: u32,
    pub after: Option<PageToken>,
}

/// Opaque continuation token (the last record's effective time and id).
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageToken {
    pub effective_utc: i64,
    pub id: String,
}

impl PageRequest {
    pub fn first(limit: u32) -> Self {
        PageRequest { limit, after: None }
    }

    fn checked_limit(&self) -> Result<i64> {
        if self.limit == 0 || self.limit > 1000 {
            return Err(Error::invalid("limit", "must be between 1 and 1000"));
        }
        Ok(i64::from(self.limit))
    }
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page {
    pub records: Vec<Record>,
    /// `Some` when more records may follow.
    pub next: Option<PageToken>,
}

/// What to list. Empty filter = every live record of the subject (the timeline).
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordFilter {
    pub kind: Option<RecordKind>,
    pub observation_type: Option<ObservationType>,
    /// Inclusive lower and exclusive upper bound of the effective time (unix seconds).
    pub from_utc: Option<i64>,
    pub to_utc: Option<i64>,
}

pub(crate) fn list(
    conn: &Connection,
    subject: &str,
    filter: &RecordFilter,
    page: &PageRequest,
) -> Result<Page> {
    let limit = page.checked_limit()?;
    let (after_t, after_id) = match &page.after {
        Some(t) => (Some(t.effective_utc), Some(t.id.as_str())),
        None => (None, None),
    };
    if let (Some(_), Some(kind)) = (filter.observation_type, filter.kind)
        && kind != RecordKind::Observation
    {
        return Err(Error::invalid(
            "kind",
            "an observation type needs kind observation",
        ));
    }
    // Keyset condition: strictly older than the cursor in (effective_utc DESC, id DESC) order.
    let keyset = "(?4 IS NULL OR effective_utc < ?4 OR (effective_utc = ?4 AND {id} < ?5))";
    let ids: Vec<String> = if let Some(ty) = filter.observation_type {
        let sql = format!(
            "SELECT record_id FROM observation
             WHERE subject_id = ?1 AND {} AND (?2 IS NULL OR effective_utc >= ?2) AND (?3 IS NULL OR effective_utc < ?3)
               AND {}
             ORDER BY effective_utc DESC, record_id DESC LIMIT ?7",
            // A pulse is also the pulse of a blood pressure (rollup::series): those entries list.
            if ty == ObservationType::Pulse {
                "type IN (?6, 'blood_pressure') AND (type = ?6 OR value3 IS NOT NULL)"
            } else {
                "type = ?6"
            },
            keyset.replace("{id}", "record_id")
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(
            params![
                subject,
                filter.from_utc,
                filter.to_utc,
                after_t,
                after_id,
                ty.as_str(),
                limit
            ],
            |r| r.get(0),
        )?;
        rows.collect::<rusqlite::Result<_>>()?
    } else {
        let sql = format!(
            "SELECT id FROM record
             WHERE subject_id = ?1 AND deleted_utc IS NULL AND (?6 IS NULL OR kind = ?6)
               AND (?2 IS NULL OR effective_utc >= ?2) AND (?3 IS NULL OR effective_utc < ?3)
               AND {}
             ORDER BY effective_utc DESC, id DESC LIMIT ?7",
            keyset.replace("{id}", "id")
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(
            params![
                subject,
                filter.from_utc,
                filter.to_utc,
                after_t,
                after_id,
                filter.kind.map(|k| k.as_str()),
                limit
            ],
            |r| r.get(0),
        )?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let records = repo::load_many(conn, &ids)?;
    let next = if records.len() as i64 == limit {
        records.last().map(|r| PageToken {
            effective_utc: r.meta.effective.utc_seconds,
            id: r.meta.id.clone(),
        })
    } else {
        None
    };
    Ok(Page { records, next })
}

/// The newest observation of every type the subject has.
pub(crate) fn latest(conn: &Connection, subject: &str) -> Result<Vec<Record>> {
    let mut stmt = conn.prepare_cached(
        "SELECT record_id FROM observation WHERE subject_id = ?1 AND type = ?2
         ORDER BY effective_utc DESC, record_id DESC LIMIT 1",
    )?;
    let mut ids = vec![];
    for ty in ObservationType::ALL {
        if let Some(id) = stmt
            .query_map(params![subject, ty.as_str()], |r| r.get::<_, String>(0))?
            .next()
        {
            ids.push(id?);
        }
    }
    repo::load_many(conn, &ids)
}

/// Notes and medications whose text contains `needle` (case-insensitive for ASCII; kanji and
/// kana match exactly), newest first.
pub(crate) fn search(
    conn: &Connection,
    subject: &str,
    needle: &str,
    limit: u32,
) -> Result<Vec<Record>> {
    let needle = needle.trim();
    if needle.is_empty() || needle.chars().count() > 200 {
        return Err(Error::invalid("query", "must be 1-200 characters"));
    }
    let escaped: String = needle
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    let pattern = format!("%{escaped}%");
    let mut stmt = conn.prepare_cached(
        "SELECT r.id FROM record r
         LEFT JOIN note n ON n.record_id = r.id
         LEFT JOIN medication m ON m.record_id = r.id
         WHERE r.subject_id = ?1 AND r.deleted_utc IS NULL AND r.kind IN ('note', 'medication')
           AND (n.text LIKE ?2 ESCAPE '\\' OR m.drug_name LIKE ?2 ESCAPE '\\')
         ORDER BY r.effective_utc DESC, r.id DESC LIMIT ?3",
    )?;
    let ids: Vec<String> = stmt
        .query_map(
            params![subject, pattern, i64::from(limit.clamp(1, 1000))],
            |r| r.get(0),
        )?
        .collect::<rusqlite::Result<_>>()?;
    repo::load_many(conn, &ids)
}

/// Every live record of `subject`, oldest first (by effective time, then id): a whole-record
/// export. Call it inside one read transaction so the set is one snapshot.
pub(crate) fn all_live(conn: &Connection, subject: &str) -> Result<Vec<Record>> {
    repo::load_live(conn, subject)
}
