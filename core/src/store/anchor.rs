//! The audit chain's head anchored in the keyring file under a MAC keyed from the chain's first
//! audit key (held in the encrypted database, so stable across data-key rotations): at
//! each lock and every [`ANCHOR_EVERY`] entries. A database found with a chain shorter than its
//! anchor (a deleted WAL, an older copy of `phr.db` put back, entries cut) is refused as
//! [`Error::AuditRollback`]. What cannot be detected without a hardware counter: an older copy of
//! the whole folder (database and keyring together), docs/SECURITY.md.

use super::keyring::Keyring;
use crate::crypto::SecretKey;
use crate::error::{Error, Result};
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

/// Entries between two anchors while the store is open.
pub const ANCHOR_EVERY: i64 = 256;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Anchor {
    pub seq: i64,
    /// The MAC of the entry at `seq` (hex).
    pub entry_mac: String,
    pub mac: String,
}

/// The anchor's MAC key: from the first audit epoch's key (never rewritten, so a rotation of
/// the data key keeps old anchors verifiable). Nobody without the data key reads it.
fn key(conn: &Connection) -> Result<ring::hmac::Key> {
    let first: Vec<u8> = conn.query_row(
        "SELECT key FROM audit_key ORDER BY epoch LIMIT 1",
        [],
        |r| r.get(0),
    )?;
    let ikm = zeroize::Zeroizing::new(first);
    let derived = SecretKey::hkdf(&ikm, b"phr-core audit anchor v1");
    Ok(ring::hmac::Key::new(
        ring::hmac::HMAC_SHA256,
        derived.expose(),
    ))
}

fn message(store_id: &str, seq: i64, entry_mac: &str) -> Vec<u8> {
    format!("phr-anchor/v1/{store_id}/{seq}/{entry_mac}").into_bytes()
}

/// The chain's last entry: (seq, MAC hex), or none.
pub(crate) fn head(conn: &Connection) -> Result<Option<(i64, String)>> {
    Ok(conn
        .query_row(
            "SELECT seq, mac FROM audit_log ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get::<_, i64>(0)?, hex::encode(r.get::<_, Vec<u8>>(1)?))),
        )
        .optional()?)
}

/// The anchor of the chain as it stands in `conn`.
pub(crate) fn make(keyring: &Keyring, conn: &Connection) -> Result<Option<Anchor>> {
    let Some((seq, entry_mac)) = head(conn)? else {
        return Ok(None);
    };
    let tag = ring::hmac::sign(&key(conn)?, &message(&keyring.store_id, seq, &entry_mac));
    Ok(Some(Anchor {
        seq,
        entry_mac,
        mac: hex::encode(tag.as_ref()),
    }))
}

/// The chain in `conn` reaches the keyring's anchor (or the keyring has none yet). An anchor
/// whose MAC fails was not written by this store: the keyring is damaged.
pub(crate) fn check(keyring: &Keyring, conn: &Connection) -> Result<()> {
    let Some(a) = &keyring.anchor else {
        return Ok(());
    };
    let tag = hex::decode(&a.mac).map_err(|_| super::keyring::unreadable())?;
    ring::hmac::verify(
        &key(conn)?,
        &message(&keyring.store_id, a.seq, &a.entry_mac),
        &tag,
    )
    .map_err(|_| Error::CorruptStore {
        reason: "the keyring file phr.keyring has an audit anchor this store did not write",
    })?;
    let at: Option<Vec<u8>> = conn
        .query_row("SELECT mac FROM audit_log WHERE seq = ?1", [a.seq], |r| {
            r.get(0)
        })
        .optional()?;
    let found = head(conn)?.map_or(0, |(s, _)| s);
    match at {
        Some(mac) if hex::encode(&mac) == a.entry_mac => Ok(()),
        _ => Err(Error::AuditRollback {
            anchored: a.seq,
            found,
        }),
    }
}
