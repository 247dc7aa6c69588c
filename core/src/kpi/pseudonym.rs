//! The per-programme pseudonym of a resident: HMAC-SHA256 of the person id under the
//! programme's random key, which is made on first use and never leaves the device. The same
//! resident's contributions pair across a programme's KPIs and periods; a recipient that knows
//! the person id (from another purpose) cannot compute it, and two programmes cannot be joined.

use crate::crypto::SecretKey;
use crate::error::{Error, Result};
use rusqlite::{Connection, OptionalExtension, params};

/// Domain separation: the key is used for nothing else.
const CONTEXT: &[u8] = b"phr-core kpi pseudonym v1\0";

/// The pseudonym of `person` under `key`: 64 lowercase hex digits.
pub fn pseudonym(key: &SecretKey, person: &str) -> String {
    let k = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key.expose());
    let mut ctx = ring::hmac::Context::with_key(&k);
    ctx.update(CONTEXT);
    ctx.update(person.as_bytes());
    hex::encode(ctx.sign().as_ref())
}

/// The programme's key, if one was made.
pub(crate) fn key(conn: &Connection, programme: &str) -> Result<Option<SecretKey>> {
    let blob: Option<zeroize::Zeroizing<Vec<u8>>> = conn
        .query_row(
            "SELECT key FROM kpi_programme_key WHERE programme = ?1",
            params![programme],
            |r| r.get::<_, Vec<u8>>(0).map(zeroize::Zeroizing::new),
        )
        .optional()?;
    blob.map(|b| {
        SecretKey::from_slice(&b).ok_or(Error::CorruptStore {
            reason: "a KPI programme key is not 32 bytes",
        })
    })
    .transpose()
}

/// The programme's key, made now if there is none (in the caller's write transaction).
pub(crate) fn key_or_make(conn: &Connection, programme: &str, now: i64) -> Result<SecretKey> {
    if let Some(k) = key(conn, programme)? {
        return Ok(k);
    }
    let k = SecretKey::generate()?;
    conn.execute(
        "INSERT INTO kpi_programme_key (programme, key, created_utc) VALUES (?1, ?2, ?3)",
        params![programme, &k.expose()[..], now],
    )?;
    Ok(k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pseudonym_depends_on_the_key_and_the_person() {
        let a = SecretKey::from_slice(&[1u8; 32]).unwrap();
        let b = SecretKey::from_slice(&[2u8; 32]).unwrap();
        assert_eq!(pseudonym(&a, "p1"), pseudonym(&a, "p1"));
        assert_ne!(pseudonym(&a, "p1"), pseudonym(&a, "p2"));
        assert_ne!(pseudonym(&a, "p1"), pseudonym(&b, "p1"));
        assert_eq!(pseudonym(&a, "p1").len(), 64);
        assert!(!pseudonym(&a, "p1").contains("p1"));
    }
}
