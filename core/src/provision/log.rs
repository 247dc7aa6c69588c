//! Writing and reading the provision log (`provision_log`, schema v22).

use super::KEEP_YEARS;
use super::entry::{Channel, Form, Provision, damaged};
use crate::consent::{self, DataCategory, OperatorProfile, ReleasedRecords};
use crate::error::Result;
use crate::records::{PersonDetail, Stamp};
use chrono::{DateTime, Months, Utc};
use rusqlite::{Connection, params};

/// What one release provided, before the log adds who allowed it.
pub(crate) struct Provided<'a> {
    pub subject: &'a str,
    pub actor: &'a str,
    pub recipient: &'a str,
    pub purpose: &'a str,
    pub channel: Channel,
    pub form: Form,
    pub categories: Vec<DataCategory>,
    pub details: Vec<PersonDetail>,
    pub item_count: usize,
    /// The instant the gate judged the release at (the directives are those in force then).
    pub judged_at: i64,
}

impl<'a> Provided<'a> {
    /// What the gate's release `r` provides when it is handed out through `channel` whole.
    pub(crate) fn records(r: &'a ReleasedRecords, actor: &'a str, channel: Channel) -> Self {
        let form = if r.permitted().is_empty() {
            Form::SubjectDetails
        } else {
            Form::Records
        };
        Provided {
            subject: r.subject(),
            actor,
            recipient: r.recipient(),
            purpose: r.purpose(),
            channel,
            form,
            categories: r.permitted().iter().map(DataCategory::of).collect(),
            details: r.details().to_vec(),
            item_count: r.permitted().len(),
            judged_at: r.released_at().utc_seconds,
        }
    }
}

/// Record `p` at `at`, inside the caller's transaction (the one that makes the provision a
/// fact). Nothing is recorded for an empty release.
pub(crate) fn record(
    conn: &Connection,
    profile: &OperatorProfile,
    p: Provided<'_>,
    at: Stamp,
) -> Result<()> {
    if p.item_count == 0 && p.details.is_empty() {
        return Ok(());
    }
    let mut categories = p.categories;
    if !p.details.is_empty() && !categories.contains(&DataCategory::Demographics) {
        categories.push(DataCategory::Demographics);
    }
    categories.sort_by_key(|c| c.as_str());
    categories.dedup();
    let mut details = p.details;
    details.sort();
    details.dedup();
    let history = consent::repo::all_for(conn, p.subject)?;
    let mut directives: Vec<String> = categories
        .iter()
        .filter_map(|c| {
            consent::deciding(&history, p.subject, p.recipient, *c, p.purpose, p.judged_at)
                .map(|d| d.id.clone())
        })
        .collect();
    directives.sort();
    directives.dedup();
    let name = profile
        .recipient(p.recipient)
        .map_or(p.recipient, |r| r.name.as_str());
    conn.prepare_cached(
        "INSERT INTO provision_log (id, at_utc, offset_seconds, subject_id, actor, recipient,
             recipient_name, purpose, channel, form, categories, details, item_count,
             directive_ids, keep_until_utc)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
    )?
    .execute(params![
        uuid::Uuid::new_v4().to_string(),
        at.utc_seconds,
        at.offset_seconds,
        p.subject,
        p.actor,
        p.recipient,
        name,
        p.purpose,
        p.channel.as_str(),
        p.form.as_str(),
        join(categories.iter().map(|c| c.as_str())),
        join(details.iter().map(|d| d.as_str())),
        i64::try_from(p.item_count).unwrap_or(i64::MAX),
        directives.join(","),
        keep_until(at.utc_seconds),
    ])?;
    Ok(())
}

fn join<'a>(parts: impl Iterator<Item = &'a str>) -> String {
    parts.collect::<Vec<_>>().join(",")
}

/// Three calendar years after `at_utc` (a release on 29 February is kept to 28 February).
fn keep_until(at_utc: i64) -> i64 {
    DateTime::<Utc>::from_timestamp(at_utc, 0)
        .and_then(|t| t.checked_add_months(Months::new(12 * KEEP_YEARS as u32)))
        .map_or(i64::MAX, |t| t.timestamp())
}

/// The subject's provisions, oldest first.
pub(crate) fn list(conn: &Connection, subject: &str) -> Result<Vec<Provision>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, at_utc, offset_seconds, subject_id, actor, recipient, recipient_name,
                purpose, channel, form, categories, details, item_count, directive_ids,
                keep_until_utc
         FROM provision_log WHERE subject_id = ?1 ORDER BY at_utc, rowid",
    )?;
    let rows = stmt.query_map([subject], |r| {
        Ok((
            (
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i32>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, String>(7)?,
            ),
            (
                r.get::<_, String>(8)?,
                r.get::<_, String>(9)?,
                r.get::<_, String>(10)?,
                r.get::<_, String>(11)?,
                r.get::<_, i64>(12)?,
                r.get::<_, String>(13)?,
                r.get::<_, i64>(14)?,
            ),
        ))
    })?;
    let mut out = vec![];
    for row in rows {
        let ((id, at, offset, subject_id, actor, recipient, recipient_name, purpose), rest) = row?;
        let (channel, form, categories, details, count, directives, keep) = rest;
        out.push(Provision {
            id,
            at: Stamp {
                utc_seconds: at,
                offset_seconds: offset,
            },
            subject_id,
            actor,
            recipient,
            recipient_name,
            purpose,
            channel: Channel::parse(&channel)?,
            form: Form::parse(&form)?,
            categories: split(&categories)
                .map(|c| DataCategory::parse(c).map_err(|_| damaged()))
                .collect::<Result<_>>()?,
            details: split(&details)
                .map(|d| detail(d).ok_or_else(damaged))
                .collect::<Result<_>>()?,
            item_count: u32::try_from(count).map_err(|_| damaged())?,
            directive_ids: split(&directives).map(str::to_owned).collect(),
            keep_until: Stamp {
                utc_seconds: keep,
                offset_seconds: offset,
            },
        });
    }
    Ok(out)
}

fn detail(s: &str) -> Option<PersonDetail> {
    PersonDetail::ALL.iter().copied().find(|d| d.as_str() == s)
}

fn split(s: &str) -> impl Iterator<Item = &str> {
    s.split(',').filter(|x| !x.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_is_kept_three_calendar_years() {
        let at = chrono::NaiveDate::from_ymd_opt(2026, 12, 6)
            .unwrap()
            .and_hms_opt(1, 0, 0)
            .unwrap()
            .and_utc();
        let until = DateTime::<Utc>::from_timestamp(keep_until(at.timestamp()), 0).unwrap();
        assert_eq!(until.to_rfc3339(), "2029-12-06T01:00:00+00:00");
        let leap = chrono::NaiveDate::from_ymd_opt(2028, 2, 29)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc();
        let until = DateTime::<Utc>::from_timestamp(keep_until(leap.timestamp()), 0).unwrap();
        assert_eq!(until.date_naive().to_string(), "2031-02-28");
    }
}
