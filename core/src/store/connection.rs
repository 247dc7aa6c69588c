//! Opening one SQLCipher connection: key first, then a read to confirm it, then pragmas.
//!
//! Nothing here writes to an existing file before the key has been confirmed, so a wrong key,
//! a damaged file or a foreign file is refused with the file left byte-identical.

use crate::crypto::SecretKey;
use crate::error::{Error, Result, StorageFailure};
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::time::Duration;

/// SQLite's header for an unencrypted database file.
const PLAIN_SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";
/// SQLCipher 4's default page size; every database file is a whole number of pages.
pub(crate) const PAGE_SIZE: u64 = 4096;

/// Open a database file once SQLite and SQLCipher are initialised for this process.
///
/// Every connection of the product is opened here (or by [`open_in_memory`]). SQLite marks itself
/// initialised before it runs SQLCipher's own initialisation, outside its mutex: a second thread
/// that opens a database in that window gets a connection whose `PRAGMA key` fails ("An error
/// occurred with PRAGMA key or rekey"), as an app opening the store from several threads at
/// launch would. The first open of the process therefore runs alone, behind a `OnceLock`.
pub(crate) fn open_file(path: &Path, flags: OpenFlags) -> Result<Connection> {
    sqlcipher_ready()?;
    Ok(Connection::open_with_flags(path, flags)?)
}

/// An in-memory database (never keyed: it holds no data, only a schema to compare with).
pub(crate) fn open_in_memory() -> Result<Connection> {
    sqlcipher_ready()?;
    Ok(Connection::open_in_memory()?)
}

fn sqlcipher_ready() -> Result<()> {
    static READY: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    // The opening thread runs SQLite's and SQLCipher's initialisation itself before
    // `open_in_memory` returns; the others wait here until it has.
    let ready = READY.get_or_init(|| {
        Connection::open_in_memory()
            .and_then(|c| c.query_row("PRAGMA cipher_version", [], |r| r.get::<_, String>(0)))
            .is_ok_and(|v| !v.is_empty())
    });
    if *ready {
        Ok(())
    } else {
        Err(Error::Storage(StorageFailure::new(
            "sqlite",
            "SQLCipher did not initialise",
        )))
    }
}

/// What opening with one candidate key found.
pub(crate) enum KeyCheck {
    Opened(Connection),
    /// The key does not decrypt this database (try another slot, or report).
    Rejected,
}

/// Read the SQLCipher salt (first 16 bytes) of an existing database file, refusing files that
/// cannot be a SQLCipher 4 database at all.
///
/// The bytes are read through SQLite (`PRAGMA cipher_salt` on a connection keyed with a key that
/// is never used to decrypt), never by opening the file ourselves: this process may already have
/// the database open in another store, and closing a descriptor of it would drop that
/// connection's locks (STYLE.md 16). The size comes from the file's metadata (no descriptor).
pub(crate) fn read_db_salt(path: &Path) -> Result<[u8; 16]> {
    let len = std::fs::metadata(path)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::not_found("store"),
            _ => Error::from(e),
        })?
        .len();
    if len < PAGE_SIZE || len % PAGE_SIZE != 0 {
        return Err(Error::CorruptStore {
            reason: "the database file phr.db is truncated",
        });
    }
    let conn = open_file(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    quiet(&conn)?;
    // A raw key with no salt: SQLCipher takes the salt from the file's first 16 bytes.
    conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", "00".repeat(32)))?;
    let hex: String = conn.query_row("PRAGMA cipher_salt", [], |r| r.get(0))?;
    let salt: [u8; 16] = hex::decode(hex)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(Error::CorruptStore {
            reason: "the database file phr.db is truncated",
        })?;
    if &salt == PLAIN_SQLITE_HEADER {
        return Err(Error::CorruptStore {
            reason: "the database file phr.db is not encrypted",
        });
    }
    Ok(salt)
}

/// Open the existing database at `path` with `key`, confirmed by a read.
///
/// The connection carries SQLITE_OPEN_CREATE although the file exists (the caller has read its
/// salt): databases ATTACHed to it (the backup) inherit its flags and must be creatable. Where
/// the files cannot be written (a read-only folder or file system), the database is opened
/// read-only instead: reads work, every write is refused as [`Error::ReadOnly`].
pub(crate) fn open_keyed(path: &Path, key: &SecretKey) -> Result<KeyCheck> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let read_only = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    match open_with(path, key, flags) {
        Err(Error::ReadOnly) | Err(Error::Storage(_)) if !writable(path) => {
            match open_with(path, key, read_only) {
                // No wal-index can be made, and no WAL holds pages the file lacks (a locked
                // store): SQLite reads such a file only as `immutable` (no other writer can
                // exist on a file system nobody can write).
                Err(Error::ReadOnly) if !beside(path, "-wal").exists() => {
                    let mut uri = url::Url::from_file_path(path)
                        .map_err(|()| Error::invalid("store", "path must be absolute"))?;
                    uri.set_query(Some("immutable=1"));
                    open_with(
                        Path::new(uri.as_str()),
                        key,
                        read_only | OpenFlags::SQLITE_OPEN_URI,
                    )
                }
                other => other,
            }
        }
        other => other,
    }
}

fn beside(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    name.into()
}

/// Whether the database and its folder can be written (the WAL and wal-index live beside it).
fn writable(path: &Path) -> bool {
    let dir = path.parent().unwrap_or(Path::new("."));
    let probe = dir.join(format!(".phr-write-probe-{}", std::process::id()));
    let ok = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
        .is_ok();
    let _ = std::fs::remove_file(&probe);
    ok && std::fs::metadata(path).is_ok_and(|m| !m.permissions().readonly())
}

fn open_with(path: &Path, key: &SecretKey, flags: OpenFlags) -> Result<KeyCheck> {
    let conn = open_file(path, flags)?;
    apply_key(&conn, key)?;
    // SQLCipher reports a wrong key only on the first read.
    match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    }) {
        Ok(_) => {}
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::NotADatabase =>
        {
            return Ok(KeyCheck::Rejected);
        }
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::DatabaseCorrupt =>
        {
            return Err(Error::CorruptStore {
                reason: "the database file phr.db is damaged",
            });
        }
        Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == rusqlite::ErrorCode::CannotOpen => {
            // A WAL database whose wal-index cannot be created (read-only folder).
            return Err(Error::ReadOnly);
        }
        Err(e) => return Err(e.into()),
    }
    Ok(KeyCheck::Opened(conn))
}

/// Whether `conn` can write its main database.
pub(crate) fn is_read_only(conn: &Connection) -> bool {
    conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(true)
}

/// Silence SQLCipher's own logging (stderr by default): a wrong key reaches the caller as a
/// typed error, and nothing about the store belongs in a log.
pub(crate) fn quiet(conn: &Connection) -> Result<()> {
    conn.execute_batch("PRAGMA cipher_log_level = NONE;")?;
    Ok(())
}

/// `PRAGMA key` with the raw key; the statement text is wiped after use.
pub(crate) fn apply_key(conn: &Connection, key: &SecretKey) -> Result<()> {
    quiet(conn)?;
    let mut sql = zeroize::Zeroizing::new(String::from("PRAGMA key = \""));
    sql.push_str(&key.sqlcipher_literal());
    sql.push_str("\";");
    conn.execute_batch(&sql)?;
    // A build that silently linked plain SQLite would ignore PRAGMA key and write plaintext.
    let version: Option<String> = conn
        .query_row("PRAGMA cipher_version", [], |r| r.get(0))
        .ok();
    if version.as_deref().unwrap_or("").is_empty() {
        return Err(Error::Storage(StorageFailure::new(
            "sqlite",
            "SQLCipher is not linked",
        )));
    }
    Ok(())
}

/// `PRAGMA key` for a new database: the raw key and our own salt (`x'<64 hex key><32 hex
/// salt>'`), so the salt is known before the first page is written; the text is wiped after use.
pub(crate) fn apply_new_key(conn: &Connection, key: &SecretKey, salt: &[u8; 16]) -> Result<()> {
    quiet(conn)?;
    let mut sql = zeroize::Zeroizing::new(String::from("PRAGMA key = \"x'"));
    sql.push_str(&hex::encode(key.expose()));
    sql.push_str(&hex::encode(salt));
    sql.push_str("'\";");
    conn.execute_batch(&sql)?;
    Ok(())
}

/// Per-connection settings, applied once the key is confirmed and the version accepted.
pub(crate) fn apply_pragmas(conn: &Connection) -> Result<()> {
    conn.busy_timeout(Duration::from_secs(10))?;
    // Query plans that do not depend on bound values. Without it SQLite marks `col = ?` for a
    // re-plan when the value becomes 0 or 1, and `sqlite3_clear_bindings` (which rusqlite's
    // statement cache calls on every statement it takes back) then expires such a statement:
    // every cached query with a filtered `= ?` was compiled again on each use (14% of logging
    // one entry with consent given). No ANALYZE statistics exist for bound values to refine.
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )?;
    conn.execute_batch(
        "PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY;
         PRAGMA secure_delete = ON;
         PRAGMA synchronous = NORMAL;",
    )?;
    Ok(())
}

/// The writer additionally puts the database in WAL mode (persistent in the file header).
pub(crate) fn apply_writer_pragmas(conn: &Connection) -> Result<()> {
    apply_pragmas(conn)?;
    // 8 MiB page cache for the one writer (SQLite's default is 2 MiB): index pages of large
    // tables stay hot during batch imports. Readers keep the default.
    conn.execute_batch("PRAGMA cache_size = -8192;")?;
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(Error::Storage(StorageFailure::new(
            "sqlite",
            "WAL mode unavailable",
        )));
    }
    // No checkpoint inside a COMMIT: the store runs it on its own thread (checkpoint.rs).
    conn.execute_batch("PRAGMA wal_autocheckpoint = 0;")?;
    Ok(())
}

/// Open another connection (a reader) to an unlocked store.
pub(crate) fn open_reader(path: &Path, key: &SecretKey, read_only: bool) -> Result<Connection> {
    if read_only {
        // The same way the store was opened (read-only, or immutable on a read-only disk).
        return match open_keyed(path, key)? {
            KeyCheck::Opened(conn) => {
                apply_pragmas(&conn)?;
                Ok(conn)
            }
            KeyCheck::Rejected => Err(Error::CorruptStore {
                reason: "the database file phr.db cannot be decrypted",
            }),
        };
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = open_file(path, flags)?;
    apply_key(&conn, key)?;
    apply_pragmas(&conn)?;
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })?;
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// How often SQLite compiled a cached `WHERE b = ?1` query again over `uses` uses.
    fn reprepares(conn: &Connection, uses: usize) -> i32 {
        conn.execute_batch(
            "CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT, c TEXT);
             INSERT INTO t (b, c) VALUES ('x', '1'), ('y', '2');",
        )
        .unwrap();
        let sql = "SELECT c FROM t WHERE b = ?1 ORDER BY a";
        for _ in 0..uses {
            let mut stmt = conn.prepare_cached(sql).unwrap();
            let _: Vec<String> = stmt
                .query_map(["x"], |r| r.get(0))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
        }
        conn.prepare_cached(sql)
            .unwrap()
            .get_status(rusqlite::StatementStatus::RePrepare)
    }

    #[test]
    fn a_cached_query_is_compiled_once_not_on_every_use() {
        // The hazard this guards against, as SQLite behaves without the setting.
        let plain = Connection::open_in_memory().unwrap();
        assert!(
            reprepares(&plain, 5) >= 4,
            "SQLite no longer re-plans: the setting may go"
        );
        let ours = open_in_memory().unwrap();
        apply_pragmas(&ours).unwrap();
        assert_eq!(reprepares(&ours, 5), 0);
    }
}
