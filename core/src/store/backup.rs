//! The standard encrypted backup: a plain SQLCipher 4 database under its own passphrase with
//! SQLCipher's default KDF, written by `sqlcipher_export`, so any SQLCipher 4 client can open it
//! with the passphrase alone. No lock-in.

use super::connection::{apply_writer_pragmas, read_db_salt};
use super::files::{DEVICE_ACTOR, STORE_SUBJECT, StoreFiles};
use super::schema::{APPLICATION_ID, SCHEMA_VERSION, migrate_to};
use super::staging::{self, Staging, sync_dir};
use super::vault::{Store, lock, store_entry};
use crate::audit::{self, AuditAction, AuditKeys, NewAuditEntry};
use crate::crypto::{KdfParams, SecretKey, fill_random};
use crate::error::{Error, Result};
use rusqlite::{Connection, OpenFlags, params};
use std::path::Path;

impl Store {
    /// Write an encrypted backup of the whole store to `path` (which must not exist).
    ///
    /// Written to `<name>.partial-<random>` beside it and fsynced; then, in one write
    /// transaction, the `backup_written` audit entry is appended, the file is linked to `path`
    /// (never replacing a file that appeared meanwhile) and the folder fsynced, and the
    /// transaction commits. On any error the partial file and `path` are removed again, so the
    /// result says what exists: `Ok` = a whole, audited backup at `path`; `Err` = none.
    /// Partial files that a crashed backup to the same name left are removed first.
    pub fn backup(&self, path: &Path, backup_passphrase: &str) -> Result<()> {
        super::credential::check_strength("backup_passphrase", backup_passphrase)?;
        if self.is_read_only() {
            // Its audit entry could not be written.
            return Err(Error::ReadOnly);
        }
        if path.exists() {
            return Err(Error::AlreadyExists {
                what: "backup file".into(),
            });
        }
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| Error::invalid("path", "must name a file (valid UTF-8)"))?;
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        remove_partials(dir, name);
        let tmp = dir.join(format!("{name}.partial-{}", uuid::Uuid::new_v4().simple()));
        let remove_tmp = || {
            let _ = std::fs::remove_file(&tmp);
            let _ = std::fs::remove_file(journal_of(&tmp));
        };
        // Made 0600 before SQLite attaches it: a backup is as private as the store.
        let exported = super::keyring::private_file(&tmp)
            .map_err(Error::from)
            .and_then(|_| self.export_to(&tmp, backup_passphrase));
        if let Err(e) = exported {
            remove_tmp();
            return Err(e);
        }
        super::crash::point("backup.exported");
        let mut linked = false;
        let decided = self.write_as(DEVICE_ACTOR, |w| {
            w.audit(store_entry(AuditAction::BackupWritten))?;
            match std::fs::hard_link(&tmp, path) {
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    return Err(Error::AlreadyExists {
                        what: "backup file".into(),
                    });
                }
                other => other?,
            }
            linked = true;
            sync_dir(dir)?;
            super::crash::point("backup.linked");
            Ok(())
        });
        if let Err(e) = decided {
            if linked {
                let _ = std::fs::remove_file(path);
            }
            remove_tmp();
            return Err(e);
        }
        super::crash::point("backup.committed");
        // Done: `path` is the backup; the partial name is only a second link to it.
        remove_tmp();
        Ok(())
    }

    fn export_to(&self, tmp: &Path, passphrase: &str) -> Result<()> {
        let guard = self.inner()?;
        let inner = guard.as_ref().ok_or(Error::Locked)?;
        // Not for correctness (a checkpoint never changes what a snapshot reads): a backup,
        // like lock and rotation, works on a store with no checkpoint in flight, and does not
        // compete with one for the disk.
        if let Some(conn) = inner.checkpointer.wait() {
            inner.give_back(conn);
        }
        let conn = lock(&inner.writer)?;
        let target = tmp
            .to_str()
            .ok_or_else(|| Error::invalid("path", "must be valid UTF-8"))?;
        conn.execute(
            "ATTACH DATABASE ?1 AS backup KEY ?2",
            params![target, passphrase],
        )?;
        let exported = (|| -> Result<()> {
            conn.query_row("SELECT sqlcipher_export('backup')", [], |_| Ok(()))?;
            // A backup carries no sign-in to any platform: a restored store signs in again.
            conn.execute_batch("DELETE FROM backup.sync_token")?;
            let version: i64 = conn.query_row("PRAGMA main.user_version", [], |r| r.get(0))?;
            conn.execute_batch(&format!(
                "PRAGMA backup.user_version = {version}; PRAGMA backup.application_id = {APPLICATION_ID};"
            ))?;
            Ok(())
        })();
        conn.execute_batch("DETACH DATABASE backup")?;
        exported?;
        std::fs::File::open(tmp)?.sync_all()?;
        Ok(())
    }

    /// Restore a backup into `dir` (which must not hold a store) under a new passphrase.
    /// A wrong backup passphrase or a foreign file is refused and nothing is created.
    pub fn restore(
        backup: &Path,
        backup_passphrase: &str,
        dir: impl AsRef<Path>,
        new_passphrase: &str,
        kdf: KdfParams,
    ) -> Result<Store> {
        super::credential::check_strength("new_passphrase", new_passphrase)?;
        kdf.validate()?;
        let files = StoreFiles::in_dir(dir);
        if files.exists() {
            return Err(Error::AlreadyExists {
                what: "store".into(),
            });
        }
        // Refuses plaintext, truncated and missing files without opening them.
        read_db_salt(backup).map_err(|e| match e {
            Error::NotFound { .. } => Error::not_found("backup file"),
            Error::CorruptStore { .. } => Error::CorruptStore {
                reason: "the file is not a PHR Core backup",
            },
            other => other,
        })?;
        super::files::create_private_dir(&files.dir)?;
        staging::clean(&files);
        // Removed when dropped: on every path but a crash (then by the next command).
        let staging = Staging::new(&files.dir, "restore")?;
        build_restored(
            backup,
            backup_passphrase,
            &staging.files(),
            new_passphrase,
            kdf,
        )?;
        super::crash::point("restore.staged");
        staging.move_in(&files, ["restore.database_moved", "restore.keyring_moved"])?;
        drop(staging);
        Store::unlock(&files.dir, super::Unlock::Passphrase(new_passphrase))
    }
}

fn build_restored(
    backup: &Path,
    backup_passphrase: &str,
    staged: &StoreFiles,
    new_passphrase: &str,
    kdf: KdfParams,
) -> Result<()> {
    let key = SecretKey::generate()?;
    let mut salt = [0u8; 16];
    fill_random(&mut salt)?;
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    drop(super::keyring::private_file(&staged.database)?);
    let mut conn = super::connection::open_file(&staged.database, flags)?;
    super::connection::apply_new_key(&conn, &key, &salt)?;
    let src = backup
        .to_str()
        .ok_or_else(|| Error::invalid("backup", "path must be valid UTF-8"))?;
    // Read-only URI: checking a backup never writes to it.
    let uri = format!(
        "file:{}?mode=ro",
        src.replace('?', "%3f").replace('#', "%23")
    );
    // SQLCipher reports a wrong key on the first read, which ATTACH itself may do.
    let opened = conn
        .execute(
            "ATTACH DATABASE ?1 AS bk KEY ?2",
            params![uri, backup_passphrase],
        )
        .and_then(|_| {
            conn.query_row("SELECT count(*) FROM bk.sqlite_master", [], |r| {
                r.get::<_, i64>(0)
            })
        });
    match opened {
        Ok(_) => {}
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::NotADatabase =>
        {
            return Err(Error::WrongPassphrase);
        }
        Err(e) => return Err(e.into()),
    }
    let app: i64 = conn.query_row("PRAGMA bk.application_id", [], |r| r.get(0))?;
    let version: i64 = conn.query_row("PRAGMA bk.user_version", [], |r| r.get(0))?;
    if app != APPLICATION_ID || version < 1 {
        return Err(Error::CorruptStore {
            reason: "the file is not a PHR Core backup",
        });
    }
    if version > SCHEMA_VERSION {
        return Err(Error::UnsupportedVersion {
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    check_schema(&conn, version)?;
    conn.query_row("SELECT sqlcipher_export('main', 'bk')", [], |_| Ok(()))?;
    conn.execute_batch("DETACH DATABASE bk")?;
    conn.execute_batch(&format!(
        "PRAGMA user_version = {version}; PRAGMA application_id = {APPLICATION_ID};"
    ))?;
    let ok: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    if ok != "ok" {
        return Err(Error::CorruptStore {
            reason: "the backup is damaged",
        });
    }
    apply_writer_pragmas(&conn)?;
    migrate_to(&mut conn, SCHEMA_VERSION)?;
    // The chain continues; a new epoch is keyed from the new data key.
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    AuditKeys::start_epoch(&tx, &key)?;
    let keys = AuditKeys::load(&tx)?;
    audit::append(
        &tx,
        &keys,
        &NewAuditEntry {
            actor: DEVICE_ACTOR,
            subject: STORE_SUBJECT,
            action: AuditAction::Restored,
            record_ids: &[],
            delegation: None,
        },
        crate::clock::Clock::from_environment().now(),
    )?;
    let store_id: String = tx.query_row(
        "SELECT value FROM store_meta WHERE key = 'store_id'",
        [],
        |r| r.get(0),
    )?;
    tx.commit()?;
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")?;
    conn.close().map_err(|(_, e)| Error::from(e))?;
    // No connection to it is left in this process: syncing it ourselves is safe.
    std::fs::File::open(&staged.database)?.sync_all()?;
    // Only the owner unlocks the restored store: other members are added again (their
    // credentials were never in the backup).
    let keyring = super::members::first_keyring(
        store_id,
        salt,
        &key,
        &super::files::Unlock::Passphrase(new_passphrase),
        kdf,
    )?;
    keyring.save(&staged.keyring)
}

/// SQLite's rollback journal beside an attached database file.
fn journal_of(file: &Path) -> std::path::PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push("-journal");
    name.into()
}

/// Remove `<name>.partial-*` files (and their journals) that a crashed backup to `name` left in
/// `dir`. They are ours: no other program writes these names.
fn remove_partials(dir: &Path, name: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let prefix = format!("{name}.partial-");
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(&prefix) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// The backup holds the schema of its version: every table, index, trigger and view this
/// build's migrations make, unchanged, and no other index, trigger, view or virtual table
/// (code that would run in the restored store: a crafted trigger, say, that deletes every
/// future withdrawal). An extra plain table is data no query of the product reads, and stays.
/// The first difference is named.
fn check_schema(conn: &Connection, version: i64) -> Result<()> {
    let expected = super::schema::expected_objects(version)?;
    let found = super::schema::objects(conn, "bk")?;
    let key = |o: &super::schema::SchemaObject| (o.0.clone(), o.1.clone());
    for o in &found {
        let plain_table = o.0 == "table"
            && o.3.as_deref().is_some_and(|sql| {
                sql.trim_start()
                    .to_ascii_uppercase()
                    .starts_with("CREATE TABLE")
            });
        match expected.iter().find(|e| key(e) == key(o)) {
            None if plain_table => {}
            None => {
                return Err(Error::invalid(
                    "backup",
                    format!(
                        "holds a {} {} that no PHR Core store has; nothing was restored",
                        o.0, o.1
                    ),
                ));
            }
            Some(e) if e != o => {
                return Err(Error::invalid(
                    "backup",
                    format!("holds a changed {} {}; nothing was restored", o.0, o.1),
                ));
            }
            Some(_) => {}
        }
    }
    if let Some(missing) = expected
        .iter()
        .find(|e| !found.iter().any(|o| key(o) == key(e)))
    {
        return Err(Error::invalid(
            "backup",
            format!(
                "lacks the {} {}; nothing was restored",
                missing.0, missing.1
            ),
        ));
    }
    Ok(())
}
