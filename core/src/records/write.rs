//! The record service: add, edit, tombstone and erase records of one subject inside the
//! caller's transaction, with the derived BMI kept in step. What a change means for copies a
//! recipient holds is the caller's to act on: each function returns the records whose copies
//! must follow it.

use super::{
    Note, ObservationType, Provenance, Record, RecordBody, RecordKind, Stamp, bmi,
    erase_subject_rollups, repo,
};
use crate::error::{Error, Result};
use rusqlite::Connection;

/// The records a change touched: `ids` for the audit entry, `follow` for the copies a
/// recipient holds (their current state: new content, or a tombstone), `added` for records new
/// in the store that were not loaded (an import's), with what tells their consent category.
#[derive(Debug, Default)]
pub(crate) struct Changed {
    pub ids: Vec<String>,
    pub follow: Vec<Record>,
    pub added: Vec<(String, RecordKind, Option<ObservationType>)>,
}

pub(crate) use super::record::new_meta;

/// A record of `subject`, live or tombstoned. Another subject's record is reported as missing:
/// its existence is not revealed.
pub(crate) fn load_any(conn: &Connection, subject: &str, id: &str) -> Result<Record> {
    match repo::load(conn, id)? {
        Some(r) if r.meta.subject_id == subject => Ok(r),
        _ => Err(Error::not_found("record")),
    }
}

/// A live record of `subject`.
pub(crate) fn load_live(conn: &Connection, subject: &str, id: &str) -> Result<Record> {
    let r = load_any(conn, subject, id)?;
    if r.meta.deleted_utc.is_some() {
        return Err(Error::not_found("record"));
    }
    Ok(r)
}

fn refuse_derived(r: &Record) -> Result<()> {
    if r.meta.provenance == Provenance::Derived {
        return Err(Error::invalid(
            "record",
            "derived values change with their source",
        ));
    }
    Ok(())
}

/// Nothing of a person is dated before the day they were born (in the time's own zone): a
/// mistyped year (`--at 1800-01-01`) is refused, not kept as the oldest entry of the record.
fn refuse_before_birth(
    conn: &Connection,
    subject: &str,
    effective: impl Iterator<Item = Stamp>,
) -> Result<()> {
    let Some(person) = super::persons::get(conn, subject)? else {
        return Ok(()); // the caller's own look-up names the missing person
    };
    let born = person.details.birth_date;
    if effective
        .into_iter()
        .any(|at| at.to_fixed().date_naive() < born)
    {
        return Err(Error::invalid(
            "effective",
            "must not be before the person's birth date",
        ));
    }
    Ok(())
}

/// The provenance a front end or an importer may claim: everything but `derived`.
/// An official result keeps what its source said: a correction is a note about it (S-21).
fn refuse_official(r: &Record) -> Result<()> {
    if r.meta.provenance.is_official() {
        return Err(Error::invalid(
            "record",
            "an official result is not edited; annotate it with a correction note instead",
        ));
    }
    Ok(())
}

/// The notes annotating record `id` (live or deleted).
fn notes_about(conn: &Connection, id: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached("SELECT record_id FROM note WHERE about = ?1")?;
    let ids = stmt
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(ids)
}

/// A correction note about the live record `about` of `subject`, written by the person now.
pub(crate) fn annotate(
    conn: &Connection,
    subject: &str,
    about: &str,
    text: &str,
    now: Stamp,
) -> Result<Record> {
    let target = load_live(conn, subject, about)?;
    if matches!(&target.body, RecordBody::Note(n) if n.about.is_some()) {
        return Err(Error::invalid(
            "record",
            "a correction note is annotated by editing it",
        ));
    }
    let note = Note {
        text: text.to_owned(),
        about: Some(about.to_owned()),
    }
    .validate()?;
    let mut out = insert(
        conn,
        subject,
        vec![(RecordBody::Note(note), now)],
        Provenance::SelfEntered,
        None,
        now,
    )?;
    out.pop().ok_or_else(|| Error::not_found("record"))
}

pub(crate) fn refuse_derived_provenance(p: Provenance) -> Result<()> {
    if p == Provenance::Derived {
        return Err(Error::invalid(
            "provenance",
            "derived records are made by the core",
        ));
    }
    Ok(())
}

/// Insert validated bodies as new records of `subject` (each weight with its BMI). Returns the
/// records as stored, in input order, each followed by what was derived from it.
pub(crate) fn insert(
    conn: &Connection,
    subject: &str,
    prepared: Vec<(RecordBody, Stamp)>,
    provenance: Provenance,
    source: Option<String>,
    now: Stamp,
) -> Result<Vec<Record>> {
    refuse_derived_provenance(provenance)?;
    refuse_before_birth(conn, subject, prepared.iter().map(|(_, at)| *at))?;
    let mut out = Vec::with_capacity(prepared.len());
    for (body, effective) in prepared {
        let meta = new_meta(
            subject,
            body.kind(),
            effective,
            super::record::natural_precision(&body),
            now,
            provenance,
            source.clone(),
        );
        repo::insert(conn, &meta, &body)?;
        let derived = match &body {
            RecordBody::Observation(o) => bmi::derive(conn, &meta, o, now)?,
            _ => None,
        };
        out.push(Record { meta, body });
        out.extend(derived);
    }
    Ok(out)
}

/// Replace the content of a live, non-derived record; its previous version is kept in its
/// history and its BMI derived again.
/// A person's edit of a record: as [`update`], but an official result is refused (its source
/// replaces it by a newer document through [`update`]; a person annotates it).
pub(crate) fn edit(
    conn: &Connection,
    old: &Record,
    body: &RecordBody,
    effective: Stamp,
    now: Stamp,
) -> Result<Changed> {
    refuse_official(old)?;
    // A correction note stays about the result it corrects (an edit gives only the text).
    let kept;
    let body = match (&old.body, body) {
        (RecordBody::Note(was), RecordBody::Note(new)) if new.about.is_none() => {
            kept = RecordBody::Note(Note {
                text: new.text.clone(),
                about: was.about.clone(),
            });
            &kept
        }
        _ => body,
    };
    update(conn, old, body, effective, now)
}

pub(crate) fn update(
    conn: &Connection,
    old: &Record,
    body: &RecordBody,
    effective: Stamp,
    now: Stamp,
) -> Result<Changed> {
    refuse_derived(old)?;
    let (subject, id) = (old.meta.subject_id.as_str(), old.meta.id.as_str());
    refuse_before_birth(conn, subject, std::iter::once(effective))?;
    repo::update(conn, old, body, effective, now)?;
    let mut changed = Changed {
        ids: vec![id.to_owned()],
        follow: vec![load_any(conn, subject, id)?],
        added: vec![],
    };
    if let RecordBody::Observation(o) = body {
        if let Some(bmi_id) = bmi::derived_from(conn, id)? {
            // The old BMI goes; a copy a recipient holds is deleted by the next sync.
            repo::erase(conn, &load_live(conn, subject, &bmi_id)?)?;
            changed.ids.push(bmi_id);
        }
        let weight = &changed.follow[0].meta.clone();
        if let Some(derived) = bmi::derive(conn, weight, o, now)? {
            changed.ids.push(derived.meta.id.clone());
            changed.follow.push(derived);
        }
    }
    Ok(changed)
}

/// Tombstone a live record (and its BMI): it disappears from every view but stays for sync.
pub(crate) fn delete(conn: &Connection, subject: &str, id: &str, now: Stamp) -> Result<Changed> {
    let old = load_live(conn, subject, id)?;
    refuse_derived(&old)?;
    let mut gone = vec![old];
    if let Some(bmi_id) = bmi::derived_from(conn, id)? {
        gone.push(load_live(conn, subject, &bmi_id)?);
    }
    // Its correction notes go with it (a note about nothing shown would mislead).
    for note in notes_about(conn, id)? {
        let r = load_any(conn, subject, &note)?;
        if r.meta.deleted_utc.is_none() {
            gone.push(r);
        }
    }
    let mut changed = Changed::default();
    for r in gone {
        repo::tombstone(conn, &r, now)?;
        changed.ids.push(r.meta.id.clone());
        changed.follow.push(load_any(conn, subject, &r.meta.id)?);
    }
    Ok(changed)
}

/// Hard delete one record, its history, its BMI and its correction notes. Returns the ids erased.
pub(crate) fn erase(conn: &Connection, subject: &str, id: &str) -> Result<Vec<String>> {
    let old = load_any(conn, subject, id)?;
    let mut ids = vec![id.to_owned()];
    if let Some(bmi_id) = bmi::derived_from(conn, id)? {
        repo::erase(conn, &load_any(conn, subject, &bmi_id)?)?;
        ids.push(bmi_id);
    }
    for note in notes_about(conn, id)? {
        repo::erase(conn, &load_any(conn, subject, &note)?)?;
        ids.push(note);
    }
    repo::erase(conn, &old)?;
    Ok(ids)
}

/// "Erase my data": every record of `subject`, live or deleted, with its history, roll-ups and
/// kept documents. Returns the ids erased.
pub(crate) fn erase_all(conn: &Connection, subject: &str) -> Result<Vec<String>> {
    let ids: Vec<String> = {
        let mut stmt = conn.prepare("SELECT id FROM record WHERE subject_id = ?1")?;
        stmt.query_map([subject], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?
    };
    conn.execute("DELETE FROM record WHERE subject_id = ?1", [subject])?;
    erase_subject_rollups(conn, subject)?;
    conn.execute("DELETE FROM fhir_document WHERE subject_id = ?1", [subject])?;
    Ok(ids)
}
