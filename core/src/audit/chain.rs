//! Appending to and verifying the audit chain.

use crate::crypto::{SecretKey, mac, mac_eq};
use crate::error::{Error, Result, StorageFailure};
use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;

/// What happened. Stored as its snake_case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    StoreCreated,
    Unlock,
    Lock,
    PassphraseChanged,
    PlatformKeyEnrolled,
    DataKeyRotated,
    BackupWritten,
    Restored,
    PersonAdded,
    PersonUpdated,
    RecordWritten,
    RecordUpdated,
    RecordDeleted,
    RecordErased,
    SubjectErased,
    RecordsListed,
    AggregatesRead,
    RecordsExported,
    DelegationGranted,
    DelegationRevoked,
    ControlTaken,
    ConsentDecided,
    RecordsReleased,
    RecordsQueued,
    RecordsImported,
    MemberAdded,
    AttemptCounterRolledBack,
    ClockBehind,
    KeyringUpgraded,
    StepGoalSet,
    PersonRemoved,
    StepTotalsReleased,
    PointsReconciled,
    KpiContributionsReleased,
    ProvisionLogRead,
    RequestHandled,
    RetentionApplied,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::StoreCreated => "store_created",
            AuditAction::Unlock => "unlock",
            AuditAction::Lock => "lock",
            AuditAction::PassphraseChanged => "passphrase_changed",
            AuditAction::PlatformKeyEnrolled => "platform_key_enrolled",
            AuditAction::DataKeyRotated => "data_key_rotated",
            AuditAction::BackupWritten => "backup_written",
            AuditAction::Restored => "restored",
            AuditAction::PersonAdded => "person_added",
            AuditAction::PersonUpdated => "person_updated",
            AuditAction::RecordWritten => "record_written",
            AuditAction::RecordUpdated => "record_updated",
            AuditAction::RecordDeleted => "record_deleted",
            AuditAction::RecordErased => "record_erased",
            AuditAction::SubjectErased => "subject_erased",
            AuditAction::RecordsListed => "records_listed",
            AuditAction::AggregatesRead => "aggregates_read",
            AuditAction::RecordsExported => "records_exported",
            AuditAction::DelegationGranted => "delegation_granted",
            AuditAction::DelegationRevoked => "delegation_revoked",
            AuditAction::ControlTaken => "control_taken",
            AuditAction::ConsentDecided => "consent_decided",
            AuditAction::RecordsReleased => "records_released",
            AuditAction::RecordsQueued => "records_queued",
            AuditAction::RecordsImported => "records_imported",
            AuditAction::MemberAdded => "member_added",
            AuditAction::AttemptCounterRolledBack => "attempt_counter_rolled_back",
            AuditAction::ClockBehind => "clock_behind",
            AuditAction::KeyringUpgraded => "keyring_upgraded",
            AuditAction::StepGoalSet => "step_goal_set",
            AuditAction::PersonRemoved => "person_removed",
            AuditAction::StepTotalsReleased => "step_totals_released",
            AuditAction::PointsReconciled => "points_reconciled",
            AuditAction::KpiContributionsReleased => "kpi_contributions_released",
            AuditAction::ProvisionLogRead => "provision_log_read",
            AuditAction::RequestHandled => "request_handled",
            AuditAction::RetentionApplied => "retention_applied",
        }
    }
}

/// An entry to append.
#[derive(Debug, Clone)]
pub struct NewAuditEntry<'a> {
    pub actor: &'a str,
    pub subject: &'a str,
    pub action: AuditAction,
    pub record_ids: &'a [String],
    pub delegation: Option<&'a str>,
}

/// A stored entry, as shown by `audit show` and `access_history`.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub subject: String,
    pub action: String,
    pub record_ids: Vec<String>,
    pub delegation: Option<String>,
    /// The actor's nickname, filled in by `Session::access_history` (not part of the chain).
    pub actor_nickname: Option<String>,
}

/// Result of verifying the chain.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditReport {
    pub entries: i64,
    /// `None` when the whole chain verifies.
    pub broken: Option<BrokenLink>,
}

/// The first place the chain does not verify.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BrokenLink {
    /// Sequence number of the first entry that fails (for a cut tail: one past the last entry).
    pub seq: i64,
    /// What was found, in words (no entry contents).
    pub reason: String,
}

/// The audit keys of every data-key generation, loaded from the encrypted database.
pub(crate) struct AuditKeys {
    /// (epoch, first seq, key), ascending.
    epochs: Vec<(i64, i64, SecretKey)>,
}

impl AuditKeys {
    pub fn load(conn: &Connection) -> Result<Self> {
        let mut stmt = conn.prepare("SELECT epoch, from_seq, key FROM audit_key ORDER BY epoch")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, Vec<u8>>(2)?,
            ))
        })?;
        let mut epochs = vec![];
        for row in rows {
            let (epoch, from, key) = row?;
            let key = SecretKey::from_slice(&key).ok_or(Error::CorruptStore {
                reason: "an audit key is damaged",
            })?;
            epochs.push((epoch, from, key));
        }
        Ok(AuditKeys { epochs })
    }

    /// Start a new epoch keyed from `data_key`, for entries from the next sequence number on.
    pub fn start_epoch(tx: &Transaction<'_>, data_key: &SecretKey) -> Result<()> {
        let next_epoch: i64 = tx.query_row(
            "SELECT coalesce(max(epoch), 0) + 1 FROM audit_key",
            [],
            |r| r.get(0),
        )?;
        let next_seq: i64 =
            tx.query_row("SELECT coalesce(max(seq), 0) + 1 FROM audit_log", [], |r| {
                r.get(0)
            })?;
        let key = data_key.derive(b"phr-core audit chain v1");
        tx.execute(
            "INSERT INTO audit_key (epoch, from_seq, key) VALUES (?1, ?2, ?3)",
            params![next_epoch, next_seq, &key.expose()[..]],
        )?;
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.epochs.is_empty()
    }

    fn key_for(&self, seq: i64) -> Option<&SecretKey> {
        self.epochs
            .iter()
            .rev()
            .find(|(_, from, _)| *from <= seq)
            .map(|(_, _, k)| k)
    }

    fn current(&self) -> Result<&SecretKey> {
        self.epochs
            .last()
            .map(|(_, _, k)| k)
            .ok_or(Error::CorruptStore {
                reason: "the audit key is missing",
            })
    }
}

fn entry_mac(key: &SecretKey, prev: &[u8], seq: i64, e: &AuditEntry) -> [u8; 32] {
    let ids = e.record_ids.join("\u{1f}");
    mac(
        key,
        &[
            b"entry",
            prev,
            &seq.to_be_bytes(),
            e.at.as_bytes(),
            e.actor.as_bytes(),
            e.subject.as_bytes(),
            e.action.as_bytes(),
            ids.as_bytes(),
            e.delegation.as_deref().unwrap_or("").as_bytes(),
        ],
    )
}

fn head_mac(key: &SecretKey, seq: i64, last: &[u8]) -> [u8; 32] {
    mac(key, &[b"head", &seq.to_be_bytes(), last])
}

/// Append one entry in `tx` (the transaction of the change it records).
pub(crate) fn append(
    tx: &Transaction<'_>,
    keys: &AuditKeys,
    entry: &NewAuditEntry<'_>,
    at: DateTime<Utc>,
) -> Result<i64> {
    let key = keys.current()?;
    let head: Option<(i64, Vec<u8>)> = tx
        .query_row("SELECT seq, mac FROM audit_head WHERE id = 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    let (prev_seq, prev_mac) = head.unwrap_or((0, vec![]));
    let seq = prev_seq + 1;
    let stored = AuditEntry {
        seq,
        at: at.to_rfc3339_opts(SecondsFormat::Micros, true),
        actor: entry.actor.to_owned(),
        subject: entry.subject.to_owned(),
        action: entry.action.as_str().to_owned(),
        record_ids: entry.record_ids.to_vec(),
        delegation: entry.delegation.map(str::to_owned),
        actor_nickname: None,
    };
    let m = entry_mac(key, &prev_mac, seq, &stored);
    let ids = serde_json::to_string(&stored.record_ids)
        .map_err(|e| Error::Storage(StorageFailure::new("audit", e.to_string())))?;
    tx.execute(
        "INSERT INTO audit_log (seq, at, actor, subject, action, record_ids, delegation, mac)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            seq,
            stored.at,
            stored.actor,
            stored.subject,
            stored.action,
            ids,
            stored.delegation,
            &m[..]
        ],
    )?;
    let hm = head_mac(key, seq, &m);
    tx.execute(
        "INSERT INTO audit_head (id, seq, mac, head_mac) VALUES (1, ?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, mac = excluded.mac, head_mac = excluded.head_mac",
        params![seq, &m[..], &hm[..]],
    )?;
    Ok(seq)
}

fn read_entry(r: &rusqlite::Row<'_>) -> rusqlite::Result<(AuditEntry, Vec<u8>)> {
    let ids: String = r.get(5)?;
    let record_ids = serde_json::from_str(&ids).unwrap_or_default();
    Ok((
        AuditEntry {
            seq: r.get(0)?,
            at: r.get(1)?,
            actor: r.get(2)?,
            subject: r.get(3)?,
            action: r.get(4)?,
            record_ids,
            delegation: r.get(6)?,
            actor_nickname: None,
        },
        r.get(7)?,
    ))
}

const SELECT: &str =
    "SELECT seq, at, actor, subject, action, record_ids, delegation, mac FROM audit_log";

/// Walk the whole chain; report the first broken link.
pub(crate) fn verify(conn: &Connection) -> Result<AuditReport> {
    let keys = AuditKeys::load(conn)?;
    // Row order is insertion order (rowid), so a reordering shows up as a sequence gap or MAC failure.
    let mut stmt = conn.prepare(&format!("{SELECT} ORDER BY rowid"))?;
    let mut rows = stmt.query([])?;
    let mut prev: Vec<u8> = vec![];
    let mut expected = 1i64;
    let mut count = 0i64;
    while let Some(row) = rows.next()? {
        let (e, stored_mac) = read_entry(row)?;
        count += 1;
        let broken = |reason: &str| {
            Ok(AuditReport {
                entries: count,
                broken: Some(BrokenLink {
                    seq: expected,
                    reason: reason.to_owned(),
                }),
            })
        };
        if e.seq != expected {
            return broken(if e.seq > expected {
                "an entry is missing"
            } else {
                "entries are out of order"
            });
        }
        let Some(key) = keys.key_for(e.seq) else {
            return broken("no audit key covers this entry");
        };
        if !mac_eq(&entry_mac(key, &prev, e.seq, &e), &stored_mac) {
            return broken("the entry was altered or inserted");
        }
        prev = stored_mac;
        expected += 1;
    }
    let head: Option<(i64, Vec<u8>, Vec<u8>)> = conn
        .query_row(
            "SELECT seq, mac, head_mac FROM audit_head WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let last_seq = expected - 1;
    let tail_ok = match (&head, keys.epochs.last()) {
        // Every store's chain starts with its `store_created` entry: an empty one was emptied.
        (None, _) => false,
        (Some((seq, m, hm)), Some((_, _, key))) => {
            *seq == last_seq && mac_eq(m, &prev) && mac_eq(&head_mac(key, *seq, m), hm)
        }
        (Some(_), None) => false,
    };
    let broken = (!tail_ok).then(|| BrokenLink {
        seq: expected,
        reason: if count == 0 {
            "the audit trail is empty".to_owned()
        } else {
            "entries were cut off the end".to_owned()
        },
    });
    Ok(AuditReport {
        entries: count,
        broken,
    })
}

/// Entries, newest first, optionally for one subject.
pub(crate) fn list(
    conn: &Connection,
    subject: Option<&str>,
    limit: u32,
    before_seq: Option<i64>,
) -> Result<Vec<AuditEntry>> {
    let mut stmt = conn.prepare(&format!(
        "{SELECT} WHERE (?1 IS NULL OR subject = ?1) AND (?2 IS NULL OR seq < ?2) ORDER BY seq DESC LIMIT ?3"
    ))?;
    let rows = stmt.query_map(params![subject, before_seq, limit], |r| {
        read_entry(r).map(|(e, _)| e)
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}
