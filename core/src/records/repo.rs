//! Reading and writing records in their typed tables. Write helpers take the open transaction
//! (the caller's, which also holds the audit entry); read helpers take a connection.

use super::clinical::{
    Allergy, Checkup, CheckupCodeSystem, CheckupResult, Condition, Immunization, Medication, Note,
};
use super::observation::Observation;
use super::observation_type::{GlucoseTiming, ObservationType};
use super::provenance::Provenance;
use super::record::{Record, RecordBody, RecordKind, RecordMeta, RecordVersion};
use super::rollup;
use super::time::{DatePrecision, Stamp};
use crate::error::{Error, Result, StorageFailure};
use chrono::NaiveDate;
use rusqlite::{CachedStatement, Connection, OptionalExtension, Row, Statement, params};

fn date_str(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn parse_date(s: &str) -> rusqlite::Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn opt_date(s: Option<String>) -> rusqlite::Result<Option<NaiveDate>> {
    s.map(|s| parse_date(&s)).transpose()
}

fn bad_row(what: &'static str) -> Error {
    Error::CorruptStore { reason: what }
}

/// Insert a new record (version 1).
pub(crate) fn insert(conn: &Connection, meta: &RecordMeta, body: &RecordBody) -> Result<()> {
    insert_with_original(conn, meta, body, None)
}

/// Insert a new record (version 1) with the FHIR JSON it was imported from, if any.
pub(crate) fn insert_with_original(
    conn: &Connection,
    meta: &RecordMeta,
    body: &RecordBody,
    original_json: Option<&str>,
) -> Result<()> {
    insert_row(conn, meta, original_json)?;
    insert_body(conn, meta, body, meta.effective.utc_seconds, None)
}

/// New records written in bulk in one transaction (an import): the two statements every
/// observation needs are prepared once instead of being looked up in rusqlite's statement cache
/// (which hashes and compares the SQL text) for every record, and an observation is counted into
/// `rollups` (written by [`rollup::Batch::flush`]) instead of into the roll-up tables at once,
/// so thousands of readings update each bucket once.
pub(crate) struct BulkInsert<'c> {
    conn: &'c Connection,
    row: CachedStatement<'c>,
    observation: CachedStatement<'c>,
}

impl<'c> BulkInsert<'c> {
    pub(crate) fn new(conn: &'c Connection) -> Result<Self> {
        Ok(BulkInsert {
            conn,
            row: conn.prepare_cached(INSERT_RECORD)?,
            observation: conn.prepare_cached(INSERT_OBSERVATION)?,
        })
    }

    /// [`insert_with_original`], with the roll-ups counted into `rollups`.
    pub(crate) fn insert(
        &mut self,
        meta: &RecordMeta,
        body: &RecordBody,
        original_json: Option<&str>,
        rollups: &mut rollup::Batch,
    ) -> Result<()> {
        exec_row(&mut self.row, meta, original_json)?;
        match body {
            RecordBody::Observation(o) => {
                exec_observation(&mut self.observation, &meta.id, &meta.subject_id, o)?;
                rollups.add(&meta.subject_id, o);
                Ok(())
            }
            other => insert_body(
                self.conn,
                meta,
                other,
                meta.effective.utc_seconds,
                Some(rollups),
            ),
        }
    }
}

const INSERT_RECORD: &str =
    "INSERT INTO record (id, subject_id, kind, effective_utc, effective_offset, version,
        created_utc, created_offset, updated_utc, updated_offset, provenance, source, deleted_utc,
        original_json, effective_precision, effective_text)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)";

const INSERT_OBSERVATION: &str =
    "INSERT INTO observation (record_id, subject_id, type, code, unit, value, value2, value3,
        qualifier, effective_utc, derived_from, entered_value, entered_unit)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";

fn insert_row(conn: &Connection, meta: &RecordMeta, original_json: Option<&str>) -> Result<()> {
    exec_row(
        &mut *conn.prepare_cached(INSERT_RECORD)?,
        meta,
        original_json,
    )
}

fn exec_row(
    stmt: &mut Statement<'_>,
    meta: &RecordMeta,
    original_json: Option<&str>,
) -> Result<()> {
    stmt.execute(params![
        meta.id,
        meta.subject_id,
        meta.kind.as_str(),
        meta.effective.utc_seconds,
        meta.effective.offset_seconds,
        meta.version,
        meta.created.utc_seconds,
        meta.created.offset_seconds,
        meta.updated.utc_seconds,
        meta.updated.offset_seconds,
        meta.provenance.as_str(),
        meta.source,
        meta.deleted_utc,
        original_json,
        meta.effective_precision.as_str(),
        meta.effective_text,
    ])?;
    Ok(())
}

fn exec_observation(
    stmt: &mut Statement<'_>,
    id: &str,
    subject: &str,
    o: &Observation,
) -> Result<()> {
    stmt.execute(params![
        id,
        subject,
        o.observation_type.as_str(),
        o.code,
        o.unit,
        o.value,
        o.value2,
        o.value3,
        o.glucose_timing.map(|t| t.as_str()).unwrap_or(""),
        o.effective.utc_seconds,
        o.derived_from,
        o.entered_value,
        o.entered_unit,
    ])?;
    Ok(())
}

/// The typed rows of a record (clinical time `effective_utc`); an observation, and a checkup's
/// points in the measured series, are counted into `rollups` when given, else into the roll-up
/// tables at once.
fn insert_body(
    conn: &Connection,
    meta: &RecordMeta,
    body: &RecordBody,
    effective_utc: i64,
    mut rollups: Option<&mut rollup::Batch>,
) -> Result<()> {
    let (id, subject) = (meta.id.as_str(), meta.subject_id.as_str());
    match body {
        RecordBody::Observation(o) => {
            exec_observation(
                &mut *conn.prepare_cached(INSERT_OBSERVATION)?,
                id,
                subject,
                o,
            )?;
            match rollups {
                Some(batch) => batch.add(subject, o),
                None => rollup::add(conn, subject, o)?,
            }
        }
        RecordBody::Checkup(c) => {
            conn.prepare_cached(
                "INSERT INTO checkup (record_id, checkup_date, program, institution, institution_code, judgement)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![id, date_str(c.date), c.program, c.institution, c.institution_code, c.judgement])?;
            let mut stmt = conn.prepare_cached(
                "INSERT INTO checkup_result (record_id, position, code_system, code, name, value_num, value_code,
                    value_text, unit, ref_low, ref_high, flag, value_system)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            )?;
            for (i, r) in c.results.iter().enumerate() {
                stmt.execute(params![
                    id,
                    i as i64,
                    r.code_system.as_str(),
                    r.code,
                    r.name,
                    r.value_num,
                    r.value_code,
                    r.value_text,
                    r.unit,
                    r.ref_low,
                    r.ref_high,
                    r.flag,
                    r.value_system
                ])?;
            }
            for (ty, v, v2) in super::checkup_points::insert(conn, id, subject, effective_utc, c)? {
                match rollups.as_deref_mut() {
                    Some(batch) => batch.add_values(subject, ty.as_str(), effective_utc, v, v2),
                    None => rollup::add_values(conn, subject, ty.as_str(), effective_utc, v, v2)?,
                }
            }
        }
        RecordBody::Immunization(i) => {
            conn.prepare_cached(
                "INSERT INTO immunization (record_id, vaccine, code_system, code, occurred_on, dose_number, lot, place)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![id, i.vaccine, i.code_system, i.code, date_str(i.date), i.dose_number, i.lot, i.place])?;
        }
        RecordBody::Medication(m) => {
            conn.prepare_cached(
                "INSERT INTO medication (record_id, drug_name, code_system, code, dose, frequency, start_date,
                    end_date, prescriber, pharmacy)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?
            .execute(params![
                id,
                m.drug_name,
                m.code_system,
                m.code,
                m.dose,
                m.frequency,
                date_str(m.start_date),
                m.end_date.map(date_str),
                m.prescriber,
                m.pharmacy
            ])?;
        }
        RecordBody::Condition(c) => {
            conn.prepare_cached(
                "INSERT INTO condition (record_id, name, code_system, code, onset_date, end_date, status)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![id, c.name, c.code_system, c.code, c.onset_date.map(date_str), c.end_date.map(date_str), c.status])?;
        }
        RecordBody::Allergy(a) => {
            conn.prepare_cached(
                "INSERT INTO allergy (record_id, substance, code_system, code, reaction, severity)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                id,
                a.substance,
                a.code_system,
                a.code,
                a.reaction,
                a.severity
            ])?;
        }
        RecordBody::Note(n) => {
            conn.prepare_cached("INSERT INTO note (record_id, text, about) VALUES (?1, ?2, ?3)")?
                .execute(params![id, n.text, n.about])?;
        }
    }
    Ok(())
}

/// Remove the typed body rows of a record (keeping the roll-up right).
fn delete_body(conn: &Connection, meta: &RecordMeta, body: &RecordBody) -> Result<()> {
    let table = meta.kind.as_str();
    // `table` comes from a closed enum, never from input.
    conn.prepare_cached(&format!("DELETE FROM {table} WHERE record_id = ?1"))?
        .execute([&meta.id])?;
    if let RecordBody::Observation(o) = body {
        for (ty, _, _) in rollup::series(o) {
            rollup::recompute(conn, &meta.subject_id, ty, o.effective.utc_seconds)?;
        }
    }
    if let RecordBody::Checkup(_) = body {
        for ty in super::checkup_points::delete(conn, &meta.id)? {
            rollup::recompute(conn, &meta.subject_id, &ty, meta.effective.utc_seconds)?;
        }
    }
    Ok(())
}

fn snapshot(conn: &Connection, meta: &RecordMeta, body: &RecordBody, now: i64) -> Result<()> {
    let json = serde_json::to_string(body)
        .map_err(|e| Error::Storage(StorageFailure::new("history", e.to_string())))?;
    conn.prepare_cached("INSERT INTO record_history (record_id, version, replaced_utc, snapshot) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![meta.id, meta.version, now, json])?;
    Ok(())
}

/// Replace a live record's body; the previous version goes to the history. Returns the new meta.
/// The original JSON of an imported record no longer describes it and is cleared.
pub(crate) fn update(
    conn: &Connection,
    old: &Record,
    body: &RecordBody,
    effective: Stamp,
    now: Stamp,
) -> Result<RecordMeta> {
    if old.meta.deleted_utc.is_some() {
        return Err(Error::not_found("record"));
    }
    if body.kind() != old.meta.kind {
        return Err(Error::invalid(
            "kind",
            "an edit cannot change the kind of a record",
        ));
    }
    snapshot(conn, &old.meta, &old.body, now.utc_seconds)?;
    delete_body(conn, &old.meta, &old.body)?;
    insert_body(conn, &old.meta, body, effective.utc_seconds, None)?;
    let mut meta = old.meta.clone();
    meta.version += 1;
    meta.updated = now;
    meta.effective = effective;
    // Like the original JSON, a time as given described the old content.
    meta.effective_precision = super::record::natural_precision(body);
    meta.effective_text = None;
    conn.prepare_cached(
        "UPDATE record SET version = ?2, updated_utc = ?3, updated_offset = ?4, effective_utc = ?5, effective_offset = ?6,
            original_json = NULL, effective_precision = ?7, effective_text = NULL
         WHERE id = ?1",
    )?
    .execute(params![meta.id, meta.version, now.utc_seconds, now.offset_seconds, effective.utc_seconds, effective.offset_seconds,
        meta.effective_precision.as_str()])?;
    Ok(meta)
}

/// Set how precisely a record's clinical time is known, and the time as it was given.
pub(crate) fn set_as_given(
    conn: &Connection,
    id: &str,
    precision: DatePrecision,
    text: Option<&str>,
) -> Result<()> {
    conn.prepare_cached(
        "UPDATE record SET effective_precision = ?2, effective_text = ?3 WHERE id = ?1",
    )?
    .execute(params![id, precision.as_str(), text])?;
    Ok(())
}

/// Soft delete: the record becomes a tombstone (kept for sync); its body moves to the history.
pub(crate) fn tombstone(conn: &Connection, old: &Record, now: Stamp) -> Result<()> {
    if old.meta.deleted_utc.is_some() {
        return Err(Error::not_found("record"));
    }
    snapshot(conn, &old.meta, &old.body, now.utc_seconds)?;
    delete_body(conn, &old.meta, &old.body)?;
    conn.prepare_cached(
        "UPDATE record SET version = version + 1, updated_utc = ?2, updated_offset = ?3, deleted_utc = ?2,
            original_json = NULL WHERE id = ?1",
    )?
    .execute(params![old.meta.id, now.utc_seconds, now.offset_seconds])?;
    Ok(())
}

/// Hard delete ("erase my data"): the record, its body and its history are gone. With
/// `secure_delete` on, SQLite overwrites the freed content.
pub(crate) fn erase(conn: &Connection, old: &Record) -> Result<()> {
    if old.meta.deleted_utc.is_none() {
        delete_body(conn, &old.meta, &old.body)?;
    }
    conn.prepare_cached("DELETE FROM record WHERE id = ?1")?
        .execute([&old.meta.id])?;
    Ok(())
}

const META_COLUMNS: &str =
    "id, subject_id, kind, effective_utc, effective_offset, version, created_utc, created_offset,
    updated_utc, updated_offset, provenance, source, deleted_utc, effective_precision, effective_text";
/// [`META_COLUMNS`] of the table named `r`.
const META_COLUMNS_OF_R: &str =
    "r.id, r.subject_id, r.kind, r.effective_utc, r.effective_offset, r.version, r.created_utc,
    r.created_offset, r.updated_utc, r.updated_offset, r.provenance, r.source, r.deleted_utc,
    r.effective_precision, r.effective_text";
const META_COUNT: usize = 15;

fn meta_from_row(r: &Row<'_>) -> rusqlite::Result<(RecordMeta, String, String)> {
    let kind: String = r.get(2)?;
    let provenance: String = r.get(10)?;
    let precision: String = r.get(13)?;
    Ok((
        RecordMeta {
            id: r.get(0)?,
            subject_id: r.get(1)?,
            kind: RecordKind::Observation, // fixed below, outside the rusqlite closure
            effective: Stamp {
                utc_seconds: r.get(3)?,
                offset_seconds: r.get(4)?,
            },
            version: r.get(5)?,
            created: Stamp {
                utc_seconds: r.get(6)?,
                offset_seconds: r.get(7)?,
            },
            updated: Stamp {
                utc_seconds: r.get(8)?,
                offset_seconds: r.get(9)?,
            },
            provenance: Provenance::SelfEntered,
            source: r.get(11)?,
            deleted_utc: r.get(12)?,
            // The column's CHECK admits only the four precisions.
            effective_precision: DatePrecision::parse(&precision).unwrap_or_default(),
            effective_text: r.get(14)?,
        },
        kind,
        provenance,
    ))
}

fn finish_meta((mut m, kind, provenance): (RecordMeta, String, String)) -> Result<RecordMeta> {
    m.kind = RecordKind::parse(&kind).map_err(|_| bad_row("unknown record kind"))?;
    m.provenance = Provenance::parse(&provenance).map_err(|_| bad_row("unknown provenance"))?;
    Ok(m)
}

/// Load one record (live or tombstone) by id.
pub(crate) fn load(conn: &Connection, id: &str) -> Result<Option<Record>> {
    let row = conn
        .prepare_cached(&format!("SELECT {META_COLUMNS} FROM record WHERE id = ?1"))?
        .query_row([id], meta_from_row)
        .optional()?;
    let Some(row) = row else { return Ok(None) };
    let meta = finish_meta(row)?;
    let body = load_body(conn, &meta)?;
    Ok(Some(Record { meta, body }))
}

/// Load many records by id, in the given order (missing ids skipped).
/// The live notes of `subject` that annotate one of `ids` (correction notes, S-21).
pub(crate) fn notes_about(conn: &Connection, subject: &str, ids: &[&str]) -> Result<Vec<Record>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let list = serde_json::to_string(ids)
        .map_err(|e| Error::Storage(StorageFailure::new("notes", e.to_string())))?;
    let note_ids: Vec<String> = conn
        .prepare_cached(
            "SELECT n.record_id FROM note n JOIN record r ON r.id = n.record_id
             WHERE r.subject_id = ?1 AND r.deleted_utc IS NULL
               AND n.about IN (SELECT value FROM json_each(?2))
             ORDER BY r.effective_utc, r.id",
        )?
        .query_map(params![subject, list], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    load_many(conn, &note_ids)
}

pub(crate) fn load_many(conn: &Connection, ids: &[String]) -> Result<Vec<Record>> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(r) = load(conn, id)? {
            out.push(r);
        }
    }
    Ok(out)
}

/// Which of `ids` name a stored record (any subject, live or tombstone): one query per chunk
/// of ids instead of one look-up each.
pub(crate) fn existing_ids<'a>(
    conn: &Connection,
    ids: impl IntoIterator<Item = &'a str>,
) -> Result<std::collections::HashSet<String>> {
    const CHUNK: usize = 500;
    let ids: Vec<&str> = ids.into_iter().collect();
    let mut found = std::collections::HashSet::new();
    for chunk in ids.chunks(CHUNK) {
        let marks = vec!["?"; chunk.len()].join(", ");
        // Only placeholders are formatted in; the ids are bound.
        let mut stmt =
            conn.prepare_cached(&format!("SELECT id FROM record WHERE id IN ({marks})"))?;
        let rows = stmt.query_map(rusqlite::params_from_iter(chunk.iter()), |r| {
            r.get::<_, String>(0)
        })?;
        for id in rows {
            found.insert(id?);
        }
    }
    Ok(found)
}

const OBSERVATION_COLUMNS: &str =
    "type, code, unit, value, value2, value3, qualifier, derived_from, entered_value, entered_unit";
/// [`OBSERVATION_COLUMNS`] of the table named `o`.
const OBSERVATION_COLUMNS_OF_O: &str =
    "o.type, o.code, o.unit, o.value, o.value2, o.value3, o.qualifier, o.derived_from,
    o.entered_value, o.entered_unit";

/// An observation from [`OBSERVATION_COLUMNS`] starting at column `at`; its type and glucose
/// timing are checked by [`finish_observation`], outside the rusqlite closure.
fn observation_from_row(
    r: &Row<'_>,
    at: usize,
    effective: Stamp,
) -> rusqlite::Result<(Observation, String, String)> {
    let o = Observation {
        observation_type: ObservationType::Weight, // set from `type` by `finish_observation`
        code: r.get(at + 1)?,
        unit: r.get(at + 2)?,
        value: r.get(at + 3)?,
        value2: r.get(at + 4)?,
        value3: r.get(at + 5)?,
        glucose_timing: None,
        effective,
        derived_from: r.get(at + 7)?,
        entered_value: r.get(at + 8)?,
        entered_unit: r.get(at + 9)?,
    };
    Ok((o, r.get(at)?, r.get(at + 6)?))
}

fn finish_observation(
    (mut o, ty, qualifier): (Observation, String, String),
) -> Result<Observation> {
    o.observation_type =
        ObservationType::parse(&ty).map_err(|_| bad_row("unknown observation type"))?;
    if !qualifier.is_empty() {
        o.glucose_timing =
            Some(GlucoseTiming::parse(&qualifier).map_err(|_| bad_row("unknown glucose timing"))?);
    }
    Ok(o)
}

/// Every live record of `subject`, oldest first (by effective time, then id), as [`load_many`]
/// of their ids would give them: one query for the record rows joined with their observation
/// rows, instead of two queries per record (a whole-record export reads tens of thousands).
/// The other kinds, a few per person, are loaded one by one.
pub(crate) fn load_live(conn: &Connection, subject: &str) -> Result<Vec<Record>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {META_COLUMNS_OF_R}, o.type IS NOT NULL, {OBSERVATION_COLUMNS_OF_O}
         FROM record r LEFT JOIN observation o ON o.record_id = r.id
         WHERE r.subject_id = ?1 AND r.deleted_utc IS NULL
         ORDER BY r.effective_utc, r.id"
    ))?;
    let rows = stmt.query_map([subject], |r| {
        let meta = meta_from_row(r)?;
        let observation = if r.get::<_, bool>(META_COUNT)? {
            Some(observation_from_row(r, META_COUNT + 1, meta.0.effective)?)
        } else {
            None
        };
        Ok((meta, observation))
    })?;
    let mut out = vec![];
    for row in rows {
        let (meta, observation) = row?;
        let meta = finish_meta(meta)?;
        let body = match observation {
            Some(o) if meta.kind == RecordKind::Observation => {
                RecordBody::Observation(finish_observation(o)?)
            }
            // Another kind, or an observation whose row is missing: exactly what `load` does.
            _ => load_body(conn, &meta)?,
        };
        out.push(Record { meta, body });
    }
    Ok(out)
}

fn load_body(conn: &Connection, meta: &RecordMeta) -> Result<RecordBody> {
    if meta.deleted_utc.is_some() {
        let json: String = conn
            .prepare_cached("SELECT snapshot FROM record_history WHERE record_id = ?1 ORDER BY version DESC LIMIT 1")?
            .query_row([&meta.id], |r| r.get(0))?;
        return serde_json::from_str(&json)
            .map_err(|_| bad_row("a record history entry is unreadable"));
    }
    let id = &meta.id;
    let body = match meta.kind {
        RecordKind::Observation => {
            let row = conn
                .prepare_cached(&format!(
                    "SELECT {OBSERVATION_COLUMNS} FROM observation WHERE record_id = ?1"
                ))?
                .query_row([id], |r| observation_from_row(r, 0, meta.effective))?;
            RecordBody::Observation(finish_observation(row)?)
        }
        RecordKind::Checkup => {
            let mut c = conn
                .prepare_cached(
                    "SELECT checkup_date, program, institution, institution_code, judgement FROM checkup WHERE record_id = ?1",
                )?
                .query_row([id], |r| {
                    Ok(Checkup {
                        date: parse_date(&r.get::<_, String>(0)?)?,
                        program: r.get(1)?,
                        institution: r.get(2)?,
                        institution_code: r.get(3)?,
                        judgement: r.get(4)?,
                        results: vec![],
                    })
                })?;
            let mut stmt = conn.prepare_cached(
                "SELECT code_system, code, name, value_num, value_code, value_text, unit, ref_low, ref_high, flag,
                    value_system
                 FROM checkup_result WHERE record_id = ?1 ORDER BY position",
            )?;
            let rows = stmt.query_map([id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    CheckupResult {
                        code_system: CheckupCodeSystem::Loinc,
                        code: r.get(1)?,
                        name: r.get(2)?,
                        value_num: r.get(3)?,
                        value_code: r.get(4)?,
                        value_text: r.get(5)?,
                        unit: r.get(6)?,
                        ref_low: r.get(7)?,
                        ref_high: r.get(8)?,
                        flag: r.get(9)?,
                        value_system: r.get(10)?,
                    },
                ))
            })?;
            for row in rows {
                let (cs, mut result) = row?;
                result.code_system = CheckupCodeSystem::parse(&cs).map_err(|_| bad_row("unknown code system"))?;
                c.results.push(result);
            }
            RecordBody::Checkup(c)
        }
        RecordKind::Immunization => RecordBody::Immunization(
            conn.prepare_cached(
                "SELECT vaccine, code_system, code, occurred_on, dose_number, lot, place FROM immunization WHERE record_id = ?1",
            )?
            .query_row([id], |r| {
                Ok(Immunization {
                    vaccine: r.get(0)?,
                    code_system: r.get(1)?,
                    code: r.get(2)?,
                    date: parse_date(&r.get::<_, String>(3)?)?,
                    dose_number: r.get(4)?,
                    lot: r.get(5)?,
                    place: r.get(6)?,
                })
            })?,
        ),
        RecordKind::Medication => RecordBody::Medication(
            conn.prepare_cached(
                "SELECT drug_name, code_system, code, dose, frequency, start_date, end_date, prescriber, pharmacy
                 FROM medication WHERE record_id = ?1",
            )?
            .query_row([id], |r| {
                Ok(Medication {
                    drug_name: r.get(0)?,
                    code_system: r.get(1)?,
                    code: r.get(2)?,
                    dose: r.get(3)?,
                    frequency: r.get(4)?,
                    start_date: parse_date(&r.get::<_, String>(5)?)?,
                    end_date: opt_date(r.get(6)?)?,
                    prescriber: r.get(7)?,
                    pharmacy: r.get(8)?,
                })
            })?,
        ),
        RecordKind::Condition => RecordBody::Condition(
            conn.prepare_cached(
                "SELECT name, code_system, code, onset_date, end_date, status FROM condition WHERE record_id = ?1",
            )?
            .query_row([id], |r| {
                Ok(Condition {
                    name: r.get(0)?,
                    code_system: r.get(1)?,
                    code: r.get(2)?,
                    onset_date: opt_date(r.get(3)?)?,
                    end_date: opt_date(r.get(4)?)?,
                    status: r.get(5)?,
                })
            })?,
        ),
        RecordKind::Allergy => RecordBody::Allergy(
            conn.prepare_cached(
                "SELECT substance, code_system, code, reaction, severity FROM allergy WHERE record_id = ?1",
            )?
            .query_row([id], |r| {
                Ok(Allergy {
                    substance: r.get(0)?,
                    code_system: r.get(1)?,
                    code: r.get(2)?,
                    reaction: r.get(3)?,
                    severity: r.get(4)?,
                })
            })?,
        ),
        RecordKind::Note => RecordBody::Note(
            conn.prepare_cached("SELECT text, about FROM note WHERE record_id = ?1")?
                .query_row([id], |r| {
                    Ok(Note {
                        text: r.get(0)?,
                        about: r.get(1)?,
                    })
                })?,
        ),
    };
    Ok(body)
}

/// Earlier versions of a record, oldest first.
pub(crate) fn history(conn: &Connection, id: &str) -> Result<Vec<RecordVersion>> {
    let mut stmt =
        conn.prepare_cached("SELECT version, replaced_utc, snapshot FROM record_history WHERE record_id = ?1 ORDER BY version")?;
    let rows = stmt.query_map([id], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    let mut out = vec![];
    for row in rows {
        let (version, replaced_utc, json) = row?;
        let body = serde_json::from_str(&json)
            .map_err(|_| bad_row("a record history entry is unreadable"))?;
        out.push(RecordVersion {
            version,
            replaced_utc,
            body,
        });
    }
    Ok(out)
}

/// A live record without its body: id, kind, observation type, version.
pub(crate) type LiveKind = (String, RecordKind, Option<ObservationType>, i64);

/// Id, kind, observation type and version of every live record of `subject`, without their
/// bodies: enough to tell each one's consent category.
pub(crate) fn live_kinds(conn: &Connection, subject: &str) -> Result<Vec<LiveKind>> {
    let mut stmt = conn.prepare_cached(
        "SELECT r.id, r.kind, o.type, r.version FROM record r
         LEFT JOIN observation o ON o.record_id = r.id
         WHERE r.subject_id = ?1 AND r.deleted_utc IS NULL",
    )?;
    let rows = stmt.query_map([subject], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, i64>(3)?,
        ))
    })?;
    let mut out = vec![];
    for row in rows {
        let (id, kind, observed, version) = row?;
        let kind = RecordKind::parse(&kind).map_err(|_| bad_row("a record kind is unreadable"))?;
        let observed = match observed {
            Some(t) => Some(
                ObservationType::parse(&t)
                    .map_err(|_| bad_row("an observation type is unreadable"))?,
            ),
            None => None,
        };
        out.push((id, kind, observed, version));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loading_all_live_records_at_once_equals_loading_each() {
        let c = Connection::open_in_memory().unwrap();
        for m in crate::store::testing::MIGRATIONS {
            c.execute_batch(m).unwrap();
        }
        // No person rows here: only the record tables are under test.
        c.execute_batch("PRAGMA foreign_keys = OFF").unwrap();
        let mut records = crate::fhir::fixtures::all_records();
        // Two records at the same time (ordered by id), and another subject's.
        let mut twin = crate::fhir::fixtures::steps();
        twin.meta.id = "2a000000-0000-4000-8000-0000000000ff".into();
        records.push(twin);
        let mut other = crate::fhir::fixtures::weight();
        other.meta.id = "2a000000-0000-4000-8000-0000000000fe".into();
        other.meta.subject_id = "someone-else".into();
        records.push(other);
        for r in &records {
            insert(&c, &r.meta, &r.body).unwrap();
        }
        let gone = load(&c, &records[0].meta.id).unwrap().unwrap();
        tombstone(&c, &gone, gone.meta.effective).unwrap();
        let subject = crate::fhir::fixtures::PERSON_ID;
        let ids: Vec<String> = c
            .prepare(
                "SELECT id FROM record WHERE subject_id = ?1 AND deleted_utc IS NULL
                 ORDER BY effective_utc, id",
            )
            .unwrap()
            .query_map([subject], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(ids.len(), records.len() - 2);
        assert_eq!(
            load_live(&c, subject).unwrap(),
            load_many(&c, &ids).unwrap()
        );
    }
}
