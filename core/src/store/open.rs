//! Creating a store and unlocking an existing one.

use super::attempts::Attempts;
use super::connection::{KeyCheck, apply_writer_pragmas, open_keyed, read_db_salt};
use super::files::{DEVICE_ACTOR, STORE_SUBJECT, StoreFiles, Unlock};
use super::keyring::{Keyring, KeyringFile, OWNER};
use super::schema::{SCHEMA_VERSION, check_compatible, migrate_to};
use super::staging::{self, Staging};
use super::vault::Store;
use crate::audit::{self, AuditAction, AuditKeys, NewAuditEntry};
use crate::clock::Clock;
use crate::crypto::{KdfParams, SecretKey, fill_random};
use crate::error::{Error, Result};
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use std::path::Path;

impl Store {
    /// Create a new, empty store in `dir`, protected by the owner's `passphrase` (which must be
    /// strong enough on its own: [`super::credential::check_strength`]). See [`Store::create_with`].
    pub fn create(dir: impl AsRef<Path>, passphrase: &str, kdf: KdfParams) -> Result<Store> {
        Self::create_with(dir, &Unlock::Passphrase(passphrase), kdf)
    }

    /// Create a new, empty store in `dir` whose owner unlocks it with `credential`: a strong
    /// passphrase, or a PIN together with the platform keystore (never the platform alone:
    /// a lost biometric would lose the store).
    ///
    /// The whole store (keyring, database, its first audit entry) is built in a staging folder
    /// and moved in, database first (`staging.rs`): a crash at any point leaves either no
    /// database (run `init` again) or a whole store, never a store that cannot be opened.
    pub fn create_with(
        dir: impl AsRef<Path>,
        credential: &Unlock<'_>,
        kdf: KdfParams,
    ) -> Result<Store> {
        check_new_credential("passphrase", credential)?;
        kdf.validate()?;
        let files = StoreFiles::in_dir(dir);
        if files.database.exists() {
            return Err(Error::AlreadyExists {
                what: "store".into(),
            });
        }
        super::files::create_private_dir(&files.dir)?;
        staging::clean(&files);
        let staging = Staging::new(&files.dir, "init")?;
        let staged = staging.files();
        let (key, conn, keyring) = create_files_at(&staged, credential, kdf, SCHEMA_VERSION)?;
        record_creation(conn, &key, &keyring)?;
        super::crash::point("init.staged");
        staging.move_in(&files, ["init.database_moved", "init.keyring_moved"])?;
        drop(staging);
        match open_keyed(&files.database, &key)? {
            KeyCheck::Opened(mut conn) => {
                apply_writer_pragmas(&conn)?;
                migrate_to(&mut conn, SCHEMA_VERSION)?;
                Store::from_parts(files, key, conn, 1, keyring.store_id, OWNER.to_owned())
            }
            KeyCheck::Rejected => Err(Error::CorruptStore {
                reason: "the database file phr.db cannot be decrypted",
            }),
        }
    }

    /// Unlock an existing store as its owner. See [`Store::unlock_as`].
    pub fn unlock(dir: impl AsRef<Path>, how: Unlock<'_>) -> Result<Store> {
        Self::unlock_as(dir, None, how)
    }

    /// Unlock an existing store as the member `nickname` names (the owner when `None`). The
    /// store remembers who unlocked it ([`Store::member`]). Every refusal leaves the store's
    /// files as they were; a wrong credential is counted (`attempts.rs`) and, after five in a
    /// row, refused with [`Error::TooManyAttempts`] before any KDF runs.
    pub fn unlock_as(
        dir: impl AsRef<Path>,
        nickname: Option<&str>,
        how: Unlock<'_>,
    ) -> Result<Store> {
        let files = StoreFiles::in_dir(dir);
        // What a crashed init or restore left behind (never a store's own files).
        staging::clean(&files);
        if !files.database.exists() {
            return Err(Error::not_found("store"));
        }
        let file = KeyringFile::load(&files.keyring)?;
        let salt = read_db_salt(&files.database)?;
        if file.db_salt_bytes() != Some(salt) {
            return Err(Error::KeyringMismatch);
        }
        let now = Clock::from_environment().now_seconds();
        let member = match &file {
            KeyringFile::Current(k) => k
                .member_for(nickname)
                .map_or(OWNER.to_owned(), |m| m.id.clone()),
            KeyringFile::Legacy(_) => OWNER.to_owned(),
        };
        Attempts::load(&files.dir).check(&member, now)?;
        let candidates = file.candidates(nickname, &how)?;
        if candidates.keys.is_empty() {
            Attempts::failed(&files.dir, &member, now);
            return Err(how.rejected());
        }
        let mut opened_any = false;
        for (generation, key, from_pending) in candidates.keys {
            match open_keyed(&files.database, &key)? {
                KeyCheck::Rejected => continue,
                KeyCheck::Opened(mut conn) => {
                    opened_any = true;
                    check_compatible(&conn)?;
                    let writable = !super::connection::is_read_only(&conn);
                    if writable {
                        apply_writer_pragmas(&conn)?;
                    } else {
                        super::connection::apply_pragmas(&conn)?;
                    }
                    let keyring = match &file {
                        KeyringFile::Legacy(v1) if writable => {
                            super::upgrade::from_v1(&files, v1, &key, generation, &how)?
                        }
                        KeyringFile::Legacy(_) => return Err(Error::ReadOnly),
                        KeyringFile::Current(k) => {
                            let Some(k) = settle_pending(&conn, &files, k, from_pending, writable)?
                            else {
                                continue;
                            };
                            k
                        }
                    };
                    super::check::quick_check(&mut conn)?;
                    super::anchor::check(&keyring, &conn)?;
                    if writable {
                        migrate_to(&mut conn, SCHEMA_VERSION)?;
                    } else if check_compatible(&conn)? < SCHEMA_VERSION {
                        // An older store needs its migration written first.
                        return Err(Error::ReadOnly);
                    }
                    let store = Store::from_parts(
                        files,
                        key,
                        conn,
                        generation,
                        keyring.store_id.clone(),
                        member.clone(),
                    )?;
                    // A rotation interrupted after the rekey: finish it (drop the old slot).
                    if keyring.keys.slots.len() > 1 && writable {
                        super::rotate::finish_interrupted(&store, keyring, generation)?;
                    }
                    store.record_unlock(&member)?;
                    Attempts::succeeded(&store.files().dir, &member);
                    // A crash while saving the keyring leaves its temp file (wrapped keys
                    // only); tidy it once the store is known good.
                    super::keyring::remove_stale_temp_files(&store.files().dir);
                    return Ok(store);
                }
            }
        }
        if opened_any {
            // The key opened the database, but only through a change that never committed
            // (or one that replaced this credential).
            Attempts::failed(&files.dir, &member, now);
            return Err(how.rejected());
        }
        // The keyring is authentic and names this database's salt, yet no key decrypts it.
        Err(Error::CorruptStore {
            reason: "the database file phr.db cannot be decrypted",
        })
    }
}

/// A credential a new store, member or change may be made with: a strong passphrase, or a PIN
/// with the platform keystore (the platform alone only beside one of those).
pub(crate) fn check_new_credential(field: &str, credential: &Unlock<'_>) -> Result<()> {
    match credential {
        Unlock::Passphrase(p) => super::credential::check_strength(field, p),
        Unlock::Pin(..) => Ok(()),
        Unlock::Platform(_) => Err(Error::invalid(
            field,
            "a passphrase or a PIN is needed; biometric unlock is added once the store exists",
        )),
    }
}

/// The keyring as it stands once a pending change (a passphrase change or platform enrolment
/// interrupted between its two keyring saves) is settled: its new slots if the database holds the
/// change's id (committed with its audit entry), the old ones if not. `None` if the candidate
/// key that opened the database came from the side that lost (the passphrase is not, or no
/// longer, valid). The settled keyring is saved only for an accepted unlock of a writable store,
/// inside a write transaction, so that a change still in progress in another process (it holds
/// the write lock from its first save to its commit) is waited for, never undone.
fn settle_pending(
    conn: &Connection,
    files: &StoreFiles,
    keyring: &Keyring,
    from_pending: bool,
    writable: bool,
) -> Result<Option<Keyring>> {
    let Some(pending) = keyring.pending.as_ref() else {
        return Ok((!from_pending).then(|| keyring.clone()));
    };
    let locked = writable && conn.execute_batch("BEGIN IMMEDIATE").is_ok();
    let decided = (|| -> Result<Option<Keyring>> {
        let marker: Option<String> = conn
            .query_row(
                "SELECT value FROM store_meta WHERE key = 'keyring_change'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        let committed = marker.as_deref() == Some(pending.id.as_str());
        if committed != from_pending {
            return Ok(None);
        }
        let settled = if committed {
            keyring.pending_keyring().unwrap_or_else(|| keyring.clone())
        } else {
            let mut k = keyring.clone();
            k.pending = None;
            k
        };
        // Only if no other command settled it meanwhile.
        let still_pending = Keyring::load(&files.keyring)
            .is_ok_and(|k| k.pending.as_ref().is_some_and(|p| p.id == pending.id));
        if locked && still_pending {
            // On a failed save the file keeps the pending change: the next unlock decides the
            // same way.
            let _ = settled.save(&files.keyring);
        }
        Ok(Some(settled))
    })();
    if locked {
        conn.execute_batch("COMMIT")?;
    }
    decided
}

/// In a freshly created database: the store id, the first audit epoch and the `store_created`
/// entry, the keyring's first audit anchor, then the WAL folded back and the connection closed
/// (a staged store is one file).
fn record_creation(mut conn: Connection, key: &SecretKey, keyring: &Keyring) -> Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute(
        "INSERT OR IGNORE INTO store_meta (key, value) VALUES ('store_id', ?1)",
        [&keyring.store_id],
    )?;
    AuditKeys::start_epoch(&tx, key)?;
    let keys = AuditKeys::load(&tx)?;
    audit::append(
        &tx,
        &keys,
        &NewAuditEntry {
            actor: DEVICE_ACTOR,
            subject: STORE_SUBJECT,
            action: AuditAction::StoreCreated,
            record_ids: &[],
            delegation: None,
        },
        Clock::from_environment().now(),
    )?;
    tx.commit()?;
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")?;
    let path = conn.path().map(std::path::PathBuf::from);
    conn.close().map_err(|(_, e)| Error::from(e))?;
    // No connection to it is left in this process: syncing it ourselves is safe.
    if let Some(path) = path {
        std::fs::File::open(path)?.sync_all()?;
    }
    Ok(())
}

/// The keyring and a new database at schema `version` (normally [`SCHEMA_VERSION`]; older ones
/// only for migration tests), keyring first, written directly in `dir` (tests only: `create`
/// builds in a staging folder).
#[cfg(feature = "test-hooks")]
pub(crate) fn create_files(
    dir: impl AsRef<Path>,
    passphrase: &str,
    kdf: KdfParams,
    version: i64,
) -> Result<(StoreFiles, SecretKey, Connection, Keyring)> {
    super::files::validate_passphrase("passphrase", passphrase)?;
    kdf.validate()?;
    let files = StoreFiles::in_dir(dir);
    if files.database.exists() {
        return Err(Error::AlreadyExists {
            what: "store".into(),
        });
    }
    super::files::create_private_dir(&files.dir)?;
    let (key, conn, keyring) =
        create_files_at(&files, &Unlock::Passphrase(passphrase), kdf, version)?;
    Ok((files, key, conn, keyring))
}

/// The keyring (the owner with `credential`, slot 1) and a new database at schema `version` in
/// `files`, keyring first.
pub(crate) fn create_files_at(
    files: &StoreFiles,
    credential: &Unlock<'_>,
    kdf: KdfParams,
    version: i64,
) -> Result<(SecretKey, Connection, Keyring)> {
    let key = SecretKey::generate()?;
    let mut salt = [0u8; 16];
    fill_random(&mut salt)?;
    let keyring = super::members::first_keyring(
        uuid::Uuid::new_v4().to_string(),
        salt,
        &key,
        credential,
        kdf,
    )?;
    keyring.save(&files.keyring)?;
    let conn = create_database(&files.database, &key, &salt, version)?;
    Ok((key, conn, keyring))
}

/// A new database file keyed with `key` and our own `salt`, in WAL mode, at schema `version`.
fn create_database(
    path: &Path,
    key: &SecretKey,
    salt: &[u8; 16],
    version: i64,
) -> Result<Connection> {
    // Leftovers of a creation that crashed before the keyring existed cannot hold data.
    for suffix in ["-wal", "-shm", "-journal"] {
        let _ = std::fs::remove_file(path.with_file_name(format!("phr.db{suffix}")));
    }
    // Made 0600 before SQLite opens it: SQLite gives -wal and -shm the main file's mode.
    drop(super::keyring::private_file(path)?);
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut conn = super::connection::open_file(path, flags)?;
    super::connection::apply_new_key(&conn, key, salt)?;
    apply_key_check_only(&conn)?;
    apply_writer_pragmas(&conn)?;
    migrate_to(&mut conn, version)?;
    Ok(conn)
}

fn apply_key_check_only(conn: &Connection) -> Result<()> {
    let v: String = conn
        .query_row("PRAGMA cipher_version", [], |r| r.get(0))
        .unwrap_or_default();
    if v.is_empty() {
        return Err(Error::Storage(crate::error::StorageFailure::new(
            "sqlite",
            "SQLCipher is not linked",
        )));
    }
    Ok(())
}
