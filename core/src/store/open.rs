//! Creating a store and unlocking an existing one.

use super::connection::{KeyCheck, apply_key, apply_writer_pragmas, open_keyed, read_db_salt};
use super::keyring::{KeySlot, Keyring};
use super::platform::PlatformKeyStore;
use super::schema::{SCHEMA_VERSION, check_compatible, migrate_to};
use super::vault::Store;
use crate::audit::{AuditAction, NewAuditEntry};
use crate::crypto::{KdfParams, SecretKey, fill_random};
use crate::error::{Error, Result};
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};

/// The files of one store, all in one folder.
#[derive(Debug, Clone)]
pub struct StoreFiles {
    pub dir: PathBuf,
    pub database: PathBuf,
    pub keyring: PathBuf,
}

impl StoreFiles {
    pub fn in_dir(dir: impl AsRef<Path>) -> Self {
        let dir = dir.as_ref().to_path_buf();
        StoreFiles {
            database: dir.join("phr.db"),
            keyring: dir.join("phr.keyring"),
            dir,
        }
    }

    /// Whether a store (its database) exists here.
    pub fn exists(&self) -> bool {
        self.database.exists()
    }
}

/// How to unlock: the resident's passphrase/PIN, or the platform keystore.
pub enum Unlock<'a> {
    Passphrase(&'a str),
    Platform(&'a dyn PlatformKeyStore),
}

/// The actor recorded for store-level events (unlock, lock, key changes), before any person acts.
pub(crate) const DEVICE_ACTOR: &str = "device";
pub(crate) const STORE_SUBJECT: &str = "store";

pub(crate) fn validate_passphrase(field: &str, p: &str) -> Result<()> {
    if p.chars().count() < 6 {
        return Err(Error::invalid(field, "must be at least 6 characters"));
    }
    if p.chars().count() > 1024 {
        return Err(Error::invalid(field, "must be at most 1024 characters"));
    }
    Ok(())
}

impl Store {
    /// Create a new, empty store in `dir`, protected by `passphrase`.
    ///
    /// The keyring is written first (with a salt chosen here and handed to SQLCipher), so a crash
    /// at any point leaves either nothing usable to lose or a complete store.
    pub fn create(dir: impl AsRef<Path>, passphrase: &str, kdf: KdfParams) -> Result<Store> {
        let (files, key, conn, keyring) = create_files(dir, passphrase, kdf, SCHEMA_VERSION)?;
        let store = Store::from_parts(files, key, conn, 1, keyring.store_id.clone())?;
        store.write_as(DEVICE_ACTOR, |w| {
            w.tx.execute(
                "INSERT OR IGNORE INTO store_meta (key, value) VALUES ('store_id', ?1)",
                [&keyring.store_id],
            )?;
            w.audit(NewAuditEntry {
                actor: DEVICE_ACTOR,
                subject: STORE_SUBJECT,
                action: AuditAction::StoreCreated,
                record_ids: &[],
                delegation: None,
            })
        })?;
        Ok(store)
    }

    /// Unlock an existing store. Every refusal leaves every file as it was.
    pub fn unlock(dir: impl AsRef<Path>, how: Unlock<'_>) -> Result<Store> {
        let files = StoreFiles::in_dir(dir);
        if !files.database.exists() {
            return Err(Error::not_found("store"));
        }
        let keyring = Keyring::load(&files.keyring)?;
        let salt = read_db_salt(&files.database)?;
        if keyring.db_salt_bytes() != Some(salt) {
            return Err(Error::KeyringMismatch);
        }
        let candidates = match how {
            Unlock::Passphrase(p) => {
                let c = keyring.unwrap_with_passphrase(p)?;
                if c.is_empty() {
                    return Err(Error::WrongPassphrase);
                }
                c
            }
            Unlock::Platform(ps) => {
                let c = keyring.unwrap_with_platform(ps)?;
                if c.is_empty() {
                    return Err(Error::PlatformKeyRejected);
                }
                c
            }
        };
        for (generation, key) in candidates {
            match open_keyed(&files.database, &key)? {
                KeyCheck::Rejected => continue,
                KeyCheck::Opened(mut conn) => {
                    check_compatible(&conn)?;
                    apply_writer_pragmas(&conn)?;
                    migrate_to(&mut conn, SCHEMA_VERSION)?;
                    let store =
                        Store::from_parts(files, key, conn, generation, keyring.store_id.clone())?;
                    // A rotation interrupted after the rekey: finish it (drop the old slot).
                    if keyring.slots.len() > 1 {
                        super::rotate::finish_interrupted(&store, keyring, generation)?;
                    }
                    store.write_as(DEVICE_ACTOR, |w| {
                        w.audit(NewAuditEntry {
                            actor: DEVICE_ACTOR,
                            subject: STORE_SUBJECT,
                            action: AuditAction::Unlock,
                            record_ids: &[],
                            delegation: None,
                        })
                    })?;
                    // A crash while saving the keyring leaves its temp file (wrapped keys
                    // only); tidy it once the store is known good.
                    let _ =
                        std::fs::remove_file(store.files().keyring.with_extension("keyring.tmp"));
                    return Ok(store);
                }
            }
        }
        // The keyring is authentic and names this database's salt, yet no key decrypts it.
        Err(Error::CorruptStore {
            reason: "the database cannot be decrypted",
        })
    }
}

/// The keyring and a new database at schema `version` (normally [`SCHEMA_VERSION`]; older ones
/// only for migration tests), keyring first.
pub(crate) fn create_files(
    dir: impl AsRef<Path>,
    passphrase: &str,
    kdf: KdfParams,
    version: i64,
) -> Result<(StoreFiles, SecretKey, Connection, Keyring)> {
    validate_passphrase("passphrase", passphrase)?;
    kdf.validate()?;
    let files = StoreFiles::in_dir(dir);
    if files.database.exists() {
        return Err(Error::AlreadyExists {
            what: "store".into(),
        });
    }
    std::fs::create_dir_all(&files.dir)?;
    let key = SecretKey::generate()?;
    let mut salt = [0u8; 16];
    fill_random(&mut salt)?;
    let mut keyring = Keyring::new(uuid::Uuid::new_v4().to_string(), salt);
    let wrap = keyring.passphrase_wrap(1, &key, passphrase, kdf)?;
    keyring.slots.push(KeySlot {
        generation: 1,
        wraps: vec![wrap],
    });
    keyring.save(&files.keyring)?;
    let conn = create_database(&files.database, &key, &salt, version)?;
    Ok((files, key, conn, keyring))
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
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut conn = Connection::open_with_flags(path, flags)?;
    super::connection::quiet(&conn)?;
    // Raw key plus explicit salt: `x'<64 hex key><32 hex salt>'`.
    let mut sql = zeroize::Zeroizing::new(String::from("PRAGMA key = \"x'"));
    sql.push_str(&hex::encode(key.expose()));
    sql.push_str(&hex::encode(salt));
    sql.push_str("'\";");
    conn.execute_batch(&sql)?;
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

/// Open another connection (a reader) to an unlocked store.
pub(crate) fn open_reader(path: &Path, key: &SecretKey) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    apply_key(&conn, key)?;
    super::connection::apply_pragmas(&conn)?;
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })?;
    Ok(conn)
}
