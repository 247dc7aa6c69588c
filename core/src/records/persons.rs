//! Storing persons.

use super::person::{NewPerson, Person, Sex};
use super::text::parse_date;
use crate::error::{Error, Result};
use rusqlite::{Connection, OptionalExtension, Row, params};

const COLUMNS: &str =
    "id, nickname, family_name, given_name, family_name_kana, given_name_kana, birth_date, sex,
    insurer_number, insured_symbol, insured_number, municipality_code, is_owner, version";

fn from_row(r: &Row<'_>) -> rusqlite::Result<(Person, String, String)> {
    Ok((
        Person {
            id: r.get(0)?,
            is_owner: r.get::<_, i64>(12)? == 1,
            version: r.get(13)?,
            details: NewPerson {
                nickname: r.get(1)?,
                family_name: r.get(2)?,
                given_name: r.get(3)?,
                family_name_kana: r.get(4)?,
                given_name_kana: r.get(5)?,
                birth_date: chrono::NaiveDate::MIN,
                sex: Sex::Unknown,
                insurer_number: r.get(8)?,
                insured_symbol: r.get(9)?,
                insured_number: r.get(10)?,
                municipality_code: r.get(11)?,
            },
        },
        r.get(6)?,
        r.get(7)?,
    ))
}

fn finish((mut p, birth, sex): (Person, String, String)) -> Result<Person> {
    p.details.birth_date = parse_date("birth_date", &birth).map_err(|_| Error::CorruptStore {
        reason: "a person row is unreadable",
    })?;
    p.details.sex = Sex::parse(&sex).map_err(|_| Error::CorruptStore {
        reason: "a person row is unreadable",
    })?;
    Ok(p)
}

pub(crate) fn count(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT count(*) FROM person", [], |r| r.get(0))?)
}

pub(crate) fn insert(
    conn: &Connection,
    id: &str,
    p: &NewPerson,
    is_owner: bool,
    now: &str,
) -> Result<()> {
    let taken: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM person WHERE nickname = ?1)",
        [&p.nickname],
        |r| r.get(0),
    )?;
    if taken {
        return Err(Error::AlreadyExists {
            what: "person with this nickname".into(),
        });
    }
    conn.execute(
        "INSERT INTO person (id, nickname, family_name, given_name, family_name_kana, given_name_kana, birth_date, sex,
            insurer_number, insured_symbol, insured_number, municipality_code, is_owner, version, created_utc, updated_utc)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, 1, ?14, ?14)",
        params![
            id,
            p.nickname,
            p.family_name,
            p.given_name,
            p.family_name_kana,
            p.given_name_kana,
            p.birth_date.format("%Y-%m-%d").to_string(),
            p.sex.as_str(),
            p.insurer_number,
            p.insured_symbol,
            p.insured_number,
            p.municipality_code,
            i64::from(is_owner),
            now
        ],
    )?;
    if is_owner {
        // The owner unlocks with the store's first credential.
        set_member(conn, id, true)?;
    }
    Ok(())
}

pub(crate) fn get(conn: &Connection, id: &str) -> Result<Option<Person>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM person WHERE id = ?1 AND removed_utc IS NULL"
    ))?
    .query_row([id], from_row)
    .optional()?
    .map(finish)
    .transpose()
}

/// The person `id`, or `NotFound("person")`.
pub(crate) fn require(conn: &Connection, id: &str) -> Result<Person> {
    get(conn, id)?.ok_or_else(|| crate::error::Error::not_found("person"))
}

pub(crate) fn by_nickname(conn: &Connection, nickname: &str) -> Result<Option<Person>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM person WHERE nickname = ?1 AND removed_utc IS NULL"
    ))?
    .query_row([nickname.trim().to_lowercase()], from_row)
    .optional()?
    .map(finish)
    .transpose()
}

/// Keep only the id of a removed person ([`super::person_removal`]): every detail is blanked,
/// the nickname freed (a stub's cannot be typed: it holds a colon), and no query finds them.
pub(crate) fn tombstone(conn: &Connection, id: &str, at: i64) -> Result<()> {
    conn.execute(
        "UPDATE person SET nickname = 'removed:' || id, family_name = '', given_name = '',
             family_name_kana = NULL, given_name_kana = NULL, birth_date = '0001-01-01',
             sex = 'unknown', insurer_number = NULL, insured_symbol = NULL, insured_number = NULL,
             municipality_code = NULL, version = version + 1, removed_utc = ?2
         WHERE id = ?1 AND is_owner = 0",
        params![id, at],
    )?;
    Ok(())
}

/// Mark `id` as a member (a person with their own credential) or not.
pub(crate) fn set_member(conn: &Connection, id: &str, member: bool) -> Result<()> {
    if member {
        conn.execute("INSERT OR IGNORE INTO member (person_id) VALUES (?1)", [id])?;
    } else {
        conn.execute("DELETE FROM member WHERE person_id = ?1", [id])?;
    }
    Ok(())
}

/// Whether `id` is a member: they unlock with their own credential (the owner always is).
/// Anyone else is managed: acted for only through delegations.
pub(crate) fn is_member(conn: &Connection, id: &str) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM member WHERE person_id = ?1)",
        [id],
        |r| r.get(0),
    )?)
}

/// The device owner, if one has been added.
pub(crate) fn owner(conn: &Connection) -> Result<Option<Person>> {
    Ok(all(conn)?.into_iter().find(|p| p.is_owner))
}

pub(crate) fn all(conn: &Connection) -> Result<Vec<Person>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM person WHERE removed_utc IS NULL ORDER BY is_owner DESC, created_utc, id"
    ))?;
    let rows = stmt.query_map([], from_row)?;
    rows.map(|r| finish(r?)).collect()
}
